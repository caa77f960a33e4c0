"""Uploaded images: their addresses, and the route that serves their files to readers.

Serving is public: images are read by anyone, like the articles they illustrate. Uploading
happens through the editor's block forms (views/editor/forms.py, ImageForm), behind the editor's checks
of who may edit the article.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory, url_for

from models.media import CONTENT_TYPES, CROP_RATIOS, Media
from services.images import FALLBACK_WIDTH
from services.media import block_image_data
from views.urls import absolute_url_for

# <32 hex digits>-<width>.<extension>: the only names ever stored, so nothing else is served.
STORED_NAME = re.compile(r"(?P<token>[0-9a-f]{32})-(?P<width>[1-9][0-9]{0,4})\.(?P<ext>[a-z]+)")
# The name of a stored file never changes its content (the token is random and new for each
# upload), so readers' browsers and proxies may keep it for a year.
IMMUTABLE = "public, max-age=31536000, immutable"


bp = Blueprint("media", __name__)


def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def media_url(media: Media, width: int) -> str:
    return url_for("media.serve", name=media.filename(width))


@bp.app_template_global()
def image_sources(media: Media) -> dict:
    """src, srcset, width and height of the whole image (its own proportions), for <img>."""
    data = block_image_data(media)
    del data["media"]
    return data


@bp.app_template_global()
def crop_sources(media: Media, name: str) -> dict:
    """src, srcset, width and height of crop `name` ("4x3"); the whole image if not made."""
    crop = (media.crops or {}).get(name)
    if not crop:
        return image_sources(media)
    widths = crop.get("widths", [crop["width"]])
    fallback = next((w for w in widths if w >= FALLBACK_WIDTH), widths[-1])
    url = lambda width: url_for("media.serve", name=media.crop_filename(name, width))  # noqa: E731
    return {
        "src": url(fallback),
        "srcset": ", ".join(f"{url(w)} {w}w" for w in widths),
        "width": fallback,
        "height": max(1, round(crop["height"] * fallback / crop["width"])),
    }


def crop_files(media: Media) -> list[tuple[str, int, int]]:
    """(file name, width, height) of each crop's widest file, 16:9 first; the widest
    variant alone when no crop was made. For JSON-LD, social cards and feeds."""
    files = [
        (media.crop_filename(name), crop["width"], crop["height"])
        for name in reversed(CROP_RATIOS)
        if (crop := (media.crops or {}).get(name))
    ]
    widest = media.variants[-1]
    return files or [(media.filename(widest), widest, media.height_at(widest))]


@bp.app_template_global()
def enclosure(media: Media | None) -> dict | None:
    """A feed's enclosure for a lead image: its 16:9 crop's full URL, size in bytes, type.

    None without an image, or when the file is missing from MEDIA_ROOT (a feed must
    not announce a length it cannot vouch for).
    """
    if media is None:
        return None
    name = crop_files(media)[0][0]
    try:
        length = (media_root() / name).stat().st_size
    except OSError:
        return None
    url = absolute_url_for("media.serve", name=name)
    return {"url": url, "length": length, "type": media.content_type}


@bp.get("/medias/<name>")
def serve(name: str):
    """One stored width of an uploaded image, with its real type, cached for a year."""
    match = STORED_NAME.fullmatch(name)
    if match is None or match["ext"] not in CONTENT_TYPES:
        abort(404)
    response = send_from_directory(
        media_root(), name, mimetype=CONTENT_TYPES[match["ext"]], max_age=31536000
    )
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response
