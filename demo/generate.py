"""`flask demo generate`: many realistic French articles, inserted in bulk.

Text is assembled from phrase banks (demo/phrases.json: per section theme, plus common
ones), so it reads like news copy, varies from article to article and gives search
something to find. Rows go in with Core executemany, one transaction per batch, and each
batch is indexed for search in that same transaction: 100,000 articles take minutes, not
hours. Core inserts skip the ORM events the page cache listens to, so each batch bumps
the page-cache generations it changed itself: cached pages show the new articles at once.

Tags come from the banks too (topics, places, and "topic + place": "Énergie en Pologne"),
as many as asked (by default one per 20 articles, so 5,000 at 100,000). Each article
carries 0 to 4 of them, drawn with a Zipf-like popularity: the first few tags are on
thousands of articles, most on a handful, as in a real archive. The first run also
curates the front page (a lead, featured stories, section blocks) when nobody has, so
that benchmarks of "/" measure a curated page.
"""

from __future__ import annotations

import html
import json
import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import accumulate
from pathlib import Path

from sqlalchemy import func, insert, select

from models import db
from models.authorship import ArticleAuthor
from models.content import Article, ArticleStatus, Block, BlockKind, Section
from models.front import FEATURED_MAX, FrontPin, FrontSection
from models.slugs import slugify, unique_slug
from models.tag import TAG_SLUG_MAX, ArticleTag, Tag
from models.time import utcnow
from models.user import Role, User
from services import page_cache, search
from services.richtext import clean_html

BATCH_SIZE = 2000
YEARS_OF_ARCHIVE = 8

# The phrase banks are data (demo/phrases.json), edited without touching this logic:
# "authors" ({name, bio}); "themes", keyed by a top-level section's slug, each with who
# acts ("subjects"), what about ("objects"), where ("places") and subheadings
# ("headings"); verbs as [singular, plural] ("le Sénat conteste", "les syndicats
# contestent"); "openers" repeats "" on purpose, so most sentences start plainly. Their
# order matters: the same --seed gives the same articles.
PHRASES = json.loads((Path(__file__).with_name("phrases.json")).read_text(encoding="utf-8"))
AUTHORS: list[tuple[str, str]] = [(a["name"], a["bio"]) for a in PHRASES["authors"]]
THEMES: dict[str, dict[str, list[str]]] = PHRASES["themes"]
# Sections with no theme of their own draw on all of them.
GENERAL_THEME = {
    key: [item for theme in THEMES.values() for item in theme[key]] for key in THEMES["france"]
}
VERBS: list[tuple[str, str]] = [tuple(v) for v in PHRASES["verbs"]]
HEADLINE_VERBS: list[tuple[str, str]] = [tuple(v) for v in PHRASES["headline_verbs"]]
COMPLEMENTS: list[str] = PHRASES["complements"]
OPENERS: list[str] = PHRASES["openers"]
CLOSERS: list[str] = PHRASES["closers"]
SPEAKERS: list[str] = PHRASES["speakers"]
QUOTE_OPENINGS: list[str] = PHRASES["quote_openings"]
LIST_INTROS: list[str] = PHRASES["list_intros"]
# Tag names: "tag_topics" ("Énergie") and "tag_places" as [name, "in" form] ("Pologne",
# "en Pologne"), alone or combined ("Énergie en Pologne").
TAG_TOPICS: list[str] = PHRASES["tag_topics"]
TAG_PLACES: list[tuple[str, str]] = [tuple(p) for p in PHRASES["tag_places"]]
TAGS_PER_ARTICLE = (0, 1, 2, 3, 4)
# How often an article has 0, 1, 2, 3 or 4 tags (mean about 1.9).
TAGS_PER_ARTICLE_WEIGHTS = (10, 25, 35, 20, 10)
# Zipf exponent of tag popularity: the tag of rank r is drawn in proportion to 1/r**s.
TAG_ZIPF_EXPONENT = 1.0
FRONT_SECTION_BLOCKS = 3


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _conjugated(verb: tuple[str, str], subject: str) -> str:
    return verb[1] if subject.startswith(("les ", "des ")) else verb[0]


class ArticleWriter:
    """Writes one article's text from the banks; `rng` makes a run reproducible with --seed."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def sentence(self, theme: dict) -> str:
        choice = self.rng.choice
        opener = choice(OPENERS)
        subject = choice(theme["subjects"])
        clause = f"{subject} {_conjugated(choice(VERBS), subject)} {choice(theme['objects'])}"
        if self.rng.random() < 0.5:
            clause += f" {choice(theme['places'])}"
        clause += f" {choice(COMPLEMENTS)}"
        return _capitalised(opener + clause) + "."

    def paragraph(self, theme: dict) -> str:
        sentences = [self.sentence(theme) for _ in range(self.rng.randint(2, 4))]
        if self.rng.random() < 0.3:
            sentences.append(self.rng.choice(CLOSERS))
        return " ".join(sentences)

    def headline(self, theme: dict) -> str:
        choice = self.rng.choice
        subject = choice(theme["subjects"])
        verb = _conjugated(choice(HEADLINE_VERBS), subject)
        headline = f"{subject} {verb} {choice(theme['objects'])}"
        if self.rng.random() < 0.4:
            headline += f" {choice(theme['places'])}"
        return _capitalised(headline)

    def blocks(self, theme: dict) -> list[tuple[str, dict, str]]:
        """(kind, data, plain text) for 5 to 30 blocks: mostly paragraphs, some furniture."""
        rng, blocks = self.rng, []
        count = rng.randint(5, 30)
        while len(blocks) < count:
            roll = rng.random()
            previous = blocks[-1][0] if blocks else None
            if blocks and previous == BlockKind.PARAGRAPH and roll < 0.15:
                text = rng.choice(theme["headings"])
                blocks.append((BlockKind.HEADING, {"text": text, "level": 2}, text))
            elif blocks and roll < 0.22:
                words = f"{rng.choice(QUOTE_OPENINGS)} {rng.choice(theme['objects'])}."
                speaker = rng.choice(SPEAKERS)
                data = {"text": words, "attribution": speaker}
                blocks.append((BlockKind.QUOTE, data, f"{words} {speaker}"))
            elif blocks and previous == BlockKind.PARAGRAPH and roll < 0.26:
                intro = rng.choice(LIST_INTROS)
                blocks.append((BlockKind.PARAGRAPH, {"html": html.escape(intro)}, intro))
                items = [_capitalised(o) for o in rng.sample(theme["objects"], rng.randint(3, 5))]
                data = {"items": [html.escape(i) for i in items], "ordered": False}
                blocks.append((BlockKind.LIST, data, " ".join(items)))
            else:
                text = self.paragraph(theme)
                # Bank text has no markup; escaping it is exactly what clean_html() would
                # return (tests check this), at a fraction of bleach's cost per paragraph.
                blocks.append((BlockKind.PARAGRAPH, {"html": html.escape(text, quote=False)}, text))
        return blocks[:count]


@dataclass
class Newsroom:
    """Where generated articles go: every section (with its theme) and the authors."""

    sections: list[tuple[int, dict]] = field(default_factory=list)
    author_ids: list[int] = field(default_factory=list)


def prepare_newsroom() -> Newsroom:
    """The generated authors (created once, reused on later runs) and every section."""
    authors = []
    for name, bio in AUTHORS:
        slug = slugify(name)
        email = f"{slug.replace('-', '.')}@gazette.example"
        author = db.session.scalar(select(User).filter_by(email=email))
        if author is None:
            author = User(
                email=email,
                display_name=name,
                slug=unique_slug(
                    slug, lambda s: db.session.scalar(select(User.id).filter_by(slug=s)) is not None
                ),
                role=Role.AUTHOR,
                bio_html=clean_html(bio, "paragraph").html,
            )
            db.session.add(author)
        authors.append(author)
    db.session.commit()
    sections = [
        (section.id, THEMES.get(section.trail[0].slug, GENERAL_THEME))
        for section in db.session.scalars(select(Section).order_by(Section.id))
    ]
    return Newsroom(sections=sections, author_ids=[a.id for a in authors])


def default_tag_count(articles: int) -> int:
    """Tags generated alongside `articles` articles when not told: one per 20 (at least 20)."""
    return max(20, articles // 20)


def tag_names(count: int, seed: int | None = None) -> list[str]:
    """Up to `count` distinct tag names (distinct slugs too), most popular first.

    Topics and places alone come first (shuffled by `seed`), then "topic + place"
    combinations; at most len(TAG_TOPICS) * (len(TAG_PLACES) + 1) + len(TAG_PLACES).
    """
    rng = random.Random(f"tag-names:{seed}")
    alone = TAG_TOPICS + [name for name, _ in TAG_PLACES]
    rng.shuffle(alone)
    names = list(alone)
    # Combinations are only built (and shuffled) when the plain names do not suffice.
    if count > len(names):
        combined = [f"{topic} {where}" for topic in TAG_TOPICS for _, where in TAG_PLACES]
        rng.shuffle(combined)
        names += combined
    chosen, slugs = [], set()
    for name in names:
        if len(chosen) == count:
            break
        slug = slugify(name, TAG_SLUG_MAX)
        if slug not in slugs:  # "Energie" and "Énergie" would share a page
            slugs.add(slug)
            chosen.append(name)
    return chosen


def prepare_tags(count: int, seed: int | None = None) -> list[int]:
    """The ids of `count` tags, most popular first: existing ones (same slug) are reused,
    the others inserted in one executemany. Bumps the "tags" generation if any is new."""
    names = tag_names(count, seed)
    existing = dict(db.session.execute(select(Tag.slug, Tag.id)).tuples().all())
    db.session.rollback()
    missing = [
        {"name": name, "slug": slugify(name, TAG_SLUG_MAX), "description": ""}
        for name in names
        if slugify(name, TAG_SLUG_MAX) not in existing
    ]
    if missing:
        table = Tag.__table__
        with db.engine.begin() as connection:
            ids = connection.scalars(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), missing
            ).all()
        existing.update({row["slug"]: tag_id for row, tag_id in zip(missing, ids, strict=True)})
        page_cache.bump({"tags"})
    return [existing[slugify(name, TAG_SLUG_MAX)] for name in names]


class TagDraw:
    """Draws an article's tags: 0 to 4, by Zipf-like popularity, without repeats."""

    def __init__(self, tag_ids: list[int], rng: random.Random):
        self.tag_ids, self.rng = tag_ids, rng
        weights = (1 / (rank + 1) ** TAG_ZIPF_EXPONENT for rank in range(len(tag_ids)))
        self.cumulative = list(accumulate(weights))

    def tags(self) -> list[int]:
        if not self.tag_ids:
            return []
        rng, total = self.rng, self.cumulative[-1]
        wanted = rng.choices(TAGS_PER_ARTICLE, TAGS_PER_ARTICLE_WEIGHTS)[0]
        chosen: list[int] = []
        for _ in range(wanted * 3):  # popular tags repeat: a few more draws, then give up
            if len(chosen) == wanted:
                break
            tag_id = self.tag_ids[bisect(self.cumulative, rng.random() * total)]
            if tag_id not in chosen:
                chosen.append(tag_id)
        return chosen


def generate_articles(
    count: int, seed: int | None = None, progress=None, tags: int | None = None
) -> int:
    """Add `count` published articles (all already live) and return how many were added.

    `seed` makes the text and the tags reproducible; `progress(n)` is called after each
    batch of n; `tags` is how many tags to spread over them (default_tag_count() when
    None, 0 for none). Curates the front page if nobody has (curate_front_page()).
    Needs an app context. Raises ValueError (French message) when there is no section yet.
    """
    newsroom = prepare_newsroom()
    if not newsroom.sections:
        raise ValueError("aucune rubrique : lancez d’abord `flask --app app demo load`.")
    writer = ArticleWriter(random.Random(seed))
    # Their own generator, so that tags leave a seed's articles as they were.
    draw = TagDraw(
        prepare_tags(default_tag_count(count) if tags is None else tags, seed),
        random.Random(f"article-tags:{seed}") if seed is not None else random.Random(),
    )
    first = serial = (db.session.scalar(select(func.max(Article.id))) or 0) + 1
    db.session.rollback()  # end the read; batches use their own connections and transactions
    done = 0
    while done < count:
        size = min(BATCH_SIZE, count - done)
        with db.engine.begin() as connection:
            _insert_batch(connection, writer, newsroom, serial, size, draw)
        # After the commit, as the session events would: lists and search change.
        page_cache.bump(page_cache.ARTICLES_ADDED)
        serial += size
        done += size
        if progress:
            progress(size)
    curate_front_page(first)
    return done


def curate_front_page(first_generated_id: int = 0) -> None:
    """Pin the newest generated live articles (a lead and FEATURED_MAX featured, no expiry)
    when nothing is pinned, and give the first FRONT_SECTION_BLOCKS top-level sections a
    block when no section has one: an editor's choices are never overwritten."""
    if db.session.scalar(select(func.count()).select_from(FrontPin)) == 0:
        newest = db.session.scalars(
            Article.live()
            .where(Article.id >= first_generated_id)
            .with_only_columns(Article.id)
            .order_by(Article.published_at.desc(), Article.id.desc())
            .limit(1 + FEATURED_MAX)
        ).all()
        db.session.add_all(
            FrontPin(article_id=article_id, position=position)
            for position, article_id in enumerate(newest)
        )
    if db.session.scalar(select(func.count()).select_from(FrontSection)) == 0:
        tops = db.session.scalars(
            select(Section.id)
            .where(Section.parent_id.is_(None))
            .order_by(Section.nav_position, Section.id)
            .limit(FRONT_SECTION_BLOCKS)
        ).all()
        db.session.add_all(
            FrontSection(section_id=section_id, position=position)
            for position, section_id in enumerate(tops)
        )
    db.session.commit()  # the session events bump "front" if anything was added


def _insert_batch(
    connection, writer: ArticleWriter, newsroom: Newsroom, serial: int, size: int, draw: TagDraw
):
    rng, now = writer.rng, utcnow()
    archive_seconds = int(timedelta(days=365 * YEARS_OF_ARCHIVE).total_seconds())
    articles, bodies = [], []
    for n in range(serial, serial + size):
        section_id, theme = rng.choice(newsroom.sections)
        headline = writer.headline(theme)
        published_at = now - timedelta(seconds=rng.randint(3600, archive_seconds))
        updated = rng.random() < 0.2
        articles.append(
            {
                # The serial keeps slugs unique across runs; collisions are still checked.
                "slug": f"{slugify(headline, 70)}-{n}",
                "section_id": section_id,
                "author_id": rng.choice(newsroom.author_ids),
                "headline": headline,
                "standfirst": writer.paragraph(theme).split(". ")[0].rstrip(".") + ".",
                "status": ArticleStatus.PUBLISHED.value,
                "published_at": published_at,
                "updated_at": published_at + timedelta(hours=rng.randint(1, 48))
                if updated
                else None,
                "first_published_at": published_at,
                "created_at": published_at,
                "version": 1,
            }
        )
        bodies.append(writer.blocks(theme))
    _avoid_taken_slugs(connection, articles)

    table = Article.__table__
    ids = connection.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), articles
    ).all()
    # The byline: the lead author, and a co-author for about one article in ten.
    connection.execute(
        insert(ArticleAuthor.__table__),
        [
            {"article_id": article_id, "user_id": user_id, "position": position,
             "published_at": row["published_at"]}
            for article_id, row in zip(ids, articles, strict=True)
            for position, user_id in enumerate(_byline(article_id, newsroom, row["author_id"]))
        ],
    )  # fmt: skip
    # Each tag row carries its article's publication date: the tag index reads it.
    links = [
        {"article_id": article_id, "tag_id": tag_id, "position": position,
         "published_at": row["published_at"]}
        for article_id, row in zip(ids, articles, strict=True)
        for position, tag_id in enumerate(draw.tags())
    ]  # fmt: skip
    if links:
        connection.execute(insert(ArticleTag.__table__), links)
    connection.execute(
        insert(Block.__table__),
        [
            {
                "article_id": article_id,
                "position": position,
                "kind": kind,
                "data": data,
                "version": 1,
            }
            for article_id, blocks in zip(ids, bodies, strict=True)
            for position, (kind, data, _text) in enumerate(blocks)
        ],
    )
    search.store_documents(
        connection,
        [
            search.Document(
                article_id, row["headline"], row["standfirst"], "\n".join(t for *_, t in blocks)
            )
            for article_id, row, blocks in zip(ids, articles, bodies, strict=True)
        ],
    )


def _byline(article_id: int, newsroom: Newsroom, lead: int) -> list[int]:
    """The lead, and for about one article in ten a co-author (chosen from the id, so that
    the text a seed gives stays the same)."""
    rng = random.Random(article_id)
    others = [author_id for author_id in newsroom.author_ids if author_id != lead]
    return [lead, rng.choice(others)] if others and rng.random() < 0.1 else [lead]


def _avoid_taken_slugs(connection, articles: list[dict]) -> None:
    """A slug someone already uses (by chance or by hand) gets a further suffix."""
    slugs = Article.__table__.c.slug
    taken = set(connection.scalars(select(slugs).where(slugs.in_([a["slug"] for a in articles]))))
    for article in articles:
        if article["slug"] in taken:
            article["slug"] = unique_slug(
                article["slug"],
                lambda s: (
                    s in taken or connection.scalar(select(slugs).where(slugs == s)) is not None
                ),
            )
            taken.add(article["slug"])
