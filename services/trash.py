"""The trash: moving an article into it, taking it out, and purging what stayed too long.

Trashing changes two columns (Article.trashed_at, trashed_by_id) and nothing else, so
that restoring puts the article back exactly as it was: status, publication date, slug,
blocks, corrections, old addresses. Article.is_live leaves trashed articles out, so
every reader page, list, feed, sitemap and search drops one at the commit, and the page
cache follows by itself (trashed_at is one of services/page_cache.LISTING_COLUMNS, like
status: trashing invalidates exactly what unpublishing does).

Each move records a revision ("Mis à la corbeille", "Restauré") without the "Mis à jour
le …" a text change earns. The journal records trash and restore as the requests that
did them (views/audit_trail.py); a purge, which runs from the command line, records one
event per article itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select

from models import Article, audit, db
from models.time import utcnow
from models.user import User
from services.media import discard_unused, media_ids_of

PURGE_ACTION = "articles.purge"  # the journal's name for a purge (views/audit.ACTION_LABELS)


def trash(article: Article, by: User | None) -> None:
    """Move `article` to the trash, with its revision; the caller commits.

    Raises ValueError if it is already in the trash.
    """
    article.trash(by)
    article.record_revision(by, gettext("Mis à la corbeille"), mark_edited=False)


def restore(article: Article, by: User | None) -> None:
    """Take `article` out of the trash, as it was, with its revision; the caller commits.

    Raises ValueError if it is not in the trash.
    """
    article.restore_from_trash()
    article.record_revision(by, gettext("Restauré"), mark_edited=False)


@dataclass
class Purged:
    """What a purge removed (or, dry run, would remove).

    `article_ids`: the purged articles' ids, oldest trashed first; `headlines`: id ->
    headline, for the summary; `media_ids`: the images they used (lead image or image
    blocks, from MediaUse), whether or not another article uses them too;
    `media_deleted`: how many of those were deleted with them, because no other article
    uses them (0 on a dry run).
    """

    article_ids: list[int] = field(default_factory=list)
    headlines: dict[int, str] = field(default_factory=dict)
    media_ids: set[int] = field(default_factory=set)
    media_deleted: int = 0


def purgeable(days: int, now: datetime | None = None):
    """A select() of the articles trashed more than `days` days before `now` (naive UTC)."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    return (
        select(Article)
        .where(Article.trashed_at.is_not(None), Article.trashed_at < cutoff)
        .order_by(Article.trashed_at, Article.id)
    )


def purge(days: int, *, now: datetime | None = None, dry_run: bool = False) -> Purged:
    """Delete for good the articles trashed more than `days` days ago, and commit.

    Their blocks, revisions, corrections and old addresses go with them (cascades); the
    search index and the page cache follow the deletion by themselves. One journal event
    per article ("articles.purge", target "article:<id>", its headline's length only:
    never text). `dry_run`: nothing is deleted, the answer says what would be.

    Their images go too, files included, unless another article (trashed or not) still
    uses them: services.media.discard_unused, after the articles' commit. Needs an app
    context (MEDIA_ROOT).
    """
    articles = db.session.scalars(purgeable(days, now)).all()
    purged = Purged(
        article_ids=[a.id for a in articles],
        headlines={a.id: a.headline for a in articles},
        media_ids=media_ids_of(a.id for a in articles),
    )
    if dry_run or not articles:
        return purged
    for article in articles:
        audit.record(PURGE_ACTION, target=f"article:{article.id}", detail={"jours": str(days)})
        db.session.delete(article)
    db.session.commit()
    purged.media_deleted = discard_unused(purged.media_ids)
    return purged
