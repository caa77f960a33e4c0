"""Uploaded images: one row per upload, its files stored under MEDIA_ROOT by a random token.

Data and naming rules only: storing an upload (Pillow, files, commit) is
services/media.py's store_upload().
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.time import utcnow


class Media(db.Model):
    """An uploaded image, re-encoded into several widths: MEDIA_ROOT/<token>-<width>.<ext>.

    The token is random, never derived from the uploaded file's name, so a stored name can
    neither collide nor be chosen by the uploader; files are never rewritten, which lets
    browsers and proxies cache them for a year.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))  # after re-encoding: image/webp
    width: Mapped[int]  # of the upload once turned upright (EXIF orientation applied)
    height: Mapped[int]
    variants: Mapped[list] = mapped_column(JSON)  # stored widths, smallest first
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    def filename(self, width: int) -> str:
        return f"{self.token}-{width}.{self.extension}"

    def height_at(self, width: int) -> int:
        """A variant's height: the upload's proportions at that width."""
        return max(1, round(self.height * width / self.width))

    @classmethod
    def by_token(cls, token: str | None) -> Media | None:
        if not token:
            return None
        return db.session.scalar(select(cls).filter_by(token=token))


# The formats uploads are re-encoded into, and the file extension each is stored under.
EXTENSIONS = {"image/webp": "webp", "image/jpeg": "jpg"}
CONTENT_TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}

__all__ = ["Media", "EXTENSIONS", "CONTENT_TYPES"]
