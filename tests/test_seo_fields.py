"""Search and social fields: the "Référencement et partage" part, its defaults, and what the
article page's <head> says to search engines and social networks."""

from __future__ import annotations

import re
from html import unescape

import pytest

from models import Article, Revision, db
from models.content import SEO_DESCRIPTION_MAX, SEO_TITLE_MAX, SEO_TITLE_SHOWN
from tests.factories import HX, log_in, make_article, make_section, make_user
from views.seo import search_and_social, social_image

FIRST = "a" * 32
SECOND = "b" * 32


def image(token: str, alt: str) -> tuple[str, dict]:
    return (
        "image",
        {"media": token, "src": f"/medias/{token}-800.webp", "alt": alt, "width": 800,
         "height": 600, "srcset": f"/medias/{token}-800.webp 800w"},
    )  # fmt: skip


@pytest.fixture
def newsroom(app):
    section = make_section("Politique", slug="politique")
    author = make_user("Alice Autrice", slug="alice")
    other = make_user("Bruno Auteur", slug="bruno")
    editor = make_user("Élise Éditrice", role="editor", slug="elise")
    article = make_article(
        "Le sommet de Pyongyang",
        section=section,
        author=author,
        slug="sommet",
        standfirst="Un chapô qui résume.",
        blocks=[
            ("paragraph", {"html": "Premier paragraphe."}),
            image(FIRST, "La poignée de main"),
            image(SECOND, "Le défilé"),
        ],
    )
    return type("Newsroom", (), dict(author=author, other=other, editor=editor,
                                      article=article))  # fmt: skip


def fresh(article_id: int) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article_id)


def head(html: str) -> str:
    return html.split("</head>")[0]


def meta(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, content in re.findall(r'<meta (?:name|property)="([^"]+)" content="([^"]*)"', html):
        found.setdefault(name, []).append(unescape(content))
    return found


def seo_post(client, article, title="", description="", image_token="", version=None):
    return client.post(
        f"/redaction/articles/{article.id}/referencement",
        headers=HX,
        data={
            "referencement-seo_title": title,
            "referencement-seo_description": description,
            "referencement-social_image": image_token,
            "referencement-version": str(article.version if version is None else version),
        },
    )


# --------------------------------------------------------------------------- defaults


def test_defaults_are_the_headline_the_standfirst_and_the_first_image(client, newsroom):
    html = client.get("/article/sommet").get_data(as_text=True)
    tags = meta(head(html))
    assert "<title>Le sommet de Pyongyang — Gazette</title>" in html
    assert tags["description"] == ["Un chapô qui résume."]
    assert tags["og:title"] == tags["twitter:title"] == ["Le sommet de Pyongyang"]
    assert tags["og:description"] == tags["twitter:description"] == ["Un chapô qui résume."]
    assert tags["og:type"] == ["article"]
    assert tags["og:url"] == ["http://localhost/article/sommet"]
    assert tags["twitter:card"] == ["summary_large_image"]
    assert tags["og:image"] == [f"http://localhost/medias/{FIRST}-800.webp"]
    assert re.findall(r'<link rel="canonical" href="([^"]+)"', html) == [
        "http://localhost/article/sommet"
    ]
    # Each tag once: the search and social block is the only one writing them.
    assert all(len(values) == 1 for values in tags.values() if values != tags.get("article:author"))


def test_an_article_without_standfirst_or_image(client, newsroom):
    make_article("Sans rien", slug="sans-rien", author=newsroom.author)
    tags = meta(head(client.get("/article/sans-rien").get_data(as_text=True)))
    assert "description" not in tags and "og:description" not in tags
    assert tags["twitter:card"] == ["summary"] and "og:image" not in tags


def test_the_editors_words_replace_the_defaults_everywhere(client, newsroom):
    article = newsroom.article
    article.seo_title = "Sommet : ce qu’il faut retenir"
    article.seo_description = "Cinq points clés."
    article.social_image = SECOND
    db.session.commit()
    html = client.get("/article/sommet").get_data(as_text=True)
    tags = meta(head(html))
    assert "<title>Sommet : ce qu’il faut retenir</title>" in html
    assert tags["description"] == tags["og:description"] == ["Cinq points clés."]
    assert tags["og:title"] == tags["twitter:title"] == ["Sommet : ce qu’il faut retenir"]
    assert tags["og:image"] == [f"http://localhost/medias/{SECOND}-800.webp"]
    assert tags["og:image:alt"] == ["Le défilé"]
    # The page itself keeps the headline.
    assert '<h1 class="headline" id="headline">Le sommet de Pyongyang</h1>' in html


def test_social_image_falls_back_when_its_block_is_gone(app, newsroom):
    article = newsroom.article
    article.social_image = "c" * 32  # an image no longer in the article
    assert social_image(article)["media"] == FIRST
    article.social_image = ""
    assert social_image(article)["media"] == FIRST
    with app.test_request_context():
        assert search_and_social(article).image["media"] == FIRST


def test_fields_are_escaped_in_the_head(client, newsroom):
    article = newsroom.article
    article.seo_title = '"><script>alert(1)</script>'
    article.seo_description = "a & b < c"
    db.session.commit()
    html = head(client.get("/article/sommet").get_data(as_text=True))
    assert "<script>alert(1)" not in html
    assert 'content="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert 'content="a &amp; b &lt; c"' in html


# --------------------------------------------------------------------------- the part


def test_editors_see_the_part_readers_do_not(client, newsroom):
    assert "Référencement et partage" not in client.get("/article/sommet").get_data(as_text=True)
    log_in(client, newsroom.author)
    html = client.get("/article/sommet").get_data(as_text=True)
    assert "Référencement et partage" in html
    assert "Modifier le référencement et le partage" in html


def test_form_shows_previews_counters_and_image_choices(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    html = client.get(f"/redaction/articles/{a.id}/referencement/modifier", headers=HX).text
    assert "Aperçu dans un moteur de recherche" in html and "Aperçu d’une carte de partage" in html
    assert "http://localhost/article/sommet" in html
    title = "Le sommet de Pyongyang — Gazette"
    assert f"{len(title)} caractères sur {SEO_TITLE_SHOWN} conseillés" in html
    assert f"{SEO_TITLE_MAX} au maximum" in html  # the hint reads the same constant
    assert "La poignée de main" in html and "Le défilé" in html
    assert f'value="{SECOND}"' in html and f'data-src="/medias/{SECOND}-800.webp"' in html


def test_save_cleans_stores_and_records_a_revision(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    response = seo_post(
        client, a, title="  <b>Un titre</b>\u000b pour Google ", description="Cafe\u0301 &amp; thé",
        image_token=SECOND,
    )  # fmt: skip
    assert response.status_code == 200
    article = fresh(a.id)
    assert article.seo_title == "Un titre pour Google"
    assert article.seo_description == "Café & thé"  # NFC, entities decoded: plain text
    assert article.social_image == SECOND
    revision = db.session.scalars(db.select(Revision)).one()
    assert revision.summary == "Référencement modifié"
    assert revision.snapshot["seo_title"] == "Un titre pour Google"
    assert "<title>Un titre pour Google</title>" in response.text  # swapped out of band


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("title", "x" * (SEO_TITLE_MAX + 1), f"{SEO_TITLE_MAX} caractères au maximum."),
        ("description", "x" * (SEO_DESCRIPTION_MAX + 1), f"{SEO_DESCRIPTION_MAX} caractères"),
        ("image", "c" * 32, "Choisissez une image de l’article."),
        ("image", "../../etc/passwd", "Choisissez une image de l’article."),
    ],
)
def test_bad_input_is_refused_in_french_and_kept(client, newsroom, field, value, message):
    log_in(client, newsroom.editor)
    a = newsroom.article
    values = {"title": "Mon titre gardé", "description": "", "image_token": ""}
    values[{"title": "title", "description": "description", "image": "image_token"}[field]] = value
    response = seo_post(client, a, **values)
    assert response.status_code == 422
    assert message in response.text and "Rien n’a été enregistré" in response.text
    if field != "title":
        assert "Mon titre gardé" in response.text  # what was typed comes back
    article = fresh(a.id)
    assert (article.seo_title, article.seo_description, article.social_image) == ("", "", "")


def test_logged_out_save_gets_what_was_typed_and_nothing_stored(client, newsroom):
    response = seo_post(client, newsroom.article, title="Mon titre tapé", description="Ma desc")
    assert response.status_code == 401
    assert "Mon titre tapé" in response.text and "Ma desc" in response.text
    assert "Le sommet de Pyongyang" not in response.text  # no stored text, no preview
    assert "Un chapô qui résume." not in response.text
    assert "La poignée de main" not in response.text
    assert fresh(newsroom.article.id).seo_title == ""


def test_stale_seo_form_is_a_conflict(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    loaded = a.version
    assert seo_post(client, a, title="Le leur", version=loaded).status_code == 200
    second = seo_post(client, fresh(a.id), title="Le mien", version=loaded)
    assert second.status_code == 409
    assert "Le leur" in second.text and "Le mien" in second.text
    assert fresh(a.id).seo_title == "Le leur"


def test_restoring_a_revision_brings_the_fields_back(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    seo_post(client, a, title="Premier titre")
    first = db.session.scalars(db.select(Revision)).one()
    seo_post(client, fresh(a.id), title="Second titre")
    diff = client.get(f"/redaction/articles/{a.id}/historique/{first.id}", headers=HX).text
    assert 'data-difference="seo_title"' in diff
    client.post(f"/redaction/articles/{a.id}/historique/{first.id}/restaurer", data={})
    assert fresh(a.id).seo_title == "Premier titre"


def test_the_page_cache_shows_the_new_title_at_once(app, client, newsroom):
    app.config["GAZETTE_PAGE_CACHE"] = True
    for state in ("miss", "hit"):
        assert client.get("/article/sommet").headers["X-Page-Cache"] == state
    article = fresh(newsroom.article.id)
    article.seo_title = "Titre pour les moteurs"
    db.session.commit()
    response = client.get("/article/sommet")
    assert response.headers["X-Page-Cache"] == "miss"
    assert "<title>Titre pour les moteurs</title>" in response.text
