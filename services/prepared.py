"""Reader HTML prepared when an article is saved, so that a cold article page is one
query and a thin template (issue 16; Ghost stores each post's HTML the same way).

What is prepared (models/prepared.PreparedArticle, one row per article and language):
the <title>, JSON-LD and social tags, search tags, the whole <article> element with its
blocks, byline, reading time, tags, corrections, sharing links and author box; the
teaser lists show, the front page's stories, a list's social image tags, and the body
as plain text that search snippets are cut from. Readers only ever see the site's language (app.select_locale), so
that is the language prepared; a row per language keeps a change of language correct.

When it is prepared:
- at save: every ORM flush that changes something a reader's page shows increments
  `Article.content_version` of each article concerned, in the same transaction
  (`_note_changes`, the one rule of what an article page shows); the articles the
  request itself saved are prepared again as soon as its response has left
  (`prepare_saved_articles`), the others (an author's bio shown on 300 articles) on
  their next read;
- on read, when the row is missing or stale (`reader_page`, `teaser_page`,
  `front_stories`, `search_texts`);
- in bulk: `flask articles prepare`, `demo generate`, `import wordpress`.

Whatever is prepared is rendered by the same templates as the full page, in a request
of its own on the site's address (links and locale as a reader's request has them),
so both ways give the same bytes (tests/test_prepared.py renders every reader page
both ways and compares).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app, g, has_request_context
from markupsafe import Markup
from sqlalchemy import and_, bindparam, delete, event, inspect, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, selectinload

from models import Article, Block, Correction, Media, Section, Sponsor, Tag, User, db
from models.authorship import ArticleAuthor
from models.listing import ArticlePage, live_page
from models.media import MediaUse
from models.prepared import STAMP_LENGTH, PreparedArticle
from models.tag import ArticleTag
from models.time import utcnow

# Bump when the meaning of a prepared piece changes in code the stamp does not hash.
FORMAT = "1"
# What the stamp hashes besides templates and translations: the code that turns an
# article into reader HTML. A deploy that changes any of it makes every row stale.
STAMPED_CODE = (
    "views",
    "services/prepared.py",
    "services/search.py",
    "models/prepared.py",
    "models/text.py",
    "services/typography.py",
    "services/embeds.py",
    "services/media.py",
    "services/images.py",
    "models/content.py",
    "models/media.py",
    "models/tag.py",
    "models/user.py",
)
# Site settings that prepared HTML shows (names, addresses, language).
STAMPED_SETTINGS = ("SITE_URL", "SITE_NAME", "NEWSROOM_EMAIL", "BABEL_DEFAULT_LOCALE")

# User columns readers see on an article page (byline, author box).
AUTHOR_COLUMNS = ("display_name", "slug", "bio_html", "active")
SECTION_COLUMNS = ("name", "slug", "parent_id")
TAG_COLUMNS = ("name", "slug")


def configure(app: Flask, render: Callable[[Article, str], dict[str, str]]) -> None:
    """Listen to every session's flushes (once per process) and prepare, once each
    response has left, the articles its request saved. `render(article, locale)` gives
    the pieces ({PreparedArticle column: text}); it lives with the views, whose templates
    and helpers it uses (views/prepared_pieces.py)."""
    app.extensions["prepared_renderer"] = render
    app.after_request(prepare_saved_articles)
    if not event.contains(Session, "after_flush", _note_changes):
        event.listen(Session, "after_flush", _note_changes)
        event.listen(Session, "after_commit", _remember_saved)
        event.listen(Session, "after_soft_rollback", _forget_saved)


# --------------------------------------------------------------------------- the stamp


def code_stamp(app: Flask | None = None) -> str:
    """The running code's stamp (32 hex digits), computed once per app: FORMAT, the bytes
    of every template, compiled translation and STAMPED_CODE file, and STAMPED_SETTINGS."""
    app = app or current_app
    stamp = app.extensions.get("prepared_stamp")
    if stamp is None:
        root = Path(app.root_path)
        digest = hashlib.blake2b(FORMAT.encode(), digest_size=STAMP_LENGTH // 2)
        files = [*(root / app.template_folder).rglob("*.html")]
        files += (root / "translations").rglob("*.mo")
        for name in STAMPED_CODE:
            path = root / name
            files += path.rglob("*.py") if path.is_dir() else [path]
        for path in sorted(files):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
        for name in STAMPED_SETTINGS:
            digest.update(f"\0{name}={app.config.get(name)}".encode())
        stamp = app.extensions["prepared_stamp"] = digest.hexdigest()
    return stamp


# --------------------------------------------------------------------------- invalidation


def _note_changes(session: Session, _flush_context) -> None:
    """after_flush: increment content_version of every article whose page shows what this
    flush changed, on the flush's own connection (so in the same transaction), and note
    the articles saved themselves for `prepare_saved_articles`."""
    saved: set[int] = set()
    conditions = []
    for obj in session.new | session.dirty | session.deleted:
        article_id, condition = _articles_shown_by(obj, session)
        if article_id is not None:
            saved.add(article_id)
        if condition is not None:
            conditions.append(condition)
    if saved:
        conditions.append(Article.id.in_(saved))
    if not conditions:
        return
    table = Article.__table__
    session.connection().execute(
        update(table).where(or_(*conditions)).values(content_version=table.c.content_version + 1)
    )
    session.info.setdefault("prepared_saved", set()).update(saved)


def _articles_shown_by(obj, session: Session):
    """(id of an article saved itself, or None; a SQL condition on Article for the other
    articles whose page shows `obj`, or None). The one rule of what an article page shows."""
    if isinstance(obj, Article):
        return (None if obj in session.deleted else obj.id), None
    if isinstance(obj, (Block, ArticleAuthor, ArticleTag, Correction)):
        return obj.article_id, None
    if isinstance(obj, MediaUse):
        return None, None  # bookkeeping of a save, not something a page shows
    if obj in session.new:  # nothing shows a new author, tag, sponsor or section yet
        return None, None
    if isinstance(obj, User) and _changed(obj, AUTHOR_COLUMNS):
        signed = select(ArticleAuthor.article_id).where(ArticleAuthor.user_id == obj.id)
        return None, or_(Article.author_id == obj.id, Article.id.in_(signed))
    if isinstance(obj, Tag) and _changed(obj, TAG_COLUMNS):
        tagged = select(ArticleTag.article_id).where(ArticleTag.tag_id == obj.id)
        return None, Article.id.in_(tagged)
    if isinstance(obj, Sponsor):
        return None, Article.sponsor_id == obj.id
    if isinstance(obj, Section) and _changed(obj, SECTION_COLUMNS):
        # Its trail shows on its articles and on those of the sections below it.
        below = select(Section.id).where(or_(Section.id == obj.id, Section.parent_id == obj.id))
        return None, Article.section_id.in_(below)
    if isinstance(obj, Media):
        # Its lead images and image blocks (which may show its words as defaults).
        using = select(MediaUse.article_id).where(MediaUse.media_id == obj.id)
        return None, or_(Article.lead_media_id == obj.id, Article.id.in_(using))
    return None, None


def _changed(obj, columns) -> bool:
    state = inspect(obj)
    return state.deleted or any(state.attrs[c].history.has_changes() for c in columns)


def _remember_saved(session: Session) -> None:
    """after_commit: the request that saved these articles prepares them before answering."""
    saved = session.info.pop("prepared_saved", None)
    if saved and has_request_context():
        g.setdefault("articles_to_prepare", set()).update(saved)


def _forget_saved(session: Session, _previous_transaction) -> None:
    session.info.pop("prepared_saved", None)


def prepare_saved_articles(response):
    """after_request: have the articles this request saved prepared as soon as its
    response has left (the save pays, not the next reader; the editor does not wait:
    preparing costs about as much as the save itself). A reader who asks in between
    prepares it on the spot."""
    saved = g.pop("articles_to_prepare", None)
    if saved:
        app = current_app._get_current_object()
        response.call_on_close(functools.partial(_prepare_after_response, app, sorted(saved)))
    return response


def _prepare_after_response(app: Flask, article_ids: list[int]) -> None:
    """Prepare `article_ids` in an app context of their own (the request's is gone). A
    failure is logged and left to the next read: never an error for anyone."""
    with app.app_context():
        try:
            prepare_articles(article_ids)
        except Exception:  # any rendering or database error: the next read prepares
            db.session.rollback()
            app.logger.exception("Articles %s non préparés", article_ids)


# --------------------------------------------------------------------------- preparing


def render_pieces(article: Article, locale: str) -> dict[str, str]:
    """The reader HTML of `article` in `locale`, as PreparedArticle's columns ({column:
    text}): rendered by the renderer configure() was given (views/prepared_pieces.py:
    the full page's own templates, in a reader's request of its own)."""
    return current_app.extensions["prepared_renderer"](article, locale)


def shown_generations(article: Article) -> list[str]:
    """The page cache generations an article page shows (services/page_cache.py): the
    article, its authors, its sponsor and its tags ("article:3", "author:7"…)."""
    names = [f"article:{article.id}"]
    names += [f"author:{user.id}" for user in article.authors]
    if article.sponsor_id:
        names.append(f"sponsor:{article.sponsor_id}")
    names += [f"tag:{tag.id}" for tag in article.tags]
    return names


def store(article: Article, locale: str, pieces: dict[str, str], version: int) -> None:
    """Replace the row of (article, locale) with `pieces`, prepared from `version`.
    Flushes, does not commit."""
    db.session.execute(
        delete(PreparedArticle)
        .where(PreparedArticle.article_id == article.id, PreparedArticle.locale == locale)
        # Rows are never loaded as objects: nothing in the session to keep in step.
        .execution_options(synchronize_session=False)
    )
    db.session.add(
        PreparedArticle(
            article_id=article.id,
            locale=locale,
            content_version=version,
            stamp=code_stamp(),
            **pieces,
        )
    )
    db.session.flush()


def prepare_articles(article_ids: Iterable[int], locale: str | None = None) -> int:
    """Prepare these articles (ids) in `locale` (default: the site's) and commit. Only
    what readers see or will (live or scheduled: readers_will_see()); a draft, an article
    in the trash or deleted since is skipped. Returns how many were prepared."""
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    ids = list(article_ids)
    if not ids:
        return 0
    articles = db.session.scalars(
        select(Article)
        .where(Article.id.in_(ids), readers_will_see())
        .options(*ARTICLE_PAGE_LOADING)
    ).all()
    for article in articles:
        store(article, locale, render_pieces(article, locale), article.content_version)
    db.session.commit()
    return len(articles)


def readers_will_see():
    """SQL: the article is live or scheduled (it will go live by itself): the articles
    worth preparing. A draft is prepared when it is published (that save prepares it)."""
    return or_(Article.is_live, Article.is_scheduled)


def stale_article_ids(locale: str | None = None, limit: int | None = None) -> list[int]:
    """Ids of live or scheduled articles with no valid prepared row in `locale`, newest
    first (the ones readers ask for first)."""
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    query = (
        select(Article.id)
        .outerjoin(PreparedArticle, _valid_row(locale))
        .where(PreparedArticle.article_id.is_(None), readers_will_see())
        .order_by(Article.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def prepare_stale(batch: int = 200, on_batch=None) -> int:
    """Prepare every article whose row is missing or stale, `batch` at a time, each batch
    committed. `on_batch(count)` is told each batch's size (a progress bar). Returns the
    number prepared."""
    done = 0
    while ids := stale_article_ids(limit=batch):
        prepared = prepare_articles(ids)
        done += prepared
        if on_batch is not None:
            on_batch(prepared)
        if prepared < len(ids):
            break
    return done


# The relationships the article page shows, loaded up front when preparing.
ARTICLE_PAGE_LOADING = (selectinload(Article.blocks), selectinload(Article.corrections))


def _valid_row(locale, stamp=None):
    """The join condition of an article's valid prepared row: in `locale`, prepared from
    the article's current content_version by code of `stamp` (default: the running
    code's). Values, or bindparams in a statement built once."""
    return and_(
        PreparedArticle.article_id == Article.id,
        PreparedArticle.locale == locale,
        PreparedArticle.content_version == Article.content_version,
        PreparedArticle.stamp == (code_stamp() if stamp is None else stamp),
    )


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ReaderPage:
    """A live article's prepared page: PreparedArticle's pieces, as text."""

    article_id: int
    title: str
    meta_html: str
    seo_html: str
    article_html: str
    frame_origins: tuple[str, ...]
    trail_ids: tuple[int, ...]
    shows: tuple[str, ...]


READER_COLUMNS = (
    PreparedArticle.title,
    PreparedArticle.meta_html,
    PreparedArticle.seo_html,
    PreparedArticle.article_html,
    PreparedArticle.frame_origins,
    PreparedArticle.trail_ids,
    PreparedArticle.shows,
)


def reader_page(slug: str) -> ReaderPage | None:
    """The prepared page of the live article at `slug`, in the site's language: one
    query; prepared now (and kept) if its row is missing or stale. None when no live
    article has this slug: the caller decides (an old slug, a draft, the trash)."""
    locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    parameters = {"slug": slug, "locale": locale, "stamp": code_stamp(), "now": utcnow()}
    row = db.session.connection().execute(_reader_query(), parameters).first()
    if row is None or not row.live:
        return None
    if row.article_html is None:
        return _page(row.id, _prepare_now([row.id], locale)[row.id])
    return _page(row.id, row._mapping)


@functools.cache
def _reader_query():
    """The one query of a reader's article page, built once (building a statement costs
    more than running this one): the article's liveness and its valid prepared row."""
    live = Article.live_as_of(bindparam("now"))
    return (
        select(Article.id, live.label("live"), *READER_COLUMNS)
        .outerjoin(PreparedArticle, _valid_row(bindparam("locale"), bindparam("stamp")))
        .where(Article.slug == bindparam("slug"))
    )


def _prepare_now(article_ids: list[int], locale: str) -> dict[int, dict[str, str]]:
    """Render these articles' pieces for a reader who asked first, and keep them if the
    database lets us (a concurrent reader or a locked SQLite file: the next read keeps
    them). Returns {article id: pieces}; an article deleted since is left out."""
    articles = db.session.scalars(
        select(Article).where(Article.id.in_(article_ids)).options(*ARTICLE_PAGE_LOADING)
    ).all()
    rendered = [
        (article, article.content_version, render_pieces(article, locale)) for article in articles
    ]
    try:
        for article, version, pieces in rendered:
            store(article, locale, pieces, version)
        db.session.commit()
    except (IntegrityError, DBAPIError):
        db.session.rollback()
    return {article.id: pieces for article, _version, pieces in rendered}


def _page(article_id: int, pieces) -> ReaderPage:
    return ReaderPage(
        article_id=article_id,
        title=pieces["title"],
        meta_html=pieces["meta_html"],
        seo_html=pieces["seo_html"],
        article_html=pieces["article_html"],
        frame_origins=tuple(pieces["frame_origins"].split()),
        trail_ids=tuple(int(i) for i in pieces["trail_ids"].split()),
        shows=tuple(pieces["shows"].split()),
    )


# --------------------------------------------------------------------------- lists

# In a teaser or front page story rendered with its image not lazy (reading/_teaser.html,
# reading/_front_story.html), where a lazy one has its attribute: inside the image's
# tag, just before this one. Attribute values are escaped: it cannot occur earlier.
TEASER_IMAGE = '<img class="teaser-image" '
LAZY_BEFORE = ' decoding="async"'
LAZY = ' loading="lazy"'


@dataclass(frozen=True)
class Teaser:
    """A live article on a reader's list page, prepared: its key (for the page's cursors)
    and its PreparedArticle pieces, as text."""

    id: int
    published_at: datetime
    teaser_html: str  # reading/_teaser.html, its image not lazy
    front_latest_html: str  # reading/_front_latest.html, its image not lazy
    list_image_html: str  # the list's social image tags, if this one is the newest
    shows: tuple[str, ...]  # page cache generations ("article:3 author:7")

    def html(self, lazy: bool) -> Markup:
        """The teaser as reading/_teaser.html renders it with `lazy`."""
        return Markup(_lazy_image(self.teaser_html) if lazy else self.teaser_html)

    def front_html(self, lazy: bool) -> Markup:
        """The front page's story as reading/_front_latest.html renders it, `lazy` when
        its position is past the first two."""
        return Markup(_lazy_image(self.front_latest_html) if lazy else self.front_latest_html)


def _lazy_image(html: str) -> str:
    """`html` with its image (if any) waiting until scrolled to: the one place that adds
    the attribute to a prepared teaser or story."""
    start = html.find(TEASER_IMAGE)
    if start < 0:
        return html
    at = html.index(LAZY_BEFORE, start)
    return html[:at] + LAZY + html[at:]


TEASER_COLUMNS = (
    PreparedArticle.teaser_html,
    PreparedArticle.front_latest_html,
    PreparedArticle.list_image_html,
    PreparedArticle.shows,
)


def teaser_page(per_page: int, **query) -> ArticlePage | None:
    """models.listing.live_page(per_page, **query) (the filters and cursors), its items
    Teasers read in the page's one query; the articles whose prepared row is missing or
    stale are prepared now (and kept), in one go. None when one of them was deleted
    since the page's query: the caller reads the page the full way."""
    locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    valid = {"locale": locale, "stamp": code_stamp()}
    page = live_page(per_page, joined=_join_teasers, joined_values=valid, **query)
    missing = [row[1] for row in page.items if row[2] is None]
    fresh = _prepare_now(missing, locale) if missing else {}
    if len(fresh) < len(missing):
        return None
    teasers = []
    for published_at, article_id, *pieces in page.items:
        if article_id in fresh:
            pieces = [fresh[article_id][column.key] for column in TEASER_COLUMNS]
        *html, shows = pieces
        teasers.append(Teaser(article_id, published_at, *html, shows=tuple(shows.split())))
    return replace(page, items=teasers)


def _join_teasers(statement, article_id):
    """live_page's `joined`: each article's valid prepared pieces (None if none), its
    bindparams `locale` and `stamp`."""
    return (
        statement.join(Article, Article.id == article_id)
        .outerjoin(PreparedArticle, _valid_row(bindparam("locale"), bindparam("stamp")))
        .add_columns(*TEASER_COLUMNS)
    )


# --------------------------------------------------------------------------- search


def search_texts(article_ids: list[int]) -> dict[int, str]:
    """{article id: its body as plain text, as prepared} for those of `article_ids` whose
    prepared row is current (one query); the others are left out for the caller to read."""
    if not article_ids:
        return {}
    parameters = {
        "ids": list(article_ids),
        "locale": current_app.config["BABEL_DEFAULT_LOCALE"],
        "stamp": code_stamp(),
    }
    rows = db.session.connection().execute(
        _valid_rows_query(PreparedArticle.search_text), parameters
    )
    return {row.article_id: row.search_text for row in rows}


@functools.cache
def _valid_rows_query(*columns):
    """The current rows (`columns` and article_id) of articles `ids`, built once per set
    of columns. Parameters: ids (a list), locale, stamp."""
    return (
        select(PreparedArticle.article_id, *columns)
        .join(Article, _valid_row(bindparam("locale"), bindparam("stamp")))
        .where(PreparedArticle.article_id.in_(bindparam("ids", expanding=True)))
    )


# --------------------------------------------------------------------------- front page

# Where a section-block story names its block's section ("block-<section id>-<article
# id>", reading/_front_story.html): prepared with this mark in its place. Only inside an
# attribute value (after `="`), which text cannot hold unescaped.
BLOCK_MARK = "block-SECTION-"
BLOCK_MARK_CONTEXT = {"section": {"id": "SECTION"}}


@dataclass(frozen=True)
class FrontStory:
    """A live article as the front page's pins and section blocks show it, prepared."""

    id: int
    lead_html: Markup  # reading/_front_lead.html
    featured_html: Markup  # reading/_front_story.html, story_kind "featured"
    block_story_html: str  # the same, "block", its section's id a mark
    shows: tuple[str, ...]  # page cache generations ("article:3 author:7")

    def block_html(self, section_id: int) -> Markup:
        """The story in the block of section `section_id`."""
        mark = f'="{BLOCK_MARK}'
        return Markup(self.block_story_html.replace(mark, f'="block-{section_id}-'))


FRONT_COLUMNS = (
    PreparedArticle.front_lead_html,
    PreparedArticle.front_featured_html,
    PreparedArticle.front_block_html,
    PreparedArticle.shows,
)


def front_stories(article_ids) -> dict[int, FrontStory]:
    """{article id: FrontStory} for these live articles, read in one query; those whose
    prepared row is missing or stale are prepared now (and kept). An article deleted
    since is left out."""
    ids = list(article_ids)
    if not ids:
        return {}
    locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    parameters = {"ids": ids, "locale": locale, "stamp": code_stamp()}
    found = {
        row.article_id: [getattr(row, column.key) for column in FRONT_COLUMNS]
        for row in db.session.connection().execute(_valid_rows_query(*FRONT_COLUMNS), parameters)
    }
    missing = [i for i in ids if i not in found]
    for article_id, pieces in (_prepare_now(missing, locale) if missing else {}).items():
        found[article_id] = [pieces[column.key] for column in FRONT_COLUMNS]
    return {
        article_id: FrontStory(
            article_id, Markup(lead), Markup(featured), block, tuple(shows.split())
        )  # fmt: skip
        for article_id, (lead, featured, block, shows) in found.items()
    }
