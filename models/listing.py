"""Lists of live articles, newest first, one page at a time by keyset.

A page starts after a cursor, the (published_at, id) of the last article of the page
before, never at an OFFSET: the 500th page is one index range scan, like the first.
URLs carry the cursor (?avant=2024-06-19T12:05:00.000000_123 for older articles,
?apres=… for newer ones), so every page has a stable, shareable address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, union_all

from models import db
from models.content import Article

_CURSOR = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6})_(\d{1,18})", re.ASCII)


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: just after (or before) this article in newest-first order."""

    published_at: datetime
    id: int

    def __str__(self) -> str:
        return f"{self.published_at:%Y-%m-%dT%H:%M:%S.%f}_{self.id}"

    @classmethod
    def parse(cls, raw: str) -> Cursor:
        """The cursor in a URL; ValueError for anything this module did not write."""
        match = _CURSOR.fullmatch(raw)
        if match is None:
            raise ValueError(f"malformed cursor {raw!r}")
        return cls(datetime.fromisoformat(match[1]), int(match[2]))


@dataclass
class ArticlePage:
    items: list[Article]
    older: Cursor | None  # the next page of older articles starts after this one
    newer: Cursor | None  # the page of newer articles ends before this one
    is_first: bool


def live_page(
    per_page: int,
    *,
    section_ids: list[int] | None = None,
    author_id: int | None = None,
    before: Cursor | None = None,
    after: Cursor | None = None,
) -> ArticlePage:
    """One page of live articles (of these sections, or by this author), newest first."""
    filters = _filters(section_ids, author_id)
    if after is not None:
        keys = _keys(filters, per_page + 1, after=after)
        if len(keys) <= per_page:  # close enough to the top: that is the first page
            return live_page(per_page, section_ids=section_ids, author_id=author_id)
        keys = keys[:per_page][::-1]
        return ArticlePage(_articles(keys), Cursor(*keys[-1]), Cursor(*keys[0]), False)
    keys = _keys(filters, per_page + 1, before=before)
    older = Cursor(*keys[per_page - 1]) if len(keys) > per_page else None
    keys = keys[:per_page]
    newer = Cursor(*keys[0]) if before is not None and keys else None
    return ArticlePage(_articles(keys), older, newer, is_first=before is None)


def _filters(section_ids, author_id) -> list[list]:
    """One list of conditions per index range to read (one per section: see _keys)."""
    if section_ids is not None:
        return [[Article.section_id == section_id] for section_id in section_ids]
    if author_id is not None:
        return [[Article.author_id == author_id]]
    return [[]]


def _keys(filters, limit, before=None, after=None) -> list[tuple[datetime, int]]:
    """(published_at, id) of the next `limit` live articles past the cursor.

    Several sections are read as one index range each, merged: `section_id IN (…)`
    would make the database sort every article of those sections to find the newest.
    """
    newest_first = after is None
    parts = [_range(conditions, limit, before, after) for conditions in filters]
    if len(parts) == 1:
        return [tuple(row) for row in db.session.execute(parts[0])]
    merged = union_all(*[select(*part.subquery().c) for part in parts]).subquery()
    order = (merged.c.published_at, merged.c.id)
    statement = (
        select(*order)
        .order_by(*(c.desc() if newest_first else c.asc() for c in order))
        .limit(limit)
    )
    return [tuple(row) for row in db.session.execute(statement)]


def _range(conditions, limit, before, after):
    published_at, id_ = Article.published_at, Article.id
    statement = (
        Article.live().with_only_columns(published_at, id_).order_by(None).where(*conditions)
    )
    if before is not None:
        statement = statement.where(
            published_at <= before.published_at,
            or_(published_at < before.published_at, id_ < before.id),
        ).order_by(published_at.desc(), id_.desc())
    elif after is not None:
        statement = statement.where(
            published_at >= after.published_at,
            or_(published_at > after.published_at, id_ > after.id),
        ).order_by(published_at.asc(), id_.asc())
    else:
        statement = statement.order_by(published_at.desc(), id_.desc())
    return statement.limit(limit)


def _articles(keys) -> list[Article]:
    ids = [id_ for _published_at, id_ in keys]
    found = {a.id: a for a in db.session.scalars(select(Article).where(Article.id.in_(ids)))}
    return [found[i] for i in ids if i in found]
