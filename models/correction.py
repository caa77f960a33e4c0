"""Corrections: dated notes appended to a published article, never edited away."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.content import Article
from models.listing import Cursor, Keyset
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
    def live_page(
        cls, per_page: int, before: Cursor | None = None
    ) -> tuple[list[Correction], Cursor | None]:
        """Up to `per_page` corrections of live articles, newest first by (created_at, id),
        strictly past `before`; and the cursor of the next page, None when there is none.
        """
        statement = select(cls).join(cls.article).where(Article.is_live)
        return CORRECTION_ORDER.page(statement, per_page, before)


CORRECTION_ORDER = Keyset(id=Correction.id, at=Correction.created_at)

__all__ = ["Correction", "CORRECTION_MAX", "CORRECTION_ORDER"]
