"""Preview links: a secret address that shows an unpublished article to anyone who has it.

An editor sends a source, a lawyer or a colleague without an account the article as
readers will see it, before it is published. The link is a random token of 256 bits
(secrets.token_urlsafe); only its SHA-256 is stored, so the table alone (a backup, a
leaked dump) opens no preview. The address is therefore shown once, when the link is
made: Gazette cannot show it again, and an editor who lost it makes another.

A link expires by itself (1 h, 24 h or 7 days, PREVIEW_DURATIONS) and can be revoked
earlier; at most MAX_ACTIVE_LINKS are active per article at once. What a link opens is
decided by `PreviewLink.opening(token)`, the one rule the public view reads.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from models import db
from models.content import Article
from models.time import utcnow
from models.user import User

# The durations an editor chooses from, by the form's value: "24h" lasts 24 hours.
PREVIEW_DURATIONS: dict[str, timedelta] = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7j": timedelta(days=7),
}
DEFAULT_DURATION = "24h"
# Links that are neither expired nor revoked, per article: enough for a newsroom, and a
# bound on what a forgotten script or a stuck button could pile up.
MAX_ACTIVE_LINKS = 20
# secrets.token_urlsafe(32): 32 random bytes, 43 URL-safe base64 characters.
TOKEN_BYTES = 32
TOKEN_LENGTH = 43
TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class PreviewLimitReached(Exception):
    """The article already has MAX_ACTIVE_LINKS active links: revoke one first."""


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256, 64 hexadecimal characters.

    A plain hash is enough (no salt, no slow hash): the token is 256 random bits, not a
    password anyone could guess, and the lookup must find the row from the token alone.
    """
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Whether `token` could be one Gazette made: the right length and alphabet.

    Anything else (too long, unicode, spaces) is not looked up at all.
    """
    return len(token) == TOKEN_LENGTH and set(token) <= TOKEN_ALPHABET


@dataclass(frozen=True)
class Opening:
    """What a token opens: `state` is "preview", "published", "trashed", "revoked",
    "expired" or "unknown"; `link` and `article` are None for "unknown"."""

    state: str
    link: PreviewLink | None = None
    article: Article | None = None


class PreviewLink(db.Model):
    """One secret address showing one article before publication, until it expires."""

    __tablename__ = "preview_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Deleting the article deletes its links (the database cascades).
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # None once the account that made it is deleted; the link itself stays valid.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Article.preview_links (newest first), declared from here so that the article's
    # editors see its links; the database deletes them with the article.
    article: Mapped[Article] = relationship(
        backref=backref(
            "preview_links",
            order_by="PreviewLink.id.desc()",
            cascade="all, delete-orphan",
            passive_deletes=True,
        )
    )
    created_by: Mapped[User | None] = relationship(lazy="joined")

    # The article's list (newest first) and the count of its active links.
    __table_args__ = (Index("ix_preview_link_article_id", "article_id", "id"),)

    # ----------------------------------------------------------------- state

    def is_active(self, now: datetime | None = None) -> bool:
        """Neither revoked nor past its expiry at `now` (naive UTC; default: now)."""
        now = now or utcnow()
        return self.revoked_at is None and self.expires_at > now

    def state(self, now: datetime | None = None) -> str:
        """ "active", "revoked" or "expired" at `now` (naive UTC; default: now). A link
        revoked before it expired stays "revoked" afterwards."""
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.is_active(now) else "expired"

    def revoke(self, now: datetime | None = None) -> None:
        """Close the link at once; revoking it again keeps the first revocation's time."""
        if self.revoked_at is None:
            self.revoked_at = now or utcnow()

    # ----------------------------------------------------------------- making, finding

    @classmethod
    def issue(
        cls, article: Article, by: User | None, duration: str, now: datetime | None = None
    ) -> tuple[PreviewLink, str]:
        """A new link to `article`, made by `by`, lasting PREVIEW_DURATIONS[`duration`].

        Returns (link, token): the token is the secret part of the address, returned only
        here and never stored. The link is added to the session, not committed. Raises
        KeyError for a duration not in PREVIEW_DURATIONS, PreviewLimitReached when the
        article already has MAX_ACTIVE_LINKS active links. Whether the article may be
        previewed (a draft or scheduled) is the caller's question.
        """
        lasting = PREVIEW_DURATIONS[duration]
        now = now or utcnow()
        if cls.active_count(article.id, now) >= MAX_ACTIVE_LINKS:
            raise PreviewLimitReached
        token = secrets.token_urlsafe(TOKEN_BYTES)
        link = cls(
            article_id=article.id,
            token_hash=hash_token(token),
            expires_at=now + lasting,
            created_by_id=by.id if by is not None else None,
            created_at=now,
        )
        db.session.add(link)
        return link, token

    @classmethod
    def active_count(cls, article_id: int, now: datetime | None = None) -> int:
        now = now or utcnow()
        return db.session.scalar(
            select(func.count(cls.id)).where(
                cls.article_id == article_id,
                cls.revoked_at.is_(None),
                cls.expires_at > now,
            )
        )

    @classmethod
    def active_for(cls, article_id: int, now: datetime | None = None) -> list[PreviewLink]:
        """The article's active links, newest first (at most MAX_ACTIVE_LINKS)."""
        now = now or utcnow()
        return db.session.scalars(
            select(cls)
            .where(cls.article_id == article_id, cls.revoked_at.is_(None), cls.expires_at > now)
            .order_by(cls.id.desc())
        ).all()

    @classmethod
    def by_token(cls, token: str) -> PreviewLink | None:
        """The link whose token this is, or None (junk is not even looked up)."""
        if not looks_like_token(token):
            return None
        return db.session.scalar(select(cls).where(cls.token_hash == hash_token(token)))

    @classmethod
    def opening(cls, token: str, now: datetime | None = None) -> Opening:
        """What `token` opens at `now` (naive UTC; default: now), the one rule for it:

        - "unknown": no such link (junk, a typo, or its article was deleted);
        - "revoked" / "expired": the link is closed, whatever became of the article;
        - "trashed": the article is in the trash (410, like its own address);
        - "published": the article is live now, so readers see it at its own address;
        - "preview": a draft or a scheduled article, shown to whoever has the link.
        """
        link = cls.by_token(token)
        if link is None:
            return Opening("unknown")
        state = link.state(now)
        if state != "active":
            return Opening(state, link, link.article)
        article = link.article
        if article.is_trashed:
            return Opening("trashed", link, article)
        return Opening("published" if article.is_live else "preview", link, article)


__all__ = [
    "PreviewLink",
    "PreviewLimitReached",
    "Opening",
    "PREVIEW_DURATIONS",
    "DEFAULT_DURATION",
    "MAX_ACTIVE_LINKS",
    "hash_token",
]
