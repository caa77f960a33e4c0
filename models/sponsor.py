"""Sponsors: who paid for a sponsored article, shown to readers as such.

No logo image: the CSP allows images from this site only (img-src 'self'), so a logo
would have to be uploaded and stored here; until the media library can hold it, a
sponsor is a name and a link, which is also what readers need to see who paid.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.time import utcnow

SPONSOR_NAME_MAX = 160
SPONSOR_LINK_MAX = 500


def is_web_link(value: str) -> bool:
    """An absolute http(s) address with a host: the only kind a sponsor's link may be."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(c.isspace() or ord(c) < 32 for c in value)
    )


class Sponsor(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(SPONSOR_NAME_MAX))
    # Empty, or an http(s) address (checked by is_web_link before it is stored).
    link: Mapped[str] = mapped_column(String(SPONSOR_LINK_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The won inquiry this sponsor came from, if any: one sponsor per inquiry.
    inquiry_id: Mapped[int | None] = mapped_column(
        ForeignKey("sponsorship_inquiry.id", ondelete="SET NULL"), unique=True
    )

    @classmethod
    def all_by_name(cls) -> list[Sponsor]:
        return db.session.scalars(select(cls).order_by(func.lower(cls.name), cls.id)).all()

    @classmethod
    def for_inquiry(cls, inquiry_id: int) -> Sponsor | None:
        return db.session.scalar(select(cls).filter_by(inquiry_id=inquiry_id))


__all__ = ["Sponsor", "is_web_link"]
