"""Reader lists at any size: keyset pages on (published_at, id), cheap at any depth."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text

from demo.generate import generate_articles
from models import Article, AuditEvent, Section, User, db
from models.authorship import ArticleAuthor
from models.content import ArticleStatus
from models.front import FrontPin, FrontSection
from models.listing import Cursor, Keyset, _filters, _keys_statement, live_page
from models.tag import ArticleTag
from models.time import utcnow
from tests.factories import make_article, make_section, make_user


def walk(client, url: str) -> list[int]:
    """Every teaser's article id, following "Articles plus anciens" to the end."""
    ids = []
    while url:
        html = client.get(url).get_data(as_text=True)
        ids += [int(i) for i in re.findall(r'id="teaser-(\d+)"', html)]
        older = re.search(r'rel="next" href="([^"]+)"', html)
        url = older[1].replace("&amp;", "&") if older else None
    return ids


def newest_first(statement) -> list[int]:
    return list(db.session.scalars(statement.with_only_columns(Article.id)))


@pytest.fixture
def archive(demo):
    generate_articles(137, seed=11)
    # The generator curates the front page; these tests walk the plain keyset list (the
    # curated first page has its own tests: tests/test_front_page.py).
    db.session.execute(delete(FrontPin))
    db.session.execute(delete(FrontSection))
    db.session.commit()
    demo.config["ARTICLES_PER_PAGE"] = 10
    return demo


def test_walking_the_front_page_visits_every_live_article_once_in_order(client, archive):
    hidden = [
        make_article("Brouillon caché", status=ArticleStatus.DRAFT).id,
        make_article("Programmé caché", published_at=utcnow() + timedelta(days=1)).id,
    ]
    ids = walk(client, "/")
    assert len(ids) == 138 and ids == newest_first(Article.live())
    assert not set(hidden) & set(ids)


def test_a_parent_section_merges_its_children_in_date_order(client, archive):
    international = Section.by_path("international")
    expected = newest_first(
        Article.live().where(Article.section_id.in_(international.with_descendant_ids()))
    )
    assert len(expected) > 30
    assert walk(client, "/rubrique/international") == expected


def test_author_pages_walk_to_the_end(client, archive):
    author = db.session.scalars(select(Article).order_by(Article.id.desc())).first().author
    # Co-signed articles too (demo generate gives about one in ten a co-author).
    signed = select(ArticleAuthor.article_id).where(ArticleAuthor.user_id == author.id)
    expected = newest_first(Article.live().where(Article.id.in_(signed)))
    assert len(expected) > 10
    assert walk(client, f"/auteur/{author.slug}") == expected


def test_articles_at_the_same_second_are_neither_skipped_nor_repeated(client, app):
    app.config["ARTICLES_PER_PAGE"] = 2
    moment = utcnow() - timedelta(hours=1)
    section = make_section()
    for n in range(5):
        make_article(f"Simultané {n}", section=section, published_at=moment)
    ids = walk(client, "/")
    assert len(ids) == 5 and ids == newest_first(Article.live())


def test_newer_link_goes_back_page_by_page(client, archive):
    first = client.get("/").get_data(as_text=True)
    second_url = re.search(r'rel="next" href="([^"]+)"', first)[1]
    second = client.get(second_url).get_data(as_text=True)
    third_url = re.search(r'rel="next" href="([^"]+)"', second)[1]
    third = client.get(third_url).get_data(as_text=True)
    back = re.search(r'rel="prev" href="([^"]+)"', third)[1]
    assert "apres=" in back
    teasers = re.compile(r'id="teaser-(\d+)"')
    assert teasers.findall(client.get(back).get_data(as_text=True)) == teasers.findall(second)
    assert 'href="/">Derniers articles</a>' in third


def test_deep_page_by_cursor(client, archive):
    keys = db.session.execute(
        Article.live().with_only_columns(Article.published_at, Article.id).offset(99).limit(1)
    ).one()
    cursor = Cursor(*keys)
    html = client.get(f"/?avant={cursor}").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'id="teaser-(\d+)"', html)]
    expected = db.session.scalars(
        Article.live().with_only_columns(Article.id).offset(100).limit(10)
    ).all()
    assert ids == expected


@pytest.mark.parametrize("path", ["/", "/rubrique/international", "/auteur/julien-marchand"])
@pytest.mark.parametrize(
    "cursor",
    [
        "avant=x",
        "avant=2024-06-19T12:05:00.000000",
        "avant=2024-06-19T12:05:00.000000_",
        "avant=2024-06-19 12:05:00.000000_1",
        "avant=2024-02-30T12:05:00.000000_1",
        "avant=2024-06-19T12:05:00.000000_-1",
        "apres=2024-06-19T12:05:00.000000_1e3",
        "avant=%D9%A2024-06-19T12:05:00.000000_1",  # an Arabic-Indic digit
        "avant=1900-01-01T00:00:00.000000_1",  # before the oldest article
    ],
)
def test_malformed_or_past_the_end_cursors_are_404(client, demo, path, cursor):
    assert client.get(f"{path}?{cursor}").status_code == 404


def test_cursor_round_trips():
    cursor = Cursor.parse("2024-06-19T12:05:00.000000_123")
    assert str(cursor) == "2024-06-19T12:05:00.000000_123"
    assert cursor.id == 123 and cursor.published_at.hour == 12


def test_pages_read_an_index_range_without_sorting(app):
    """The plan of each list query on SQLite: an index search, never a temporary sort."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    cursor = Cursor(utcnow(), 10**6)
    for filters, index in [
        (_filters(None, None), "ix_article_live"),
        (_filters([1], None), "ix_article_section_published"),
        (_filters(None, 1), "ix_article_author_user_published"),
        (_filters(None, None, 1), "ix_article_tag_tag_published"),
    ]:
        for before in (None, cursor):  # the first page, and any page behind a cursor
            statement = _range_of(filters, before)
            sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
            explain = db.session.execute(text("EXPLAIN QUERY PLAN " + sql))
            plan = " ".join(row[-1] for row in explain)
            assert f"INDEX {index}" in plan and "TEMP B-TREE" not in plan, plan


def test_a_tag_page_reads_an_index_range_on_postgresql(demo):
    """The tag page's query on PostgreSQL, as its planner chooses with real statistics:
    an index scan of ix_article_tag_tag_published in index order (no Sort node), at the
    first page and deep behind a cursor, each article then fetched by its key."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("EXPLAIN (FORMAT JSON) is PostgreSQL's")
    generate_articles(1000, seed=2, tags=20)
    tag_id = db.session.scalar(
        select(ArticleTag.tag_id).group_by(ArticleTag.tag_id).order_by(func.count().desc())
    )
    db.session.execute(text("ANALYZE article"))
    db.session.execute(text("ANALYZE article_tag"))
    for cursor in (None, Cursor(utcnow() - timedelta(days=365), 10**6)):
        statement = _range_of(_filters(None, None, tag_id), cursor)
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = db.session.scalar(text("EXPLAIN (FORMAT JSON) " + sql))
        nodes = list(_plan_nodes(plan[0]["Plan"]))
        assert any(n.get("Index Name") == "ix_article_tag_tag_published" for n in nodes), plan
        assert not any(n["Node Type"] in ("Sort", "Incremental Sort") for n in nodes), plan


def _range_of(filters, before):
    """The keys query of a one-range list (models/listing._filters' answer), at the first
    page or behind `before`, its bindparams given their values."""
    shape, values = filters
    statement = _keys_statement(shape, "first" if before is None else "before")
    cursor = {} if before is None else {"at": before.published_at, "id": before.id}
    return statement.params(**values, **cursor, now=utcnow(), limit=11)


def _plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


def test_live_page_api_for_an_empty_list(app):
    page = live_page(10, author_id=make_user().id)
    assert page.items == [] and page.is_first and page.older is None and page.newer is None


# --------------------------------------------------------------------------- the Keyset helper


def test_keyset_cursors_have_one_shape_per_key():
    timed = Keyset(id=Article.id, at=Article.published_at)
    by_id = Keyset(id=AuditEvent.id)
    assert str(timed.parse("2024-06-19T12:05:00.000000_123")) == "2024-06-19T12:05:00.000000_123"
    assert by_id.parse("123") == Cursor(None, 123) and str(Cursor(None, 123)) == "123"
    for raw in ["123", "2024-06-19T12:05:00_1", "2024-02-30T12:05:00.000000_1", "x_1", ""]:
        with pytest.raises(ValueError):
            timed.parse(raw)
    for raw in ["", "-1", "1e3", "9" * 19, "²", "2024-06-19T12:05:00.000000_1"]:
        with pytest.raises(ValueError):
            by_id.parse(raw)


def test_keyset_pages_walk_ties_in_id_order_without_gaps(app):
    """Rows sharing a moment are told apart by id: no row is skipped or repeated."""
    same_moment = utcnow() - timedelta(hours=1)
    ids = {make_article(f"Article {n}", published_at=same_moment).id for n in range(5)}
    ids.add(make_article("Plus ancien", published_at=same_moment - timedelta(days=1)).id)
    order = Keyset(id=Article.id, at=Article.published_at)
    seen, before = [], None
    while True:
        items, before = order.page(select(Article), 2, before)
        seen += [article.id for article in items]
        if before is None:
            break
    assert len(seen) == len(set(seen)) == 6
    assert seen == newest_first(select(Article).order_by(*order.order_by()))


def test_keyset_by_id_alone(app):
    ids = [make_user(f"Personne {n}").id for n in range(5)]
    order = Keyset(id=User.id)
    first, cursor = order.page(select(User), 3)
    assert [u.id for u in first] == ids[::-1][:3] and cursor == Cursor(None, ids[2])
    rest, cursor = order.page(select(User), 3, cursor)
    assert [u.id for u in rest] == ids[::-1][3:] and cursor is None
