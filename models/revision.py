"""An article's history (one snapshot per save) and the addresses it used to have."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.time import utcnow
from models.user import User


class Revision(db.Model):
    """The whole article as it stood after one save: who, when, what, and a JSON snapshot."""

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the save did, in the editor's words ("Titre modifié"), for the history list.
    summary: Mapped[str] = mapped_column(String(200), default="")
    # Article.snapshot(): headline, standfirst, section, status, published_at, slug,
    # sponsor, author bio, blocks. Older revisions lack the keys added since (slug,
    # sponsor, bio): a missing key means "not recorded", never "empty".
    snapshot: Mapped[dict] = mapped_column(JSON)

    author: Mapped[User | None] = relationship(lazy="joined")

    @classmethod
    def for_article(cls, article_id: int, limit: int = 50) -> list[Revision]:
        return db.session.scalars(
            select(cls)
            .where(cls.article_id == article_id)
            .order_by(cls.created_at.desc(), cls.id.desc())
            .limit(limit)
        ).all()


class ArticleSlugRedirect(db.Model):
    """An address a published article used to have: it answers with a 301 to the new one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    old_slug: Mapped[str] = mapped_column(String(200), unique=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = ["Revision", "ArticleSlugRedirect"]
