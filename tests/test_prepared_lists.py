"""Reader list pages from prepared teasers (issue 16): section, author and tag pages and
the front page's latest list read their teasers in the page's one keyset query
(services/prepared.teaser_page) and give the same bytes as the full way; a change shows
at once, a stale teaser is prepared again."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from sqlalchemy import event, select, update

from models import Article, PreparedArticle, Tag, db
from models.sponsor import Sponsor
from models.time import utcnow
from services import front, prepared
from services.media import store_upload
from tests.factories import log_in, make_article, make_section, make_user
from tests.test_media_library import plain_jpeg
from views import reading

PER_PAGE = 4


@pytest.fixture
def newsroom(app, media_root):
    """International and its subsection Politique, nine live articles over them (three
    pages), with images, a sponsor, a standfirst, a co-signed one, a tag; a draft."""
    app.config["ARTICLES_PER_PAGE"] = PER_PAGE
    international = make_section("International", slug="international")
    politique = make_section("Politique", slug="politique", parent=international)
    alice = make_user("Alice Autrice", slug="alice")
    bruno = make_user("Bruno Auteur", slug="bruno")
    tag = Tag(name="Diplomatie", slug="diplomatie")
    sponsor = Sponsor(name="Banque <b>Exemple</b>", link="https://banque.example/")
    db.session.add_all([tag, sponsor])
    photo = store_upload(plain_jpeg((1600, 1200)), media_root, alice.id, alt="Le sommet")
    now = utcnow()
    articles = []
    for n in range(9):
        article = make_article(
            f"Nouvelles d’Asie n°{n} : « l’accord »",
            section=politique if n % 2 else international,
            author=alice if n % 3 else bruno,
            slug=f"asie-{n}",
            published_at=now - timedelta(hours=n + 1),
            standfirst="Un chapô ; avec ses espaces." if n % 4 == 0 else None,
            lead_media=photo if n != 1 else None,
            sponsor=sponsor if n == 2 else None,
        )
        if n % 2 == 0:
            article.set_tags([tag])
        if n == 3:
            article.set_authors([alice, bruno])
        articles.append(article)
    make_article("Brouillon", section=international, author=alice, status="draft")
    db.session.commit()
    return type("Newsroom", (), dict(international=international, alice=alice, tag=tag,
                                     articles=articles))  # fmt: skip


@pytest.fixture
def uncached(app):
    app.config["GAZETTE_PAGE_CACHE"] = False


def both_ways(client, url: str) -> str:
    """The page prepared and the full way (prepared teasers and front stories off);
    asserts the same bytes."""
    prepared_way = client.get(url)
    with (
        mock.patch.object(prepared, "teaser_page", return_value=None),
        mock.patch.object(reading, "front_stories", front.articles_by_id),
    ):
        full_way = client.get(url)
    assert prepared_way.status_code == full_way.status_code == 200, url
    assert prepared_way.get_data(as_text=True) == full_way.get_data(as_text=True), url
    return prepared_way.get_data(as_text=True)


def older_link(page: str) -> str:
    return re.search(r'rel="next" href="([^"]+)"', page)[1].replace("&amp;", "&")


def newer_link(page: str) -> str:
    return re.search(r'rel="prev" href="([^"]+)"', page)[1].replace("&amp;", "&")


def test_a_section_page_and_its_deeper_pages_give_the_same_bytes(client, newsroom, uncached):
    first = both_ways(client, "/rubrique/international")
    # Every teaser kind is covered: images eager then lazy, sponsor, standfirst, co-signed.
    assert first.count('loading="lazy"') == PER_PAGE - 2
    assert "Contenu sponsorisé par" in first and "Un chapô" in first
    assert 'property="og:image"' in first
    assert db.session.scalar(select(db.func.count()).select_from(PreparedArticle)) == PER_PAGE
    assert both_ways(client, "/rubrique/international") == first  # now read prepared

    second = both_ways(client, older_link(first))
    assert "asie-4" in second and "asie-3" not in second and "Bruno Auteur" in second
    third = both_ways(client, older_link(second))
    assert "asie-8" in third and 'rel="next"' not in third
    # Back up with ?apres=: the newer page, then (close to the top) the first page itself.
    newer = both_ways(client, newer_link(third))
    assert re.findall(r'id="teaser-(\d+)"', newer) == re.findall(r'id="teaser-(\d+)"', second)
    assert 'rel="prev"' not in both_ways(client, newer_link(second))
    # A cursor past the oldest article stays a 404, a malformed one too.
    for cursor in ("avant=2000-01-01T00:00:00.000000_1", "avant=n-importe"):
        assert client.get(f"/rubrique/international?{cursor}").status_code == 404


def test_author_and_tag_pages_give_the_same_bytes(client, newsroom, uncached):
    author = both_ways(client, "/auteur/alice")
    assert "asie-3" in author and "asie-0" not in author  # co-signed ones included
    both_ways(client, older_link(author))
    tag = both_ways(client, "/sujet/diplomatie")
    assert "asie-2" in tag and "asie-1" not in tag
    both_ways(client, older_link(tag))


def test_the_front_page_and_its_deeper_pages_give_the_same_bytes(client, newsroom, uncached):
    """Its latest list, its pins and its section blocks are prepared (two blocks, a
    section and its subsection: each story's id names its own block)."""
    editor = make_user("Éditrice", role="editor")
    front.pin(newsroom.articles[1], editor)
    front.pin(newsroom.articles[4], editor)
    front.pin(newsroom.articles[2], editor)  # sponsored
    politique = newsroom.articles[1].section
    front.choose_sections([newsroom.international.id, politique.id])
    db.session.commit()
    first = both_ways(client, "/")
    assert first.count('<li class="teaser') == PER_PAGE and 'loading="lazy"' in first
    assert 'class="front-lead' in first and first.count("front-featured-item") == 2
    assert 'id="block-' in first and "SECTION" not in first
    deeper = both_ways(client, older_link(first))
    assert 'rel="prev"' in deeper and 'rel="next"' not in deeper
    both_ways(client, newer_link(deeper))


def test_a_reader_list_page_reads_its_articles_in_one_query(client, newsroom, uncached):
    client.get("/rubrique/international")  # prepares the teasers
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get("/rubrique/international").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    on_articles = [s for s in statements if re.search(r"\barticle\b", s)]
    assert len(on_articles) == 1 and "prepared_article" in on_articles[0]


@pytest.mark.parametrize("page_cache", [True, False])
def test_an_edited_headline_shows_on_its_section_page_at_once(client, newsroom, page_cache):
    client.application.config["GAZETTE_PAGE_CACHE"] = page_cache
    client.get("/rubrique/international")
    before = client.get("/rubrique/international")
    assert before.headers.get("X-Page-Cache") == ("hit" if page_cache else "miss")

    newsroom.articles[0].headline = "Un titre tout neuf"
    db.session.commit()
    page = client.get("/rubrique/international").get_data(as_text=True)
    assert "Un titre tout neuf" in page and "n°0" not in page

    newsroom.alice.display_name = "Alice Nouvelle"  # a byline shown by the teasers
    db.session.commit()
    page = client.get("/rubrique/international").get_data(as_text=True)
    assert "Alice Nouvelle" in page and "Alice Autrice" not in page


def test_a_stale_teaser_is_prepared_again(client, newsroom, uncached):
    client.get("/rubrique/international")
    first, second = newsroom.articles[0].id, newsroom.articles[1].id
    # One row from an older version of the article, one from older code.
    db.session.execute(
        update(PreparedArticle)
        .where(PreparedArticle.article_id == first)
        .values(content_version=PreparedArticle.content_version - 1, teaser_html="<li>vieux</li>")
    )
    db.session.execute(
        update(PreparedArticle)
        .where(PreparedArticle.article_id == second)
        .values(stamp="0" * 32, teaser_html="<li>ancien code</li>")
    )
    db.session.commit()

    page = both_ways(client, "/rubrique/international")
    assert "vieux" not in page and "ancien code" not in page and "asie-0" in page
    db.session.expire_all()
    rows = db.session.scalars(
        select(PreparedArticle).where(PreparedArticle.article_id.in_([first, second]))
    ).all()
    assert len(rows) == 2
    assert all(row.stamp == prepared.code_stamp() and "asie-" in row.teaser_html for row in rows)


def test_an_article_deleted_while_preparing_means_the_full_way(client, newsroom, uncached):
    with mock.patch.object(prepared, "_prepare_now", return_value={}):
        assert prepared.teaser_page(PER_PAGE) is None
        page = client.get("/rubrique/international").get_data(as_text=True)
    assert "asie-0" in page and db.session.scalar(select(PreparedArticle.article_id)) is None


def test_an_editor_keeps_the_full_way(client, newsroom, uncached):
    log_in(client, make_user("Éditrice", role="editor"))
    with mock.patch.object(prepared, "teaser_page") as teaser_page:
        assert client.get("/rubrique/international").status_code == 200
    teaser_page.assert_not_called()


def test_a_teaser_made_lazy_is_the_template_rendered_lazy(app, newsroom):
    from flask import render_template

    article = newsroom.articles[0]
    pieces = prepared.render_pieces(article, app.config["BABEL_DEFAULT_LOCALE"])
    teaser = prepared.Teaser(
        article.id, article.published_at, pieces["teaser_html"], pieces["front_latest_html"], "", ()
    )
    with app.test_request_context("/"):
        lazy = render_template("reading/_teaser.html", article=article, lazy=True)
        lazy_story = render_template("reading/_front_latest.html", article=article, position=3)
    assert str(teaser.html(lazy=True)) == lazy != str(teaser.html(lazy=False))
    assert str(teaser.front_html(lazy=True)) == lazy_story != str(teaser.front_html(lazy=False))


@pytest.mark.parametrize("cache_on", [False, True], ids=["cache-off", "cache-on"])
def test_a_pinned_or_block_story_edited_shows_at_once_on_the_front_page(
    app, client, newsroom, cache_on
):
    app.config["GAZETTE_PAGE_CACHE"] = cache_on
    editor = make_user("Éditrice", role="editor")
    front.pin(newsroom.articles[1], editor)
    front.choose_sections([newsroom.international.id])
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    in_block = re.findall(r'id="block-\d+-(\d+)"', page)
    assert in_block
    pinned = db.session.get(Article, newsroom.articles[1].id)
    pinned.headline = "La une a changé"
    db.session.get(Article, int(in_block[0])).headline = "Le bloc a changé"
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "La une a changé" in page and "Le bloc a changé" in page


def test_a_section_page_reads_the_sections_kept_and_sees_a_rename_at_once(
    client, newsroom, uncached
):
    """The section tree is kept per app (services.sections.section_at) until the
    "sections" generation changes: the same bytes as the tree read from Section rows,
    and a rename or a new subsection shows on the next read."""
    from models import Section
    from services import sections

    for url in ("/rubrique/international", "/rubrique/international/politique"):
        kept_way = client.get(url).get_data(as_text=True)
        with mock.patch.object(sections, "section_at", Section.by_path):
            assert client.get(url).get_data(as_text=True) == kept_way
    section = db.session.get(Section, newsroom.international.id)
    section.name = "Monde"
    db.session.add(Section(name="Économie mondiale", slug="economie", parent=section))
    db.session.commit()
    page = client.get("/rubrique/international").get_data(as_text=True)
    assert '<h1 class="listing-title">Monde</h1>' in page and "Économie mondiale" in page
    assert client.get("/rubrique/international/economie").status_code == 200
