"""The articles desk: every article a user may edit, filtered, searched, newest first.

Order: newest *created* first, by (created_at, id). The desk is where a newsroom finds
what it is working on, and creation is the one date every article has (a draft has no
publication date) that never moves: a list sorted on "last change" would reshuffle under
the editor's eyes at every save, and its keyset cursors would skip or repeat rows.

States, as Article.in_state() files them: "" (everything but the trash), "draft",
"scheduled", "published", "trash". The counts per state follow the other filters
(section, author, search) but not the state itself: each count says how many articles
the list would show with that state chosen and everything else kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from models import Article, Section, db
from models.authorship import ArticleAuthor
from models.listing import Cursor, Keyset
from models.tag import ArticleTag, Tag
from models.user import User
from services.search import headline_matches

STATES = ("", "draft", "scheduled", "published", "trash")
DESK_ORDER = Keyset(id=Article.id, at=Article.created_at)
SEARCH_MAX = 200  # characters of ?q= the desk searches for (services/search.MAX_QUERY_LENGTH)


@dataclass(frozen=True)
class DeskFilters:
    """What the desk shows: a state (STATES), a section (and those below it), an author
    (a user id), a sujet (a tag id) and words searched in headlines and standfirsts."""

    state: str = ""
    section_id: int | None = None
    author_id: int | None = None
    search: str = ""
    tag_id: int | None = None


def conditions(user: User, filters: DeskFilters, *, with_state: bool = True) -> list:
    """The WHERE conditions of the desk's list for `user`: what they may edit
    (User.editable_articles), then each filter; the state's only if `with_state`."""
    where = [user.editable_articles()]
    if with_state:
        where.append(Article.in_state(filters.state))
    if filters.section_id is not None:
        section = db.session.get(Section, filters.section_id)
        ids = section.with_descendant_ids() if section is not None else [filters.section_id]
        where.append(Article.section_id.in_(ids))
    if filters.author_id is not None:
        where.append(Article.signed_by(filters.author_id))  # co-signed included
    if filters.tag_id is not None:
        where.append(Article.tagged(filters.tag_id))
    matches = headline_matches(filters.search) if filters.search else None
    if matches is not None:
        where.append(Article.id.in_(matches))
    return where


def page(
    user: User, filters: DeskFilters, per_page: int, before: Cursor | None = None
) -> tuple[list[Article], Cursor | None]:
    """Up to `per_page` articles, newest created first, strictly past `before`; and the
    cursor of the next page (None: no more). Authors and sections come with them."""
    statement = (
        select(Article).where(*conditions(user, filters)).options(selectinload(Article.trashed_by))
    )
    return DESK_ORDER.page(statement, per_page, before)


def counts(user: User, filters: DeskFilters) -> dict[str, int]:
    """{state: how many articles} for every state in STATES, in one query; the other
    filters apply, the state filter does not (see the module's docstring)."""
    columns = [func.count(case((Article.in_state(state), 1))) for state in STATES]
    row = db.session.execute(
        select(*columns).select_from(Article).where(*conditions(user, filters, with_state=False))
    ).one()
    return dict(zip(STATES, row, strict=True))


def authors(user: User) -> list[User]:
    """Whom the author filter offers: everyone who signs an article `user` may edit."""
    signed = (
        select(ArticleAuthor.user_id)
        .join(Article, Article.id == ArticleAuthor.article_id)
        .where(user.editable_articles())
        .distinct()
    )
    return db.session.scalars(
        select(User).where(User.id.in_(signed)).order_by(User.display_name, User.id)
    ).all()


def tags(user: User) -> list[Tag]:
    """Whom the sujet filter offers: every tag carried by an article `user` may edit."""
    carried = (
        select(ArticleTag.tag_id)
        .join(Article, Article.id == ArticleTag.article_id)
        .where(user.editable_articles())
        .distinct()
    )
    return db.session.scalars(
        select(Tag).where(Tag.id.in_(carried)).order_by(Tag.slug, Tag.id)
    ).all()
