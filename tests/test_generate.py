"""`flask demo generate`: many realistic, searchable articles, repeatable without collisions."""

from __future__ import annotations

from sqlalchemy import func, select

from demo.generate import AUTHORS, _avoid_taken_slugs, generate_articles
from models import Article, Block, Section, User, db
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
