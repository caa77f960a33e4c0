"""Uploaded images: one row per upload, its files stored under MEDIA_ROOT by a random token.

Data and naming rules only: storing an upload, cropping it around its focal point (Pillow,
files, commit) is services/media.py's business.

The library (/redaction/medias) keeps, per image, default words (alt text, caption,
credit) that each use may replace, a focal point and three crops made around it. Which
articles use an image is MediaUse, the one rule for "where used": rebuilt from an article
by `record_media_uses(article)`, which Article.record_revision calls at the end of every
save (parts, blocks, restores), so the library, the refusal to delete an image in use and
the purge of the trash all read the same rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.text import fold
from models.time import utcnow

# Limits of the library's words (and of each use's own): the columns, forms and hints.
ALT_MAX = 400
CAPTION_MAX = 2_000
CREDIT_MAX = 200
# The crops made around the focal point: name -> (width, height) ratio. JSON-LD lists all
# three (Google's article guidelines ask for 1:1, 4:3 and 16:9); social cards use 16:9.
CROP_RATIOS = {"1x1": (1, 1), "4x3": (4, 3), "16x9": (16, 9)}
SOCIAL_CROP = "16x9"


class Media(db.Model):
    """An uploaded image, re-encoded into several widths: MEDIA_ROOT/<token>-<width>.<ext>.

    The token is random, never derived from the uploaded file's name, so a stored name can
    neither collide nor be chosen by the uploader; files are never rewritten, which lets
    browsers and proxies cache them for a year. A new focal point makes new crop files
    under new tokens for the same reason.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))  # after re-encoding: image/webp
    width: Mapped[int]  # of the upload once turned upright (EXIF orientation applied)
    height: Mapped[int]
    variants: Mapped[list] = mapped_column(JSON)  # stored widths, smallest first
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The library's words, offered as defaults to each new use (which may replace them).
    alt: Mapped[str] = mapped_column(String(ALT_MAX), default="")
    caption: Mapped[str] = mapped_column(Text, default="")
    credit: Mapped[str] = mapped_column(String(CREDIT_MAX), default="")
    # alt, caption and credit folded (models/text.fold): what the library's search reads.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Where the subject is, as fractions of the width and height (0..1; 0.5, 0.5: centre).
    focal_x: Mapped[float] = mapped_column(Float, default=0.5)
    focal_y: Mapped[float] = mapped_column(Float, default=0.5)
    # {"1x1": {"token", "width", "height" (of the widest file), "widths" (every stored
    # width, smallest first)}, "4x3": …, "16x9": …}; {} before any
    # crop was made (images uploaded before the library): readers then get the full image.
    crops: Mapped[dict] = mapped_column(JSON, default=dict)

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    def filename(self, width: int) -> str:
        return f"{self.token}-{width}.{self.extension}"

    def crop_filename(self, name: str, width: int | None = None) -> str | None:
        """The stored file of crop `name` ("16x9") at `width` (the widest when None), or
        None when that crop was never made."""
        crop = (self.crops or {}).get(name)
        return f"{crop['token']}-{width or crop['width']}.{self.extension}" if crop else None

    def height_at(self, width: int) -> int:
        """A variant's height: the upload's proportions at that width."""
        return max(1, round(self.height * width / self.width))

    def describe(self, alt: str, caption: str, credit: str) -> None:
        """Set the library's words (already cleaned by the form) and their search text."""
        self.alt, self.caption, self.credit = alt, caption, credit
        self.search_text = fold(" ".join((alt, caption, credit)))

    @classmethod
    def by_token(cls, token: str | None) -> Media | None:
        if not token:
            return None
        return db.session.scalar(select(cls).filter_by(token=token))

    @classmethod
    def search(cls, words: str):
        """A select() of the images whose alt, caption or credit hold every word of `words`,
        accents and case aside (models/text.fold); every image for blank `words`."""
        statement = select(cls)
        # PostgreSQL refuses NUL in a string; no stored text holds one (models/text).
        for word in fold(words.replace("\x00", " ")).split()[:10]:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            statement = statement.where(cls.search_text.like(f"%{escaped}%", escape="\\"))
        return statement


class MediaUse(db.Model):
    """One use of an image by an article: as its lead image, or in an image block.

    Rebuilt for an article by record_media_uses() at every save; deleted with the article
    (ON DELETE CASCADE). An image with no row here is used by no article.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(8))  # "lead" or "block"
    # The block's id (blocks are rebuilt by a restore: an id, not a foreign key).
    block_id: Mapped[int | None]

    __table_args__ = (
        Index("ix_media_use_media", "media_id", "article_id"),
        Index("ix_media_use_article", "article_id"),
    )

    @classmethod
    def article_ids(cls, media_id: int) -> list[int]:
        """The ids of the articles using image `media_id` (each once), oldest first."""
        statement = select(cls.article_id).where(cls.media_id == media_id).distinct()
        return sorted(db.session.scalars(statement))

    @classmethod
    def used_ids(cls, media_ids) -> set[int]:
        """Which of `media_ids` some article uses."""
        ids = list(media_ids)
        if not ids:
            return set()
        return set(db.session.scalars(select(cls.media_id).where(cls.media_id.in_(ids))))


def record_media_uses(article) -> None:
    """Rebuild `article`'s MediaUse rows from its lead image and its image blocks.

    `article` is a flushed Article (it has an id, its blocks have ids). Image blocks name
    their image by token (block.data["media"]); blocks whose image is gone are skipped.
    Adds to the session, does not commit: the caller's save commits it with the rest.
    """
    db.session.flush()  # new blocks get their ids
    db.session.execute(
        delete(MediaUse)
        .where(MediaUse.article_id == article.id)
        # A save never loads these rows: nothing in the session to keep in step, and
        # looking (the default) walked every object the save had loaded.
        .execution_options(synchronize_session=False)
    )
    tokens: dict[str, list[int]] = {}
    for block in article.blocks:
        token = (block.data or {}).get("media") if block.kind == "image" else None
        if token:
            tokens.setdefault(token, []).append(block.id)
    ids = dict(
        db.session.execute(select(Media.token, Media.id).where(Media.token.in_(tokens))).all()
        if tokens
        else []
    )
    rows = []
    if article.lead_media_id is not None:
        rows.append(MediaUse(article_id=article.id, media_id=article.lead_media_id, role="lead"))
    for token, block_ids in tokens.items():
        if token in ids:
            rows += [
                MediaUse(article_id=article.id, media_id=ids[token], role="block", block_id=b)
                for b in block_ids
            ]
    db.session.add_all(rows)


# The formats uploads are re-encoded into, and the file extension each is stored under.
EXTENSIONS = {"image/webp": "webp", "image/jpeg": "jpg"}
CONTENT_TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}

__all__ = [
    "Media",
    "MediaUse",
    "record_media_uses",
    "EXTENSIONS",
    "CONTENT_TYPES",
    "ALT_MAX",
    "CAPTION_MAX",
    "CREDIT_MAX",
    "CROP_RATIOS",
    "SOCIAL_CROP",
]
