"""Every XML output stays well-formed, whatever names, headlines, standfirsts and bodies hold.

Issue 11 §1: a display name with U+000B (Word's line break) made /flux.rss, /flux.atom and
every section feed listing the author invalid ("PCDATA invalid Char value 11"), and feed
readers drop a whole invalid feed. Rows stored before the text boundary may still hold
such characters: they are written here directly through the ORM, as they would be in an
old database, and every XML route of the app is parsed strictly (expat, which refuses
forbidden characters even as character references, and feedparser for the feeds).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import pytest

from models import Tag, db
from models.content import BlockKind
from models.text import FORBIDDEN, xml_safe
from models.time import utcnow
from tests.factories import log_in, make_article, make_section, make_user

# Everything XML 1.0 forbids that both databases can hold: PostgreSQL refuses NUL and
# neither can encode a lone surrogate (xml_safe's own tests cover those).
HOSTILE = "\x01\x08\x0b\x0c\x0e\x1f\x7f\ufffe\uffff"
NAME = f"Marie\x0bDupont{HOSTILE} & <Cie>"
HEADLINE = f"Titre{HOSTILE} n°0 : « de\u0301bat » <script>"
STANDFIRST = f"Chapô{HOSTILE} & ]]> fin"
ATOM = "{http://www.w3.org/2005/Atom}"


def xml_urls(app, section, author) -> list[str]:
    """Every XML route of the app, built for the hostile section and author."""
    values = {"section_path": section.path, "slug": author.slug, "number": 1}
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("feeds.") or rule.endpoint == "feeds.robots":
            continue
        kinds = ["rss", "atom"] if "kind" in rule.arguments else [None]
        for kind in kinds:
            arguments = {name: values.get(name, kind) for name in rule.arguments}
            urls.append(rule.build(arguments, append_unknown=False)[1])
    return sorted(urls)


@pytest.fixture
def hostile_world(app):
    """An old database's worst rows: forbidden characters in every field a feed prints."""
    section = make_section(f"Cul{HOSTILE}ture <b>&amp;", slug="culture")
    author = make_user(NAME, slug="marie-dupont")
    # The tag shares the author's slug: xml_urls builds every `slug` route with it.
    tag = Tag(name=f"Su{HOSTILE}jet <i>&amp;", slug="marie-dupont")
    for n in range(3):
        article = make_article(
            HEADLINE.replace("n°0", f"n°{n}"),
            section=section,
            author=author,
            standfirst=STANDFIRST,
            published_at=utcnow() - timedelta(hours=n + 1),
            blocks=[(BlockKind.PARAGRAPH, {"html": f"Corps{HOSTILE} <em>x</em>"})],
        )
        article.set_tags([tag])
    db.session.commit()
    return section, author


def test_every_xml_output_is_well_formed_with_hostile_rows(client, app, hostile_world):
    section, author = hostile_world
    urls = xml_urls(app, section, author)
    assert {"/flux.rss", "/flux.atom", "/rubrique/culture/flux.rss", "/auteur/marie-dupont/flux.atom",
            "/sitemap.xml", "/sitemaps/rubriques.xml", "/sitemaps/auteurs.xml",
            "/sitemaps/articles-1.xml", "/sitemaps/actualites.xml"} <= set(urls)  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        ET.fromstring(response.data)  # raises on any invalid character
        assert not FORBIDDEN.search(response.get_data(as_text=True)), url


@pytest.mark.parametrize(
    "url",
    ["/flux.rss", "/flux.atom", "/rubrique/culture/flux.rss", "/auteur/marie-dupont/flux.atom"],
)
def test_feed_readers_read_the_hostile_feeds_whole(client, app, hostile_world, url):
    feed = feedparser.parse(client.get(url).data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == 3
    entry = feed.entries[0]
    # Word's breaks read as spaces, the other forbidden characters gone, the rest intact
    # but for French typography, as on the page (narrow no-break spaces).
    assert xml_safe(HEADLINE) == "Titre   n°0 : « de\u0301bat » <script>"
    assert entry.title == "Titre   n°0\u202f: «\u202fde\u0301bat\u202f» <script>"
    assert entry.author == xml_safe(NAME) == "Marie Dupont   & <Cie>"
    assert entry.summary == xml_safe(STANDFIRST)


def test_the_news_sitemap_keeps_the_headline_text(client, app, hostile_world):
    root = ET.fromstring(client.get("/sitemaps/actualites.xml").data)
    titles = [t.text for t in root.iter("{http://www.google.com/schemas/sitemap-news/0.9}title")]
    assert xml_safe(HEADLINE) in titles


def test_a_name_typed_with_a_word_line_break_today_gives_a_valid_feed(client, app):
    """The whole path: the admin form, the author's article, the feeds."""
    admin = make_user("Ada Admin", role="admin")
    log_in(client, admin)
    client.post(
        "/redaction/comptes/",
        data={"email": "lea@exemple.fr", "display_name": "Léa\x0bRoux", "role": "author"},
    )
    from sqlalchemy import select

    from models import User, db

    author = db.session.scalar(select(User).filter_by(email="lea@exemple.fr"))
    assert author.display_name == "Léa Roux"
    make_article("Au théâtre", author=author)
    for url in ("/flux.rss", "/flux.atom", f"/auteur/{author.slug}/flux.rss"):
        feed = feedparser.parse(client.get(url).data)
        assert not feed.bozo and feed.entries[0].author == "Léa Roux", url


def test_atom_attributes_stay_well_formed(client, app, hostile_world):
    root = ET.fromstring(client.get("/flux.atom").data)
    labels = {c.get("label") for c in root.iter(f"{ATOM}category")}
    # The section, then the tag (issue 14: tags are categories too).
    assert labels == {xml_safe(f"Cul{HOSTILE}ture <b>&amp;"), xml_safe(f"Su{HOSTILE}jet <i>&amp;")}
    assert labels == {"Cul  ture <b>&amp;", "Su  jet <i>&amp;"}
