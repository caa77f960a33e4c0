"""List pages (front, section, tag, author) tell social networks and search engines what
they are (issue 14): Open Graph and Twitter tags and a canonical address, from one
partial, templates/reading/_list_meta.html. The first page is canonical for itself; a
deeper page too, its cursor kept and any other query argument dropped."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from models import Tag, User, db
from models.time import utcnow
from services.media import store_upload
from tests.factories import make_article, make_section, make_user
from tests.test_media_library import plain_jpeg

PAGES = {
    "/": ("Gazette", "http://localhost/"),
    "/rubrique/culture": ("Culture", "http://localhost/rubrique/culture"),
    "/sujet/expositions": ("Expositions & <musées>", "http://localhost/sujet/expositions"),
    "/auteur/lea-roux": ("Léa Roux", "http://localhost/auteur/lea-roux"),
}


def meta(page: str) -> dict[str, str]:
    """{property or name: content} of the page's <meta> tags, unescaped."""
    found = re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', page)
    return {key: html.unescape(value) for key, value in found}


def canonicals(page: str) -> list[str]:
    return [html.unescape(u) for u in re.findall(r'<link rel="canonical" href="([^"]+)"', page)]


@pytest.fixture
def lists(app):
    culture = make_section("Culture", slug="culture")
    lea = make_user("Léa Roux", slug="lea-roux")
    tag = Tag(name="Expositions & <musées>", slug="expositions")
    for n in range(3):
        article = make_article(f"Article {n}", section=culture, author=lea)
        article.set_tags([tag])
    db.session.commit()
    return culture


@pytest.mark.parametrize("url", PAGES)
def test_list_pages_have_open_graph_twitter_and_a_canonical(client, lists, url):
    title, address = PAGES[url]
    page = client.get(url).get_data(as_text=True)
    tags = meta(page)
    assert canonicals(page) == [address]
    assert tags["og:type"] == "website"
    assert tags["og:title"] == tags["twitter:title"] == title
    assert tags["og:description"] == tags["twitter:description"] == tags["description"]
    assert tags["og:url"] == address
    assert tags["og:site_name"] == "Gazette"
    assert tags["og:locale"] == "fr_FR"
    assert tags["twitter:card"] == "summary"  # no image in these articles
    assert "og:image" not in tags and "twitter:image" not in tags


def test_the_section_title_is_its_trail(client, lists):
    make_article("Au théâtre", section=make_section("Théâtre", parent=lists, slug="theatre"))
    tags = meta(client.get("/rubrique/culture/theatre").get_data(as_text=True))
    assert tags["og:title"] == "Culture › Théâtre"
    assert tags["og:url"] == "http://localhost/rubrique/culture/theatre"


@pytest.mark.parametrize("url", PAGES)
def test_the_newest_articles_image_is_the_lists_image(client, lists, media_root, url):
    photographer = make_user("Photographe")
    photo = store_upload(plain_jpeg((1600, 1200)), media_root, photographer.id, alt="La nef")
    newest = make_article(
        "Le plus récent",
        section=lists,
        author=db.session.scalar(select(User).filter_by(slug="lea-roux")),
        lead_media=photo,
        lead_alt="La nef du Grand Palais",
        published_at=utcnow(),
    )
    newest.set_tags([Tag.by_slug("expositions")])
    db.session.commit()
    tags = meta(client.get(url).get_data(as_text=True))
    crop = photo.crops["16x9"]
    social = f"http://localhost/medias/{crop['token']}-1200.webp"
    assert tags["og:image"] == tags["twitter:image"] == social
    assert tags["og:image:alt"] == tags["twitter:image:alt"] == "La nef du Grand Palais"
    assert tags["og:image:width"] == "1200" and tags["og:image:height"] == "675"
    assert tags["twitter:card"] == "summary_large_image"


@pytest.mark.parametrize(
    "url", ["/", "/rubrique/culture", "/auteur/lea-roux", "/sujet/expositions"]
)
def test_a_deeper_page_is_canonical_with_its_cursor_only(client, app, lists, url):
    app.config["ARTICLES_PER_PAGE"] = 2
    first = client.get(url).get_data(as_text=True)
    older = html.unescape(re.search(r'rel="next" href="([^"]+)"', first)[1])
    assert "avant=" in older
    page = client.get(f"{older}&utm_source=x").get_data(as_text=True)
    assert canonicals(page) == [f"http://localhost{older}"]
    assert meta(page)["og:url"] == f"http://localhost{older}"
    assert "utm_source" not in canonicals(page)[0]
