"""What an import from another system leaves behind: where each imported row came from,
so a second run updates instead of duplicating, and the old addresses readers and search
engines still know.

Data only: reading an export and loading it is services/wordpress/'s business.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.time import utcnow

# Longest old address kept (path and query); a WordPress permalink is far shorter.
OLD_PATH_MAX = 500
SITE_MAX = 255


class LegacyRedirect(db.Model):
    """An address an article had on the old site ("/2019/03/14/mon-titre", "/?p=42"): it
    answers 301 to the article's address here, while no route of Gazette claims it.

    `old_path` is normalised by `normalise_path` (no trailing slash, query kept only for
    WordPress's plain `?p=N` form); read by the 404 page (app.register_error_pages).
    """

    __tablename__ = "legacy_redirect"

    id: Mapped[int] = mapped_column(primary_key=True)
    old_path: Mapped[str] = mapped_column(String(OLD_PATH_MAX), unique=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @staticmethod
    def normalise_path(path: str) -> str:
        """ "/2019/03/titre/" and "/2019/03/titre" are one address; "/" stays "/"."""
        return path.rstrip("/") or "/"

    @classmethod
    def article_id_for(cls, path: str) -> int | None:
        """The article an old address leads to (one indexed lookup), or None."""
        if len(path) > OLD_PATH_MAX:
            return None
        return db.session.scalar(
            select(cls.article_id).where(cls.old_path == cls.normalise_path(path))
        )


class WordPressOrigin(db.Model):
    """One row imported from a WordPress site: `kind` ("author", "category", "tag",
    "post", "attachment") and its WordPress id on `site` (the export's base site URL) map
    to `object_id`, the id of the row it became here (User, Section, Tag, Article, Media).

    Not a foreign key (it points at several tables): a row deleted here since is noticed
    by the importer, which then imports it again.

    `revision_id` (posts only, else None) is the id of the Revision the import wrote when
    it last created or updated the article: while it is still the article's newest
    revision, nobody saved the article in Gazette since (every save, trash included,
    records one: Article.record_revision), so a re-run may update it; otherwise the
    newsroom's work wins and the re-run leaves the article alone. Not a foreign key
    either: revisions go with their article.
    """

    __tablename__ = "wordpress_origin"

    id: Mapped[int] = mapped_column(primary_key=True)
    site: Mapped[str] = mapped_column(String(SITE_MAX))
    kind: Mapped[str] = mapped_column(String(16))
    wp_id: Mapped[int] = mapped_column(BigInteger)  # WordPress ids are BIGINT UNSIGNED
    object_id: Mapped[int]
    revision_id: Mapped[int | None]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("site", "kind", "wp_id"),)

    @classmethod
    def known(cls, site: str, kind: str) -> dict[int, int]:
        """{WordPress id: object id} of everything of `kind` imported from `site`."""
        rows = db.session.execute(
            select(cls.wp_id, cls.object_id).where(cls.site == site, cls.kind == kind)
        )
        return dict(rows.tuples().all())

    @classmethod
    def known_one(cls, site: str, kind: str, wp_id: int) -> int | None:
        """The object id (site, kind, wp_id) was imported as, or None."""
        return db.session.scalar(
            select(cls.object_id).where(cls.site == site, cls.kind == kind, cls.wp_id == wp_id)
        )


__all__ = ["LegacyRedirect", "WordPressOrigin", "OLD_PATH_MAX"]
