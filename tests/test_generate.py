"""`flask demo generate`: many realistic, searchable articles, repeatable without collisions."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from demo.generate import (
    AUTHORS,
    FRONT_SECTION_BLOCKS,
    TagDraw,
    _avoid_taken_slugs,
    default_tag_count,
    generate_articles,
    tag_names,
)
from models import Article, Block, Section, User, db
from models.front import FEATURED_MAX, FrontPin, FrontSection
from models.slugs import slugify
from models.tag import TAG_SLUG_MAX, ArticleTag, Tag
from models.time import utcnow
from services import search
from services.richtext import clean_html
from tests.factories import make_article

DEMO_SLUG = "poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_generate_needs_sections_first(runner):
    result = runner.invoke(args=["demo", "generate", "--articles", "5"])
    assert result.exit_code != 0
    assert "flask --app app demo load" in result.output
    assert count(Article) == 0


def test_generate_creates_published_articles_in_every_section(runner, demo):
    result = runner.invoke(args=["demo", "generate", "--articles", "150", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "150 articles créés" in result.output
    assert count(Article) == 151  # with the demo article
    assert count(User) == 1 + len(AUTHORS)

    demo_id = db.session.scalar(select(Article.id).filter_by(slug=DEMO_SLUG))
    generated = db.session.scalars(select(Article).where(Article.id != demo_id)).all()
    now = utcnow()
    assert all(a.status == "published" and a.published_at < now for a in generated)
    years = {a.published_at.year for a in generated}
    assert len(years) >= 6  # spread over about eight years
    used = {a.section_id for a in generated}
    assert used == set(db.session.scalars(select(Section.id)))  # sub-sections included
    assert len({a.author_id for a in generated}) >= 10

    per_article = db.session.execute(
        select(Block.article_id, func.count()).group_by(Block.article_id)
    ).all()
    assert len(per_article) == 151
    assert all(5 <= n <= 30 for article_id, n in per_article if article_id != demo_id)
    kinds = set(db.session.scalars(select(Block.kind).distinct()))
    assert {"paragraph", "heading", "quote", "list"} <= kinds


def test_generated_text_is_french_and_already_clean(demo):
    generate_articles(40, seed=3)
    paragraphs = db.session.scalars(select(Block).where(Block.kind == "paragraph")).all()
    assert any(ch in "éèàçê" for b in paragraphs for ch in b.data["html"])
    for block in paragraphs[:300]:  # the generator skips bleach: prove it loses nothing
        assert clean_html(block.data["html"], "paragraph").html == block.data["html"]
    quote = db.session.scalars(select(Block).where(Block.kind == "quote")).first()
    assert quote.data["text"] and quote.data["attribution"]


def test_generate_is_repeatable_without_slug_collisions(runner, demo):
    for _ in range(2):
        result = runner.invoke(args=["demo", "generate", "--articles", "60", "--seed", "1"])
        assert result.exit_code == 0, result.output
    assert count(Article) == 121
    assert db.session.scalar(select(func.count(func.distinct(Article.slug)))) == 121
    assert count(User) == 1 + len(AUTHORS)  # authors are reused, not duplicated


def test_generated_articles_are_searchable(demo):
    generate_articles(30, seed=5)
    article = db.session.scalars(select(Article).order_by(Article.id.desc())).first()
    found = search.search(article.headline).results
    assert article.id in [r.article.id for r in found]


def test_a_slug_already_taken_gets_a_further_suffix(demo):
    make_article(slug="le-senat-conteste-la-reforme-42")
    batch = [{"slug": "le-senat-conteste-la-reforme-42"}, {"slug": "autre-43"}]
    with db.engine.begin() as connection:
        _avoid_taken_slugs(connection, batch)
    assert [a["slug"] for a in batch] == ["le-senat-conteste-la-reforme-42-2", "autre-43"]


def test_cached_pages_show_generated_articles_at_once(client, runner, demo):
    """Bulk inserts skip the ORM events: generate bumps the generations itself."""
    for url in ("/", "/recherche?q=sommet"):
        client.get(url)
        assert client.get(url).headers.get("X-Page-Cache") == "hit", url

    result = runner.invoke(args=["demo", "generate", "--articles", "5", "--seed", "2"])
    assert result.exit_code == 0, result.output

    newest = db.session.scalars(
        select(Article).where(Article.slug != DEMO_SLUG).order_by(Article.published_at.desc())
    ).first()
    front = client.get("/")
    assert front.headers.get("X-Page-Cache") == "miss"
    assert newest.headline in front.text
    assert client.get("/recherche?q=sommet").headers.get("X-Page-Cache") == "miss"


# --------------------------------------------------------------------------- tags and the front page


def links_per_tag() -> list[int]:
    """How many articles carry each tag that has any, most first."""
    return list(
        db.session.scalars(
            select(func.count())
            .select_from(ArticleTag)
            .group_by(ArticleTag.tag_id)
            .order_by(func.count().desc())
        )
    )


def test_generated_tags_are_unique_french_names_with_a_skewed_popularity(demo):
    before = {t.slug for t in db.session.scalars(select(Tag))}  # demo load's own tags
    generate_articles(1500, seed=4, tags=200)
    names = tag_names(200, seed=4)
    slugs = {slugify(name, TAG_SLUG_MAX) for name in names}
    assert len(names) == len(slugs) == 200
    tags = db.session.scalars(select(Tag)).all()
    assert {t.slug for t in tags} == slugs | before  # demo tags with a bank name are reused
    assert len({t.slug for t in tags}) == len(tags)
    assert any(ch in "éèàçêô" for name in names for ch in name)
    assert any(" en " in name or " au " in name or " à " in name for name in names)
    counts = links_per_tag()
    # Zipf-like: the top tag is on hundreds of articles, the median one on a handful.
    assert counts[0] > 200 and counts[0] > 10 * counts[len(counts) // 2]
    per_article = db.session.execute(
        select(ArticleTag.article_id, func.count()).group_by(ArticleTag.article_id)
    ).all()
    assert max(n for _, n in per_article) <= 4
    tagged = {article_id for article_id, _ in per_article}
    assert 0.8 * 1500 < len(tagged) < 1500  # about one article in ten has none


def test_tag_rows_carry_their_articles_publication_dates_and_order(demo):
    generate_articles(300, seed=6)
    rows = db.session.execute(
        select(ArticleTag.article_id, ArticleTag.position, ArticleTag.published_at,
               Article.published_at)
        .join(Article, Article.id == ArticleTag.article_id)
    ).all()  # fmt: skip
    assert rows and all(copy == original for *_, copy, original in rows)
    positions: dict[int, list[int]] = {}
    for article_id, position, *_ in rows:
        positions.setdefault(article_id, []).append(position)
    assert all(sorted(p) == list(range(len(p))) for p in positions.values())
    # The ORM sees the same order: Article.tags reads the positions.
    article = db.session.get(Article, rows[0][0])
    assert len(article.tags) == len(positions[article.id])


def test_default_tag_count_scales_with_the_articles(runner, demo):
    assert default_tag_count(100_000) == 5000 and default_tag_count(1000) == 50
    assert default_tag_count(10) == 20
    result = runner.invoke(args=["demo", "generate", "--articles", "30", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(func.distinct(ArticleTag.tag_id)))) <= 20 + 3
    assert count(Tag) <= 20 + 3  # with the demo's three, some of which are bank names
    assert "articles créés en" in result.output


def test_same_seed_same_tags(demo):
    assert tag_names(300, seed=1) == tag_names(300, seed=1) != tag_names(300, seed=2)
    draws = [TagDraw([1, 2, 3, 4, 5], random.Random("x")) for _ in range(2)]
    assert [draws[0].tags() for _ in range(50)] == [draws[1].tags() for _ in range(50)]


def test_tags_zero_means_none(demo):
    generate_articles(20, seed=1, tags=0)
    assert db.session.scalar(
        select(func.count()).select_from(ArticleTag).join(Article).where(
            Article.slug != DEMO_SLUG
        )
    ) == 0  # fmt: skip


def test_the_front_page_is_curated_once(client, runner, demo):
    for _ in range(2):
        result = runner.invoke(args=["demo", "generate", "--articles", "40", "--seed", "3"])
        assert result.exit_code == 0, result.output
    pins = db.session.scalars(select(FrontPin).order_by(FrontPin.position)).all()
    assert [p.position for p in pins] == list(range(1 + FEATURED_MAX))
    assert all(p.expires_at is None and p.article.is_live for p in pins)
    assert all(p.article.slug != DEMO_SLUG for p in pins)
    assert len({p.article_id for p in pins}) == len(pins)
    blocks = db.session.scalars(select(FrontSection).order_by(FrontSection.position)).all()
    assert len(blocks) == FRONT_SECTION_BLOCKS
    assert all(b.section.parent_id is None for b in blocks)
    front = client.get("/")
    assert front.status_code == 200 and pins[0].article.headline in front.text


def test_an_editors_front_page_is_left_alone(demo):
    demo_article = db.session.scalar(select(Article).filter_by(slug=DEMO_SLUG))
    db.session.add(FrontPin(article_id=demo_article.id, position=0))
    section = db.session.scalars(select(Section).order_by(Section.id.desc())).first()
    db.session.add(FrontSection(section_id=section.id, position=0))
    db.session.commit()
    generate_articles(20, seed=1)
    assert [p.article_id for p in db.session.scalars(select(FrontPin))] == [demo_article.id]
    assert [s.section_id for s in db.session.scalars(select(FrontSection))] == [section.id]


def test_generated_tag_pages_render_and_the_page_cache_sees_new_tags(client, demo):
    reused = db.session.scalar(select(Tag).filter_by(slug="russie"))
    url = f"/sujet/{reused.slug}"
    client.get(url)
    assert client.get(url).headers.get("X-Page-Cache") == "hit"

    generate_articles(400, seed=8, tags=60)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers.get("X-Page-Cache") == "miss"  # new articles carry it
    newest = db.session.scalars(
        select(Article)
        .join(ArticleTag, ArticleTag.article_id == Article.id)
        .where(ArticleTag.tag_id == reused.id)
        .order_by(Article.published_at.desc(), Article.id.desc())
    ).first()
    assert newest.headline in response.text

    for tag in db.session.scalars(select(Tag).where(Tag.slug != reused.slug).limit(10)):
        live = db.session.scalar(select(func.count()).where(Article.tagged(tag.id)))
        assert client.get(f"/sujet/{tag.slug}").status_code == (200 if live else 404), tag.slug


def test_the_tags_sitemap_sees_the_generated_tags_at_once(client, demo):
    url = "/sitemaps/sujets.xml"
    client.get(url)
    assert client.get(url).headers.get("X-Page-Cache") == "hit"
    generate_articles(200, seed=2, tags=30)
    response = client.get(url)
    assert response.headers.get("X-Page-Cache") == "miss"
    top = db.session.scalar(
        select(Tag.slug).join(ArticleTag).group_by(Tag.id).order_by(func.count().desc())
    )
    assert f"/sujet/{top}<" in response.text
