"""Uploads and the media library: an image's files stored under MEDIA_ROOT
(services/images.py), its Media row, its crops, and deleting what no article uses.

Kept out of models/media.py so that importing a model never loads Pillow and models
import nothing from services. Who uses an image is MediaUse (models/media.py), the one
rule that the library, the refusal to delete and the purge of the trash all read.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from flask import url_for
from sqlalchemy import delete, select

from models import Article, db
from models.media import CROP_RATIOS, Media, MediaUse
from services import images, page_cache


class MediaInUse(Exception):
    """Deleting an image some article uses: `articles` are those articles."""

    def __init__(self, articles: list[Article]):
        super().__init__(f"image used by {len(articles)} article(s)")
        self.articles = articles


def store_upload(
    data: bytes,
    folder: Path,
    uploaded_by_id: int | None,
    *,
    alt: str = "",
    caption: str = "",
    credit: str = "",
    commit: bool = True,
) -> Media:
    """Check and store an upload (images.store), crop it, then commit its Media row at once.

    `data` is the uploaded file's bytes, `folder` the MEDIA_ROOT directory (created if
    missing), `uploaded_by_id` the uploader's user id; `alt`, `caption`, `credit` (cleaned
    text) become the library's words for it. Committed straight away so that a form coming
    back with an error (a missing alt text) keeps the image: the form carries its token,
    and nothing must be sent again. `commit=False` (an import, which commits once at its
    end) only flushes the row; its files are stored_names() + crop_names(). Raises
    images.ImageRejected, and stores nothing, when the upload is refused.
    """
    stored = images.store(data, folder)
    media = Media(
        token=stored.token,
        content_type=stored.content_type,
        width=stored.width,
        height=stored.height,
        variants=stored.variants,
        uploaded_by_id=uploaded_by_id,
        focal_x=0.5,
        focal_y=0.5,
    )
    media.describe(alt, caption, credit)
    media.crops = make_crops(media, folder)
    db.session.add(media)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return media


def block_image_data(media: Media) -> dict:
    """What an image block stores about its image, everything reading/blocks/_image.html
    needs: {"media": token, "src": URL of the fallback width, "srcset": "URL 400w, …",
    "width", "height": pixels of the fallback}. Needs an app context (url_for)."""
    fallback = next((w for w in media.variants if w >= images.FALLBACK_WIDTH), media.variants[-1])

    def address(width: int) -> str:
        return url_for("media.serve", name=media.filename(width), _external=False)

    return {
        "media": media.token,
        "src": address(fallback),
        "srcset": ", ".join(f"{address(w)} {w}w" for w in media.variants),
        "width": fallback,
        "height": media.height_at(fallback),
    }


def make_crops(media: Media, folder: Path) -> dict:
    """Media.crops for `media`'s focal point, from its widest stored variant (new files)."""
    source = folder / media.filename(media.variants[-1])
    crops = images.store_crops(source, folder, CROP_RATIOS, (media.focal_x, media.focal_y))
    return {
        name: {
            "token": crop.token,
            "width": crop.width,
            "height": crop.height,
            "widths": crop.widths,
        }
        for name, crop in crops.items()
    }


def set_focal_point(media: Media, x: float, y: float, folder: Path) -> None:
    """Move the focal point to (x, y) (fractions 0..1) and crop again, then commit.

    New crops get new tokens (stored files never change: they are cached for a year);
    the old crop files are deleted once the new ones are committed, and the pages of the
    articles using the image are invalidated. Raises ValueError for a point outside 0..1
    (or not a number) and changes nothing then.
    """
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise ValueError("focal point outside 0..1")
    old = crop_names(media)
    media.focal_x, media.focal_y = x, y
    media.crops = make_crops(media, folder)
    db.session.commit()
    remove_files(folder, old)
    invalidate_pages_using(media)


def describe(media: Media, alt: str, caption: str, credit: str) -> None:
    """Change the library's words for `media` (cleaned text), commit, invalidate its pages.

    Articles keep the words of their own uses; the pages are invalidated all the same
    (an image block or lead image may show the library's credit as a default).
    """
    media.describe(alt, caption, credit)
    db.session.commit()
    invalidate_pages_using(media)


def invalidate_pages_using(media: Media) -> None:
    """The page cache forgets every page that showed an article using `media`."""
    page_cache.bump({f"article:{article_id}" for article_id in MediaUse.article_ids(media.id)})


def articles_using(media: Media) -> list[Article]:
    """The articles using `media` (lead image or image block), newest first."""
    ids = MediaUse.article_ids(media.id)
    if not ids:
        return []
    statement = select(Article).where(Article.id.in_(ids)).order_by(Article.id.desc())
    return list(db.session.scalars(statement).unique())


def delete_media(media: Media, folder: Path) -> None:
    """Delete an image no article uses: its row, then its files. Commits.

    Raises MediaInUse (listing the articles) and changes nothing when some article uses it.
    """
    articles = articles_using(media)
    if articles:
        raise MediaInUse(articles)
    names = stored_names(media)
    db.session.delete(media)
    db.session.commit()
    remove_files(folder, names)


def media_ids_of(article_ids) -> set[int]:
    """The images these articles use: what the purge of the trash passes to discard_unused()
    once the articles are deleted (their MediaUse rows go with them)."""
    ids = list(article_ids)
    if not ids:
        return set()
    statement = select(MediaUse.media_id).where(MediaUse.article_id.in_(ids))
    return set(db.session.scalars(statement))


def discard_unused(media_ids, folder: Path | None = None) -> int:
    """Delete the rows and files of those of `media_ids` that no article uses; commits.

    For the purge of the trash: called with the images of the articles it removed, after
    removing them (their MediaUse rows went with them). `folder` is MEDIA_ROOT (the app's
    setting when None; needs an app context then). Returns how many images were deleted.
    """
    from flask import current_app  # only when no folder is given

    ids = set(media_ids)
    unused = ids - MediaUse.used_ids(ids)
    if not unused:
        return 0
    folder = folder or Path(current_app.config["MEDIA_ROOT"])
    doomed = db.session.scalars(select(Media).where(Media.id.in_(unused))).all()
    names = [name for media in doomed for name in stored_names(media)]
    # Articles that merely point at it (a lead image of a purged article's revision…):
    # none may, since MediaUse has no row; a stale lead_media_id is cleared by the FK.
    db.session.execute(delete(Media).where(Media.id.in_([m.id for m in doomed])))
    db.session.commit()
    remove_files(folder, names)
    return len(doomed)


def stored_names(media: Media) -> list[str]:
    """Every file stored for `media`: its widths and its crops."""
    return [media.filename(width) for width in media.variants] + crop_names(media)


def crop_names(media: Media) -> list[str]:
    """Every file stored for `media`'s crops."""
    return [
        media.crop_filename(name, width)
        for name, crop in (media.crops or {}).items()
        for width in crop.get("widths", [crop["width"]])
    ]


def remove_files(folder: Path, names: list[str]) -> None:
    """Delete these stored files; one already gone is no error."""
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            (folder / name).unlink()
