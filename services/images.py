"""Uploaded images: checked by their content, re-encoded, resized into responsive widths.

Nothing from an upload is kept as sent: Pillow decodes the pixels (refusing anything that is
not a whole, still JPEG, PNG or WebP image of sensible dimensions), turns them upright from the
EXIF orientation, converts their colours to sRGB from the embedded ICC profile, brings every
pixel format to 8 bits per channel, and writes fresh WebP files. Re-encoding drops every piece
of metadata (EXIF, GPS position, XMP, comments, the ICC profile once applied) and anything
smuggled after the image data.

Colours: a photo is tagged with the colour space its numbers are in (Display P3 on every
recent iPhone, Adobe RGB or ProPhoto from cameras and agencies, a CMYK press profile on
agency CMYK JPEGs). The same numbers mean different colours in each, so the numbers are
converted to sRGB with LittleCMS (Pillow's ImageCms) and stored untagged: browsers read an
untagged image as sRGB (CSS Color 4, §"sRGB as the default"; the WebP container spec), so the
reader sees what the photographer saw, within what sRGB can show.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

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
# What every stored image is in; built once (LittleCMS's own sRGB, IEC 61966-2-1).
SRGB = ImageCms.createProfile("sRGB")
# The Pillow mode whose pixels an ICC profile's colour space describes (ICC.1 table 19).
PROFILE_MODES = {"RGB": "RGB", "CMYK": "CMYK", "GRAY": "L"}
# Perceptual: the intent ICC.1 names for photographs, and the default of LittleCMS and of
# colour-managed browsers for images. A press (CMYK) profile's table then maps paper and ink
# gently into sRGB; for matrix profiles (P3, Adobe RGB, ProPhoto) it is colorimetric: colours
# sRGB can show are kept exactly, the others clipped to the nearest it can.
RENDERING_INTENT = ImageCms.Intent.PERCEPTUAL
# 16-bit samples (0-65535) to 8 bits (0-255): 65535 / 255.
SIXTEEN_TO_EIGHT_BITS = 257


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
                check_still(probe)
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


def check_still(image: Image.Image) -> None:
    """Refuse an animation (animated WebP, APNG): storing it would silently keep frame one.

    Stored images are single WebP stills, resized into several widths; an animation would
    lose every frame but the first without anyone noticing. GIF, animated or not, is not an
    accepted format at all. A PNG or WebP holding one frame is a still image.
    """
    frames = getattr(image, "n_frames", 1)
    if frames > 1:
        raise ImageRejected(
            _(
                "Cette image est animée (%(frames)d images) : Gazette ne publie que des images "
                "fixes et n’en garderait que la première. Envoyez une image fixe en JPEG, PNG "
                "ou WebP.",
                frames=frames,
            )
        )


def too_many_pixels() -> ImageRejected:
    return ImageRejected(
        _(
            "Cette image est trop grande (%(max)d mégapixels au maximum) : "
            "réduisez-la avant de l’envoyer.",
            max=MAX_PIXELS // 1_000_000,
        )
    )


def upright(image: Image.Image) -> Image.Image:
    """The decoded upload as it is stored: upright, sRGB, 8 bits, "RGB" or "RGBA" mode.

    Turned as the camera meant it (EXIF orientation), every pixel format brought to 8 bits
    per channel (eight_bit), colours converted to sRGB from the embedded ICC profile
    (to_srgb); transparency is kept (RGBA), anything else is RGB.
    """
    profile = image.info.get("icc_profile")  # read first: turning the image may drop it
    image = ImageOps.exif_transpose(image)
    colour, alpha = eight_bit(image)
    image = to_srgb(colour, profile)
    if alpha is not None:
        image.putalpha(alpha)
    return image


def eight_bit(image: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    """The colour channels in "L", "RGB" or "CMYK" mode, 8 bits each, and the alpha, if any.

    Every mode the accepted decoders produce: "1" (black and white) becomes 0/255 grey;
    16-bit greyscale ("I;16" from a 16-bit PNG, and "I", "F" at the same 0-65535 scale) is
    scaled to 0-255 rather than clipped, which would turn everything above 255 white; a
    palette ("P", "PA") is looked up, keeping its transparent entries as alpha; "LA",
    "RGBA" give their alpha channel apart, so that the colour conversion never touches it.
    Pillow already brings 16-bit RGB and RGBA PNGs to 8 bits when decoding.
    """
    if image.mode == "1":
        return image.convert("L"), None
    if image.mode.startswith("I"):  # "I;16", "I;16B", "I;16L", "I": integer samples
        image = image.convert("I").point(lambda v: v / SIXTEEN_TO_EIGHT_BITS + 0.5)
        return image.convert("L"), None  # the + 0.5 rounds; convert clips to 0-255
    if image.mode == "F":
        return image.point(lambda v: v / SIXTEEN_TO_EIGHT_BITS + 0.5).convert("L"), None
    if image.mode in ("P", "PA"):
        transparent = image.mode == "PA" or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
    if image.mode in ("L", "RGB", "CMYK"):
        return image, None
    if image.mode in ("LA", "RGBA"):
        return image.convert(image.mode[:-1]), image.getchannel("A")
    # Other modes (YCbCr, RGBX...): RGB; a decoder offering a mode Pillow cannot convert
    # to RGB does not exist among the accepted formats, and would be refused.
    try:
        return image.convert("RGB"), None
    except ValueError:
        raise ImageRejected(_("Ce fichier n’est pas une image JPEG, PNG ou WebP.")) from None


def to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """The image's colours in sRGB, as an "RGB" image with no profile attached.

    `image` is in "L", "RGB" or "CMYK" mode (eight_bit); `icc_profile` the bytes of the
    ICC profile the upload embeds, or None. With a profile describing the image's colour
    space (RGB: Display P3, Adobe RGB, ProPhoto...; CMYK: a press profile; GRAY) the pixels
    are converted by LittleCMS. Without one, or with one that is damaged or describes
    another colour space, the pixels are taken as sRGB already, which is what browsers do
    (so the editor saw them so); CMYK then uses Pillow's plain ink formula.
    """
    source = usable_profile(icc_profile, image.mode)
    if source is not None:
        # A profile LittleCMS reads but cannot build a transform from counts as damaged.
        with contextlib.suppress(ImageCms.PyCMSError):
            image = ImageCms.profileToProfile(
                image, source, SRGB, renderingIntent=RENDERING_INTENT, outputMode="RGB"
            )
    image = image.convert("RGB")  # a no-op once converted
    image.info.pop("icc_profile", None)  # the pixels are sRGB now: never tag them otherwise
    return image


def usable_profile(icc_profile: bytes | None, mode: str) -> ImageCms.ImageCmsProfile | None:
    """The embedded profile, if it is a readable ICC profile for pixels of this mode."""
    if not icc_profile:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
    except (OSError, ImageCms.PyCMSError, ValueError):
        return None
    if PROFILE_MODES.get(profile.profile.xcolor_space.strip()) != mode:
        return None
    return profile


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


# --------------------------------------------------------------------------- crops around a focal point

# Crops are made this wide at most (Google asks for images at least 1200 px wide; Open
# Graph's recommended 1200 × 630 is close to 16:9), never wider than the source allows.
CROP_WIDTH = 1200


def crop_box(
    width: int, height: int, ratio: tuple[int, int], focal: tuple[float, float]
) -> tuple[int, int, int, int]:
    """The largest `ratio` (w, h) box inside a width × height image, centred on the focal
    point as far as the edges allow: (left, top, right, bottom) in pixels.

    `focal` is (x, y) as fractions of the width and height (0..1; values outside are
    brought back in). The box keeps the whole of the image's shorter side for its ratio,
    and slides along the other so that the focal point sits as near its middle as it can.
    """
    fx = min(1.0, max(0.0, focal[0]))
    fy = min(1.0, max(0.0, focal[1]))
    rw, rh = ratio
    if width * rh >= height * rw:  # wider than the ratio: keep the height, slide sideways
        box_w, box_h = max(1, round(height * rw / rh)), height
    else:  # taller: keep the width, slide up or down
        box_w, box_h = width, max(1, round(width * rh / rw))
    box_w, box_h = min(box_w, width), min(box_h, height)
    left = min(max(0, round(fx * width - box_w / 2)), width - box_w)
    top = min(max(0, round(fy * height - box_h / 2)), height - box_h)
    return left, top, left + box_w, top + box_h


@dataclass(frozen=True)
class StoredCrop:
    token: str
    width: int  # the widest file's
    height: int
    widths: list[int]  # every stored width, smallest first (variant_widths)


def store_crops(
    source: Path, folder: Path, ratios: dict[str, tuple[int, int]], focal: tuple[float, float]
) -> dict[str, StoredCrop]:
    """One crop per ratio around `focal`, written as folder/<new token>-<width>.webp files.

    `source` is a stored variant (already upright, sRGB, untagged: store()), ideally the
    widest. Each crop is the largest box of its ratio (crop_box), stored at the srcset
    widths up to CROP_WIDTH (variant_widths). Returns {name: StoredCrop}; raises OSError
    if a file cannot be read or written.
    """
    with Image.open(source) as opened:
        image = opened.convert("RGBA" if opened.mode in ("RGBA", "LA") else "RGB")
    crops = {}
    for name, ratio in ratios.items():
        piece = image.crop(crop_box(image.width, image.height, ratio, focal))
        token = secrets.token_hex(16)
        widths = [w for w in variant_widths(piece.width) if w <= CROP_WIDTH] or [CROP_WIDTH]
        for width in widths:
            height = max(1, round(piece.height * width / piece.width))
            resized = (
                piece if width == piece.width else piece.resize((width, height), Image.LANCZOS)
            )
            write_atomically(
                folder / f"{token}-{width}.{OUTPUT_EXTENSION}",
                lambda out, img=resized: img.save(
                    out, OUTPUT_FORMAT, quality=WEBP_QUALITY, method=4
                ),
            )
        top = widths[-1]
        crops[name] = StoredCrop(
            token, top, max(1, round(piece.height * top / piece.width)), widths
        )
    return crops
