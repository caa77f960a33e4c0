"""Who signs an article: its authors, in byline order.

`Article.author_links` (rows of ArticleAuthor, position 0 first) is the author list;
`Article.author_id` stays as the *lead* author (the first of the list), kept because
the author box, the bio part and older revisions read it. Both are written in one
place, `Article.set_authors()`; a new article saved with only `author` (the new-article
form, the demo loader, the test factories) gets its one-author list at flush time
(`_start_lists`, below).

Author pages list an author's live articles newest first by keyset, like every list
(models/listing.py): each row carries a copy of its article's `published_at`, so the
index (user_id, published_at, article_id) reads one author's page as one index range,
co-signed articles included. The copy is refreshed at flush time whenever the article's
`published_at` changes (publish, unpublish, schedule, restore), from that one listener.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import db
from models.user import User

# An article signed by more people than this reads as a list of names, not a byline.
AUTHORS_MAX = 8


class ArticleAuthor(db.Model):
    """One author of one article, at `position` in the byline (0: the lead author)."""

    __tablename__ = "article_author"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    # A copy of Article.published_at (naive UTC, None for a draft), for the author index.
    published_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        # `article_id` last: author pages are keyset-paginated on (published_at, id).
        Index("ix_article_author_user_published", "user_id", "published_at", "article_id"),
    )


def _start_lists(session: Session, _flush_context, _instances) -> None:
    """before_flush: a new article without an author list gets its author as the list;
    an article whose published_at changed carries it to its author rows."""
    from models.content import Article  # models/content imports this module

    for article in list(session.new) + list(session.dirty):
        if not isinstance(article, Article):
            continue
        new = article in session.new
        if new and not article.author_links:
            lead = inspect(article).dict.get("author")
            link = ArticleAuthor(position=0)
            if lead is not None:
                link.user = lead
            else:
                link.user_id = article.author_id
            article.author_links.append(link)
        if new or inspect(article).attrs.published_at.history.has_changes():
            for link in article.author_links:
                if link.published_at != article.published_at:
                    link.published_at = article.published_at


event.listen(Session, "before_flush", _start_lists)

__all__ = ["ArticleAuthor", "AUTHORS_MAX"]
