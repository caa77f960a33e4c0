"""Keyset pagination, the one way Gazette pages through a list, and the lists of live
articles built on it.

A list is read newest first in the order of a *key*: (a naive-UTC datetime column, id),
e.g. (Article.published_at, Article.id), or the id alone, e.g. AuditEvent.id. A page
starts just past a cursor, the key of the last row of the page before, never at an
OFFSET: the 500th page is one index range scan, like the first (given an index that
ends with the key's columns).

Cursors are written in URLs (?avant=… for older rows, ?apres=… for newer ones), so
every page has a stable, shareable address:

- (datetime, id) key: "2024-06-19T12:05:00.000000_123", always with microseconds;
- id-only key: "123".

Anything else (junk, a date that does not exist, an id over 18 digits) makes
Keyset.parse raise ValueError, which views turn into a 404.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, or_, select, union_all

from models import content, db
from models.authorship import ArticleAuthor
from models.content import Article
from models.tag import ArticleTag

_TIMED_CURSOR = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6})_(\d{1,18})", re.ASCII)
_ID_CURSOR = re.compile(r"\d{1,18}", re.ASCII)


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: just past this row (published_at or another moment, and id).

    `published_at` is None for an id-only key. str() is the URL form (see above).
    """

    published_at: datetime | None
    id: int

    def __str__(self) -> str:
        if self.published_at is None:
            return str(self.id)
        return f"{self.published_at:%Y-%m-%dT%H:%M:%S.%f}_{self.id}"

    @classmethod
    def parse(cls, raw: str) -> Cursor:
        """A (datetime, id) cursor from a URL; ValueError for anything malformed."""
        return ARTICLE_ORDER.parse(raw)


@dataclass(frozen=True)
class Keyset:
    """A newest-first order on (`at`, `id`) columns, or on `id` alone when `at` is None.

    The one keyset pagination helper: `page()` reads a page of any select() in this
    order, `parse()` reads a cursor from a URL, `past()` is the condition "strictly past
    this cursor" for queries that need to be built by hand (see live_page).
    """

    id: Any  # a mapped integer column, e.g. Article.id
    at: Any = None  # a mapped naive-UTC datetime column, or None

    @property
    def columns(self) -> tuple:
        return (self.id,) if self.at is None else (self.at, self.id)

    def order_by(self, newest_first: bool = True) -> list:
        """ORDER BY terms: newest first (descending), or oldest first for ?apres= pages."""
        return [c.desc() if newest_first else c.asc() for c in self.columns]

    def past(self, cursor: Cursor, newest_first: bool = True) -> ColumnElement[bool]:
        """Rows strictly after `cursor` in this order (strictly before it when not newest_first).

        Written `at <= t AND (at < t OR id < n)` rather than as a row-value comparison,
        so SQLite and PostgreSQL both read it as one index range.
        """
        if self.at is None:
            return self.id < cursor.id if newest_first else self.id > cursor.id
        at, when = self.at, cursor.published_at
        if newest_first:
            return and_(at <= when, or_(at < when, self.id < cursor.id))
        return and_(at >= when, or_(at > when, self.id > cursor.id))

    def cursor(self, row) -> Cursor:
        """The cursor just past `row` (an entity with this key's attributes)."""
        at = None if self.at is None else getattr(row, self.at.key)
        return Cursor(at, getattr(row, self.id.key))

    def parse(self, raw: str) -> Cursor:
        """The cursor in a URL, in this key's shape; ValueError for anything malformed."""
        if self.at is None:
            if _ID_CURSOR.fullmatch(raw) is None:
                raise ValueError(f"malformed cursor {raw!r}")
            return Cursor(None, int(raw))
        match = _TIMED_CURSOR.fullmatch(raw)
        if match is None:
            raise ValueError(f"malformed cursor {raw!r}")
        return Cursor(datetime.fromisoformat(match[1]), int(match[2]))

    def page(
        self, statement: Select, per_page: int, before: Cursor | None = None
    ) -> tuple[list, Cursor | None]:
        """Up to `per_page` entities of `statement` (a select() of one entity), newest
        first, strictly past `before`; and the cursor of the next page (None: no more).

        Reads per_page + 1 rows to know whether a next page exists. The statement's
        own ORDER BY and LIMIT are replaced.
        """
        statement = statement.order_by(None).order_by(*self.order_by()).limit(per_page + 1)
        if before is not None:
            statement = statement.where(self.past(before))
        rows = db.session.scalars(statement).unique().all()
        items = list(rows[:per_page])
        return items, self.cursor(items[-1]) if len(rows) > per_page else None


# Reader lists: the ix_article_* indexes end with (published_at, id).
ARTICLE_ORDER = Keyset(id=Article.id, at=Article.published_at)


@dataclass
class ArticlePage:
    """A page of live articles (newest first) and the cursors of its neighbours."""

    items: list[Article]
    older: Cursor | None  # the next page of older articles starts after this one
    newer: Cursor | None  # the page of newer articles ends before this one
    is_first: bool


def live_page(
    per_page: int,
    *,
    section_ids: list[int] | None = None,
    author_id: int | None = None,
    tag_id: int | None = None,
    before: Cursor | None = None,
    after: Cursor | None = None,
    joined: Callable[[Select, Any], Select] | None = None,
    joined_values: dict[str, Any] | None = None,
) -> ArticlePage:
    """One page of live articles (of these sections, signed by this author, or carrying
    this tag), newest first.

    `per_page` articles at most, strictly past `before` (older articles) or, with
    `after`, the page of newer articles ending just before it; with neither, the first
    page. Close enough to the top, an `after` page is the first page.

    `joined(statement, article_id)`, if given, adds columns to the page's one query:
    `statement` selects (published_at, id) of the page's articles in order, `article_id`
    is its id column (services/prepared.teaser_page joins each article's prepared
    teaser); its bindparams take `joined_values` ({name: value}). Built once per shape of
    page, so `joined` must be the same function each time. The page's items are then its
    rows, (published_at, id, *added), not Article entities.
    """
    filters = _filters(section_ids, author_id, tag_id)
    items = _articles if joined is None else list
    join = {"joined": joined, "joined_values": joined_values}
    if after is not None:
        keys = _keys(filters, per_page + 1, after=after, **join)
        if len(keys) <= per_page:  # close enough to the top: that is the first page
            return live_page(
                per_page, section_ids=section_ids, author_id=author_id, tag_id=tag_id, **join
            )
        keys = keys[:per_page][::-1]
        return ArticlePage(items(keys), _cursor(keys[-1]), _cursor(keys[0]), False)
    keys = _keys(filters, per_page + 1, before=before, **join)
    older = _cursor(keys[per_page - 1]) if len(keys) > per_page else None
    keys = keys[:per_page]
    newer = _cursor(keys[0]) if before is not None and keys else None
    return ArticlePage(items(keys), older, newer, is_first=before is None)


def _cursor(key) -> Cursor:
    """The cursor of a key row: (published_at, id, …)."""
    return Cursor(key[0], key[1])


def _filters(section_ids, author_id, tag_id=None) -> tuple[tuple[str, int], dict[str, int]]:
    """The list's shape, (kind, number of index ranges), and the values of its keys
    ({"key_0": id…}): one range per section (see _keys_statement), or an author's or a
    tag's, read from article_author or article_tag (_linked_range); or every article."""
    if section_ids is not None:
        keys = {f"key_{i}": section_id for i, section_id in enumerate(section_ids)}
        return ("sections", len(keys)), keys
    if author_id is not None:
        return ("author", 1), {"key_0": author_id}
    if tag_id is not None:
        return ("tag", 1), {"key_0": tag_id}
    return ("all", 1), {}


def _keys(filters, limit, before=None, after=None, joined=None, joined_values=None) -> list:
    """(published_at, id) of the next `limit` live articles past the cursor, and the
    columns `joined` adds (see live_page)."""
    shape, values = filters
    direction = "before" if before is not None else "after" if after is not None else "first"
    parameters = {**values, **(joined_values or {}), "now": content.utcnow(), "limit": limit}
    cursor = before or after
    if cursor is not None:
        parameters |= {"at": cursor.published_at, "id": cursor.id}
    statement = _keys_statement(shape, direction, joined)
    return [tuple(row) for row in db.session.execute(statement, parameters)]


@functools.cache
def _keys_statement(shape: tuple[str, int], direction: str, joined=None) -> Select:
    """The keys query of one shape of page (see _filters; direction "first", "before" or
    "after"), built once: building a statement costs more than running this one. Its
    bindparams: key_0, key_1… (the list's ids), now (is_live's clock), at and id (the
    cursor), limit; and those of `joined`.

    Several sections are read as one index range each, merged: `section_id IN (…)`
    would make the database sort every article of those sections to find the newest.
    """
    kind, count = shape
    cursor = None if direction == "first" else Cursor(bindparam("at"), bindparam("id"))
    before = cursor if direction == "before" else None
    after = cursor if direction == "after" else None
    limit = bindparam("limit", type_=Integer)
    parts = [_range(kind, bindparam(f"key_{i}"), limit, before, after) for i in range(count)]
    if len(parts) == 1 and joined is None:
        return parts[0]
    if len(parts) == 1:
        merged = parts[0].subquery()
    else:
        merged = union_all(*[select(*part.subquery().c) for part in parts]).subquery()
    # A link table's range names its id column article_id: the first two are the key.
    at, id_ = list(merged.c)[:2]
    order = Keyset(id=id_, at=at)
    statement = select(*order.columns).order_by(*order.order_by(after is None)).limit(limit)
    return statement if joined is None else joined(statement, id_)


# Article.is_live at the `now` bindparam: the one rule for "live", in statements built once.
LIVE = Article.live_as_of(bindparam("now"))


def _range(kind: str, key, limit, before, after):
    """The select() of one index range: a section's (`key` its id), an author's or a
    tag's (_linked_range), or every live article's."""
    if kind == "author":
        return _linked_range(AUTHOR_ORDER, ArticleAuthor.user_id == key, limit, before, after)
    if kind == "tag":
        return _linked_range(TAG_ORDER, ArticleTag.tag_id == key, limit, before, after)
    statement = select(*ARTICLE_ORDER.columns).where(LIVE)
    if kind == "sections":
        statement = statement.where(Article.section_id == key)
    if before is not None:
        statement = statement.where(ARTICLE_ORDER.past(before))
    elif after is not None:
        statement = statement.where(ARTICLE_ORDER.past(after, newest_first=False))
    return statement.order_by(*ARTICLE_ORDER.order_by(newest_first=after is None)).limit(limit)


# An author's articles, co-signed ones included: ix_article_author_user_published.
AUTHOR_ORDER = Keyset(id=ArticleAuthor.article_id, at=ArticleAuthor.published_at)
# A tag's articles: ix_article_tag_tag_published.
TAG_ORDER = Keyset(id=ArticleTag.article_id, at=ArticleTag.published_at)


def _linked_range(order: Keyset, key, limit, before, after):
    """(published_at, id) of the live articles linked by `key` (an author's or a tag's
    condition on a link table), read from that table in `order`.

    Its copy of published_at orders one index range; the article itself is joined only
    to keep LIVE's conditions, whatever they are, the one rule for "live".
    """
    statement = select(*order.columns).where(order.id == Article.id, key, LIVE)
    if before is None and after is None:
        # Redundant for live articles, but it makes the first page a range of the link
        # table's index too: without it SQLite (no statistics) reads every live article
        # from ix_article_live and sorts them (seconds for a big tag at 100,000 articles).
        statement = statement.where(order.at <= bindparam("now"))  # is_live's own clock
    if before is not None:
        statement = statement.where(order.past(before))
    elif after is not None:
        statement = statement.where(order.past(after, newest_first=False))
    return statement.order_by(*order.order_by(newest_first=after is None)).limit(limit)


def _articles(keys) -> list[Article]:
    ids = [key[1] for key in keys]
    found = {a.id: a for a in db.session.scalars(select(Article).where(Article.id.in_(ids)))}
    return [found[i] for i in ids if i in found]
