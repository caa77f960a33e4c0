"""Corrections: dated notes appended to a published article, never edited away."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.content import Article, ArticleStatus
from models.time import utcnow
from models.user import User

CORRECTION_MAX = 2_000


class Correction(db.Model):
    """What was wrong and what is right now, in plain text, signed and dated."""

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    # Plain text (richtext.clean_html(…, "plain")): Jinja escapes it on display.
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    article: Mapped[Article] = relationship(back_populates="corrections", lazy="joined")
    author: Mapped[User | None] = relationship()

    # The /corrections page reads newest first by (created_at, id): keyset pagination.
    __table_args__ = (Index("ix_correction_created", "created_at", "id"),)

    @classmethod
    def published_page(cls, limit: int, before: tuple[datetime, int] | None = None):
        """Corrections of live articles, newest first, starting after the `before` key."""
        query = (
            select(cls)
            .join(cls.article)
            .where(Article.status == ArticleStatus.PUBLISHED, Article.published_at <= utcnow())
            .order_by(cls.created_at.desc(), cls.id.desc())
            .limit(limit)
        )
        if before is not None:
            when, last_id = before
            query = query.where(
                (cls.created_at < when) | ((cls.created_at == when) & (cls.id < last_id))
            )
        return db.session.scalars(query).unique().all()


__all__ = ["Correction", "CORRECTION_MAX"]
