"""The curated front page ("À la une"): pinned stories and the sections shown below.

The front page reads, top down: the lead story (the pin at position 0), a row of
featured stories (the other pins, in order), the latest live articles not already
shown, then one block per chosen section (FrontSection, in order) with its latest
articles. A pin may expire (`expires_at`, naive UTC): from then on it is ignored, as a
scheduled article goes live, with no job to run. Only live articles are shown: a pinned
article that is unpublished or trashed leaves the front page at once, and comes back to
its place if it is published again before the pin expires.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.content import Article, Section
from models.time import utcnow

# The lead story and at most this many featured stories after it.
FEATURED_MAX = 4
PINS_MAX = 1 + FEATURED_MAX
# Articles shown in each section block of the front page.
SECTION_BLOCK_SIZE = 4


class FrontPin(db.Model):
    """An article pinned to the front page at `position` (0: the lead story)."""

    __tablename__ = "front_pin"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), unique=True
    )
    position: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime | None]
    pinned_at: Mapped[datetime] = mapped_column(default=utcnow)
    pinned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    article: Mapped[Article] = relationship(lazy="joined")

    @property
    def has_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()


class FrontSection(db.Model):
    """A section given its own block on the front page, at `position` (0 first)."""

    __tablename__ = "front_section"

    section_id: Mapped[int] = mapped_column(
        ForeignKey("section.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(default=0)

    section: Mapped[Section] = relationship(lazy="joined")


__all__ = ["FrontPin", "FrontSection", "FEATURED_MAX", "PINS_MAX", "SECTION_BLOCK_SIZE"]
