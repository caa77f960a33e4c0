"""Feeds carry the whole article (issue 14): its body with absolute images and no srcset,
the lead image as enclosure, the section and tags as categories, every co-author, the
sponsor line, and an id that a slug change does not touch. Read with feedparser, as a
feed reader would, in both formats."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import feedparser
import pytest

from models import Tag, db
from models.sponsor import Sponsor
from services.media import store_upload
from tests.factories import make_article, make_section, make_user
from tests.test_media_library import plain_jpeg
from tests.test_page_cache import page_cache_state
from views.media import block_image_data

KINDS = ["rss", "atom"]
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def story(app, media_root):
    """A sponsored article by two authors, with tags, a lead image and every block kind."""
    culture = make_section("Culture", slug="culture")
    lea = make_user("Léa Roux", slug="lea-roux")
    hostile = make_user("Zoé\x0b& <Cie> « Durand »", slug="zoe-durand")
    photo = store_upload(plain_jpeg((1600, 1200)), media_root, lea.id, alt="La nef")
    image = block_image_data(photo) | {"alt": "La verrière", "caption": "Vue du haut"}
    article = make_article(
        "Une exposition au Grand Palais",
        section=culture,
        author=lea,
        slug="exposition",
        standfirst="Un chapô.",
        lead_media=photo,
        lead_alt="La nef du Grand Palais",
        blocks=[
            ("paragraph", {"html": 'Premier <a href="/rubrique/culture">paragraphe</a>.'}),
            ("heading", {"text": "Un intertitre", "level": 2}),
            ("image", image),
            ("quote", {"text": "L’art est long", "attribution": "Baudelaire"}),
            ("list", {"items": ["un", "<em>deux</em>"], "ordered": True}),
            (
                "embed",
                {
                    "provider": "youtube",
                    "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                    "embed_url": "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
                    "title": "La visite",
                    "caption": "En vidéo",
                },
            ),
        ],
    )
    article.set_authors([lea, hostile])
    article.set_tags(
        [Tag(name="Arts\x0b& <musées>", slug="arts-musees"), Tag(name="Paris", slug="paris")]
    )
    article.sponsor = Sponsor(name="Mécène & Fils")
    db.session.commit()
    return type("Story", (), dict(article=article, photo=photo, section=culture))


def entry_of(client, kind, url=None):
    response = client.get(url or f"/flux.{kind}")
    assert response.status_code == 200
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    [entry] = feed.entries
    return entry


def content_of(entry) -> str:
    [content] = entry.content
    assert content.type == "text/html"
    return content.value


@pytest.mark.parametrize("kind", KINDS)
def test_the_whole_article_is_in_the_feed(client, story, kind):
    entry = entry_of(client, kind)
    html = content_of(entry)
    assert entry.summary == "Un chapô."
    assert '<a href="http://localhost/rubrique/culture">paragraphe</a>' in html
    assert "<h2>Un intertitre</h2>" in html
    assert "<ol><li>un</li><li><em>deux</em></li></ol>" in html
    # The pull quote, with its attribution inside the blockquote.
    assert "<blockquote><p>L’art est long</p><p>— Baudelaire</p></blockquote>" in html
    # The embed is a link to the original, never a frame.
    assert '<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">' in html
    assert "Voir sur www.youtube.com\u202f: La visite" in html
    assert "<iframe" not in html and "<script" not in html and "youtube-nocookie" not in html
    assert "class=" not in html and " id=" not in html


@pytest.mark.parametrize("kind", KINDS)
def test_images_are_absolute_and_without_srcset(client, story, kind):
    html = content_of(entry_of(client, kind))
    token = story.photo.token
    assert f'src="http://localhost/medias/{token}-' in html
    assert 'alt="La nef du Grand Palais"' in html  # the lead image opens the body
    assert 'alt="La verrière"' in html and "Vue du haut" in html
    assert "srcset" not in html and "sizes=" not in html and "loading=" not in html
    assert 'src="/' not in html


def test_the_lead_image_is_the_enclosure_in_both_formats(client, story, media_root):
    crop = story.photo.crops["16x9"]
    name = f"{crop['token']}-{crop['width']}.webp"
    expected = {
        "href": f"http://localhost/medias/{name}",
        "length": str((media_root / name).stat().st_size),
        "type": "image/webp",
    }
    for kind in KINDS:
        [enclosure] = entry_of(client, kind).enclosures
        assert {key: enclosure[key] for key in expected} == expected, kind


@pytest.mark.parametrize("kind", KINDS)
def test_categories_are_the_section_and_the_tags(client, story, kind):
    entry = entry_of(client, kind)
    assert [t.get("label") or t.term for t in entry.tags] == [
        "Culture",
        "Arts & <musées>",
        "Paris",
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_every_co_author_is_named(client, story, kind):
    entry = entry_of(client, kind)
    names = [a.get("name") for a in entry.authors]
    assert names == ["Léa Roux", "Zoé & <Cie> « Durand »"]


def test_atom_authors_link_to_their_pages(client, story):
    root = ET.fromstring(client.get("/flux.atom").data)
    uris = [a.findtext(f"{ATOM}uri") for a in root.iter(f"{ATOM}author")]
    assert uris == ["http://localhost/auteur/lea-roux", "http://localhost/auteur/zoe-durand"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_sponsored_article_says_so(client, story, kind):
    html = content_of(entry_of(client, kind))
    assert html.startswith("<p><em>Contenu sponsorisé par Mécène &amp; Fils</em></p>")


@pytest.mark.parametrize("kind", KINDS)
def test_an_unsponsored_article_says_nothing(client, story, kind):
    story.article.sponsor = None
    db.session.commit()
    assert "sponsorisé" not in content_of(entry_of(client, kind))


def test_the_id_survives_a_slug_change_in_both_feeds(client, story):
    article = story.article
    before = {kind: entry_of(client, kind) for kind in KINDS}
    expected = f"tag:localhost,{article.created_at.year}:article:{article.id}"
    assert {e.id for e in before.values()} == {expected}
    article.slug = "exposition-au-grand-palais"
    db.session.commit()
    after = {kind: entry_of(client, kind) for kind in KINDS}
    for kind in KINDS:
        assert after[kind].id == before[kind].id == expected, kind
        assert after[kind].link == "http://localhost/article/exposition-au-grand-palais"
    # RSS: the guid is no permalink, so readers do not take it for the address.
    guid = ET.fromstring(client.get("/flux.rss").data).find("channel/item/guid")
    assert guid.attrib == {"isPermaLink": "false"} and guid.text == expected


@pytest.mark.parametrize(
    "url", ["/rubrique/culture/flux.{}", "/auteur/zoe-durand/flux.{}", "/sujet/paris/flux.{}"]
)
@pytest.mark.parametrize("kind", KINDS)
def test_list_feeds_carry_the_same_items(client, story, url, kind):
    entry = entry_of(client, kind, url.format(kind))
    assert entry.title == "Une exposition au Grand Palais"
    assert "<blockquote>" in content_of(entry)


def test_an_article_without_blocks_still_makes_a_valid_feed(client, app):
    make_article("Brève", standfirst="")
    for kind in KINDS:
        entry = entry_of(client, kind)
        assert entry.title == "Brève"
        assert entry.get("content") is None


def test_cached_feeds_follow_the_body_the_tags_and_the_sponsor(client, story):
    """The page cache (views/http_cache.py) forgets a feed when what its items now
    carry changes: a block, a tag's name, the sponsor's name."""
    for kind in KINDS:
        assert page_cache_state(client.get(f"/flux.{kind}")) == "miss"
        assert page_cache_state(client.get(f"/flux.{kind}")) == "hit"
    article = story.article
    article.blocks[0].data = {"html": "Paragraphe réécrit."}
    Tag.by_slug("paris").name = "Paris intra-muros"
    article.sponsor.name = "Mécène et Associés"
    db.session.commit()
    for kind in KINDS:
        entry = entry_of(client, kind)
        assert "<p>Paragraphe réécrit.</p>" in content_of(entry)
        assert "Paris intra-muros" in [t.get("label") or t.term for t in entry.tags]
        assert "Contenu sponsorisé par Mécène et Associés" in content_of(entry)
