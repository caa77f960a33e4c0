"""Uploaded images: checked by their content, re-encoded, resized into responsive widths.

Nothing from an upload is kept as sent: Pillow decodes the pixels (refusing anything that is
not a whole JPEG, PNG or WebP image of sensible dimensions), turns them upright from the EXIF
orientation, and writes fresh WebP files. Re-encoding drops every piece of metadata (EXIF,
GPS position, XMP, comments) and anything smuggled after the image data.
"""

from __future__ import annotations

import io
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Formats accepted, by what Pillow decodes, never by file name or declared type. Only
# these decoders ever see an upload.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# A newsroom photo is rarely above 30 megapixels; beyond this, decoding could exhaust memory
# (a "decompression bomb": a small file declaring enormous dimensions). Pillow's own guard
# is set to the same figure, so a bomb it notices first is refused too.
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Widths offered to browsers through srcset; an image is never enlarged.
WIDTHS = (480, 800, 1200, 1600)
# The width the plain `src` points at, for browsers that ignore srcset.
FALLBACK_WIDTH = 800
OUTPUT_FORMAT, OUTPUT_CONTENT_TYPE, OUTPUT_EXTENSION = "WEBP", "image/webp", "webp"
WEBP_QUALITY = 80


class ImageRejected(ValueError):
    """An upload that is not an image we accept; the message says why, in French."""


@dataclass(frozen=True)
class StoredImage:
    token: str
    content_type: str
    width: int
    height: int
    variants: list[int]


def decode(data: bytes) -> Image.Image:
    """The upload's pixels, fully decoded, or ImageRejected with the reason."""
    if not data:
        raise ImageRejected(_("Le fichier est vide : choisissez une image JPEG, PNG ou WebP."))
    if looks_like_markup(data):
        raise ImageRejected(
            _(
                "Ce fichier est un document SVG ou HTML, pas une photo : "
                "choisissez une image JPEG, PNG ou WebP."
            )
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
                check_dimensions(probe)
                probe.verify()  # structure and checksums, before any pixel is decoded
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            image.load()  # the whole image: a truncated file fails here
    except ImageRejected:
        raise
    except UnidentifiedImageError:
        raise ImageRejected(_("Ce fichier n’est pas une image JPEG, PNG ou WebP.")) from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise too_many_pixels() from None
    except Exception:  # Pillow reports damaged data with many exception types
        raise ImageRejected(
            _("Cette image est incomplète ou endommagée : exportez-la à nouveau, puis réessayez.")
        ) from None
    return image


def looks_like_markup(data: bytes) -> bool:
    """SVG, HTML or XML renamed .jpg: refused with a message that says so."""
    start = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(b"<")


def check_dimensions(image: Image.Image) -> None:
    if image.width < 1 or image.height < 1:
        raise ImageRejected(_("Cette image est vide (aucun pixel)."))
    if image.width * image.height > MAX_PIXELS:
        raise too_many_pixels()


def too_many_pixels() -> ImageRejected:
    return ImageRejected(
        _(
            "Cette image est trop grande (%(max)d mégapixels au maximum) : "
            "réduisez-la avant de l’envoyer.",
            max=MAX_PIXELS // 1_000_000,
        )
    )


def upright(image: Image.Image) -> Image.Image:
    """Turned as the camera meant it, in a mode WebP can encode (RGB, or RGBA if transparent)."""
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    return image.convert("RGBA" if has_alpha else "RGB")


def variant_widths(width: int) -> list[int]:
    """The srcset widths for an image this wide: the standard ones below it, and its own."""
    widths = [w for w in WIDTHS if w < width]
    if width <= WIDTHS[-1] or not widths:
        widths.append(min(width, WIDTHS[-1]))
    return sorted(set(widths))


def store(data: bytes, folder: Path) -> StoredImage:
    """Decode, straighten and re-encode an upload into folder/<token>-<width>.webp files."""
    image = upright(decode(data))
    token = secrets.token_hex(16)
    folder.mkdir(parents=True, exist_ok=True)
    widths = variant_widths(image.width)
    for width in widths:
        height = max(1, round(image.height * width / image.width))
        resized = image if width == image.width else image.resize((width, height), Image.LANCZOS)
        write_atomically(
            folder / f"{token}-{width}.{OUTPUT_EXTENSION}",
            lambda out, img=resized: img.save(out, OUTPUT_FORMAT, quality=WEBP_QUALITY, method=4),
        )
    return StoredImage(token, OUTPUT_CONTENT_TYPE, image.width, image.height, widths)


def write_atomically(path: Path, write) -> None:
    """Write to a temporary name, then rename: a half-written file is never served."""
    temporary = path.with_name(f".{path.name}.part")
    with open(temporary, "wb") as out:
        write(out)
    os.replace(temporary, path)
