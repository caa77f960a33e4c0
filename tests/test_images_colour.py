"""Images keep what the photographer saw: colours converted to sRGB, every pixel format to 8 bits,
animations refused rather than flattened.

No ICC profile ships with Pillow or in the virtualenv, so the tests build the profiles cameras
and agencies embed, from their published definitions, as minimal ICC v2 profiles (ICC.1:2001-04):

- Display P3 (Apple): the DCI-P3 primaries of SMPTE EG 432-1, the D65 white point and the sRGB
  tone curve of IEC 61966-2-1;
- Adobe RGB (1998) (Adobe RGB (1998) Color Image Encoding, version 2005-05): its primaries,
  D65, gamma 563/256;
- ProPhoto RGB (ROMM RGB, ISO 22028-2): its primaries, D50, gamma 1.8;
- a coated-paper CMYK press profile (a lut16 table through the FOGRA39 / ISO 12647-2 solid
  inks and overprints);
- a linear grey profile (gamma 1.0).

RGB profiles are matrix/TRC profiles: colorants adapted to the D50 connection space with the
Bradford transform, as the ICC specification asks. The expected values are computed here by
the textbook route (tone curve, 3×3 matrices, clip, sRGB curve) rather than by LittleCMS, which
does the conversion in the application; the builder is itself checked against the matrices the
Adobe RGB and sRGB specifications publish.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms

from services import images

# --------------------------------------------------------------------------- colour maths

D65 = (0.3127, 0.3290)
D50 = (0.3457, 0.3585)
D50_XYZ = (0.9642, 1.0, 0.8249)  # the ICC profile connection space's illuminant (ICC.1 7.2.16)
BRADFORD = ((0.8951, 0.2664, -0.1614), (-0.7502, 1.7135, 0.0367), (0.0389, -0.0685, 1.0296))

SRGB_PRIMARIES = ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06))
P3_PRIMARIES = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
ADOBE_PRIMARIES = ((0.64, 0.33), (0.21, 0.71), (0.15, 0.06))
PROPHOTO_PRIMARIES = ((0.7347, 0.2653), (0.1596, 0.8404), (0.0366, 0.0001))
ADOBE_GAMMA = 563 / 256  # "2.19921875" in the Adobe RGB (1998) specification, 4.3.1.2


def xy_to_xyz(x, y):
    return (x / y, 1.0, (1 - x - y) / y)


def mat_mul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def mat_vec(a, v):
    return tuple(sum(a[i][k] * v[k] for k in range(3)) for i in range(3))


def mat_inv(m):
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return [
        [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
        [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
        [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
    ]


def adaptation(source_white, target_white):
    """Bradford chromatic adaptation between two white points given as XYZ."""
    s, t = mat_vec(BRADFORD, source_white), mat_vec(BRADFORD, target_white)
    scale = [[t[0] / s[0], 0, 0], [0, t[1] / s[1], 0], [0, 0, t[2] / s[2]]]
    return mat_mul(mat_inv(BRADFORD), mat_mul(scale, BRADFORD))


def rgb_to_xyz(primaries, white):
    """The matrix from linear RGB to XYZ (Y of white = 1): SMPTE RP 177's derivation."""
    columns = [xy_to_xyz(*p) for p in primaries]
    m = [[columns[j][i] for j in range(3)] for i in range(3)]
    s = mat_vec(mat_inv(m), xy_to_xyz(*white))
    return [[m[i][j] * s[j] for j in range(3)] for i in range(3)]


def srgb_decode(v):
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def srgb_encode(v):
    v = min(1.0, max(0.0, v))
    return 12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055


def gamma_decode(gamma):
    return lambda v: v**gamma


XYZ_TO_SRGB = mat_inv(rgb_to_xyz(SRGB_PRIMARIES, D65))


def expected_srgb(rgb, primaries, white, decode):
    """What an RGB colour of this space is in sRGB, 0-255, clipped: the textbook route."""
    linear = [decode(c / 255) for c in rgb]
    xyz = mat_vec(rgb_to_xyz(primaries, white), linear)
    if white != D65:
        xyz = mat_vec(adaptation(xy_to_xyz(*white), xy_to_xyz(*D65)), xyz)
    return tuple(round(255 * srgb_encode(c)) for c in mat_vec(XYZ_TO_SRGB, xyz))


def lab_to_srgb(lab):
    """A CIELAB (D50) colour in sRGB, 0-255: CIE 15 formulas, then Bradford D50 -> D65."""
    lightness, a, b = lab
    fy = (lightness + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200

    def f_inv(t):
        return t**3 if t**3 > 216 / 24389 else (116 * t - 16) * 27 / 24389

    xyz = (D50_XYZ[0] * f_inv(fx), f_inv(fy), D50_XYZ[2] * f_inv(fz))
    xyz = mat_vec(adaptation(D50_XYZ, xy_to_xyz(*D65)), xyz)
    return tuple(round(255 * srgb_encode(c)) for c in mat_vec(XYZ_TO_SRGB, xyz))


# --------------------------------------------------------------------------- ICC profiles


def s15(value):
    return struct.pack(">i", round(value * 65536))  # s15Fixed16Number, ICC.1 5.3.6


def tag_xyz(xyz):
    return b"XYZ \0\0\0\0" + b"".join(s15(v) for v in xyz)


def tag_description(text):
    ascii_text = text.encode("ascii") + b"\0"
    return (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_text))
        + ascii_text
        + struct.pack(">IIHB", 0, 0, 0, 0)  # no Unicode, no ScriptCode description
        + bytes(67)
    )


def tag_text(text):
    return b"text\0\0\0\0" + text.encode("ascii") + b"\0"


def tag_gamma(gamma):
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256))  # u8Fixed8 exponent


def tag_srgb_curve():
    """IEC 61966-2-1's curve as a parametric curve of type 3 (ICC.1:2010 10.15)."""
    g, a, b, c, d = 2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045
    return b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + b"".join(s15(v) for v in (g, a, b, c, d))


def icc_profile(device_class, colour_space, pcs, name, tags):
    """An ICC v2.4 profile: a 128-byte header, the tag table, the tags (ICC.1:2001-04 6)."""
    tags = [("desc", tag_description(name)), ("cprt", tag_text("Test data")), *tags]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, payload in tags:
        data += bytes(-(offset + len(data)) % 4)  # each tag starts on a 4-byte boundary
        table += signature.encode() + struct.pack(">II", offset + len(data), len(payload))
        data += payload
    body = struct.pack(">I", len(tags)) + table + data
    header = (
        struct.pack(">I4sI", 128 + len(body), b"\0\0\0\0", 0x02400000)
        + device_class.encode()
        + colour_space.encode()
        + pcs.encode()
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + bytes(24)  # platform, flags, manufacturer, model, attributes
        + struct.pack(">I", 0)  # perceptual rendering intent
        + b"".join(s15(v) for v in D50_XYZ)
        + bytes(48)  # creator, profile ID, reserved
    )
    return header + body


def rgb_profile(name, primaries, white, curve):
    """A matrix/TRC display profile, colorants adapted to D50 (ICC.1 Annex E)."""
    m = mat_mul(adaptation(xy_to_xyz(*white), D50_XYZ), rgb_to_xyz(primaries, white))
    colorants = [tuple(m[i][j] for i in range(3)) for j in range(3)]
    return icc_profile(
        "mntr",
        "RGB ",
        "XYZ ",
        name,
        [
            ("wtpt", tag_xyz(D50_XYZ)),
            ("rXYZ", tag_xyz(colorants[0])),
            ("gXYZ", tag_xyz(colorants[1])),
            ("bXYZ", tag_xyz(colorants[2])),
            ("rTRC", curve),
            ("gTRC", curve),
            ("bTRC", curve),
        ],
    )


# Solid inks and their overprints on coated paper, CIELAB D50, rounded from the FOGRA39
# characterisation data (ISO 12647-2): (c, m, y) -> (without black, with full black).
FOGRA39 = {
    (0, 0, 0): ((95, 0, -2), (16, 0, 0)),
    (1, 0, 0): ((55, -37, -50), (12, -5, -8)),
    (0, 1, 0): ((48, 74, -3), (10, 8, -2)),
    (0, 0, 1): ((89, -5, 93), (15, 0, 8)),
    (1, 1, 0): ((24, 22, -46), (8, 2, -6)),
    (1, 0, 1): ((50, -65, 27), (11, -6, 3)),
    (0, 1, 1): ((47, 68, 48), (10, 7, 4)),
    (1, 1, 1): ((23, 0, 0), (6, 0, 0)),
}


def cmyk_profile():
    """A press profile: CMYK -> Lab through a 2-point-per-ink lut16 table (ICC.1 6.5.7)."""

    def lab16(lightness, a, b):  # ICC v2 16-bit Lab: L x 0xFF00/100, a and b + 128, x 256
        return struct.pack(
            ">3H", round(lightness * 0xFF00 / 100), round((a + 128) * 256), round((b + 128) * 256)
        )

    clut = b"".join(
        lab16(*FOGRA39[(c, m, y)][k])
        for c in (0, 1)
        for m in (0, 1)
        for y in (0, 1)
        for k in (0, 1)  # the first input varies slowest
    )
    identity = struct.pack(">2H", 0, 0xFFFF)
    lut = (
        b"mft2\0\0\0\0"
        + struct.pack(">4B", 4, 3, 2, 0)  # 4 inputs, 3 outputs, 2 grid points
        + b"".join(s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
        + struct.pack(">2H", 2, 2)
        + identity * 4
        + clut
        + identity * 3
    )
    return icc_profile(
        "prtr", "CMYK", "Lab ", "Coated FOGRA39 (test)", [("wtpt", tag_xyz(D50_XYZ)), ("A2B0", lut)]
    )


def grey_profile(gamma):
    return icc_profile(
        "mntr",
        "GRAY",
        "XYZ ",
        "Grey (test)",
        [("wtpt", tag_xyz(D50_XYZ)), ("kTRC", tag_gamma(gamma))],
    )


P3 = rgb_profile("Display P3 (test)", P3_PRIMARIES, D65, tag_srgb_curve())
ADOBE_RGB = rgb_profile("Adobe RGB (1998) (test)", ADOBE_PRIMARIES, D65, tag_gamma(ADOBE_GAMMA))
PROPHOTO = rgb_profile("ProPhoto RGB (test)", PROPHOTO_PRIMARIES, D50, tag_gamma(1.8))
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
CMYK_PRESS = cmyk_profile()
LINEAR_GREY = grey_profile(1.0)

RGB_SPACES = {
    "display p3": (P3, P3_PRIMARIES, D65, srgb_decode),
    "adobe rgb": (ADOBE_RGB, ADOBE_PRIMARIES, D65, gamma_decode(ADOBE_GAMMA)),
    "prophoto": (PROPHOTO, PROPHOTO_PRIMARIES, D50, gamma_decode(1.8)),
}


def test_the_profile_builder_reproduces_the_published_matrices():
    # Adobe RGB (1998) Color Image Encoding 4.3.4.1 and IEC 61966-2-1 5.2: the builder
    # derives matrices from primaries exactly as the specifications do.
    adobe = [[0.57667, 0.18556, 0.18823], [0.29734, 0.62736, 0.07529], [0.02703, 0.07069, 0.99134]]
    srgb = [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    for built, published in [
        (rgb_to_xyz(ADOBE_PRIMARIES, D65), adobe),
        (rgb_to_xyz(SRGB_PRIMARIES, D65), srgb),
    ]:
        for row, published_row in zip(built, published, strict=True):
            assert row == pytest.approx(published_row, abs=2e-4)
    for icc, name in [(P3, "Display P3"), (ADOBE_RGB, "Adobe RGB"), (CMYK_PRESS, "FOGRA39")]:
        assert name in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))


# --------------------------------------------------------------------------- storing


PATCH = 64  # flat squares: lossy WebP keeps a flat area's colour within a few units


def patches(mode, colours, **info) -> Image.Image:
    """A row of flat squares, one per colour."""
    image = Image.new(mode, (PATCH * len(colours), PATCH))
    for index, colour in enumerate(colours):
        image.paste(colour, (index * PATCH, 0, (index + 1) * PATCH, PATCH))
    image.info.update(info)
    return image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def store(data: bytes, folder) -> Image.Image:
    """images.store() the upload, and open its one stored width (the images are small)."""
    stored = images.store(data, folder)
    assert len(stored.variants) == 1
    with Image.open(folder / f"{stored.token}-{stored.variants[0]}.webp") as webp:
        webp.load()
    return webp


def colour_at(image: Image.Image, index: int, y: int = PATCH // 2):
    return image.getpixel((index * PATCH + PATCH // 2, y))


def close(actual, expected, tolerance=4) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def carries_no_foreign_profile(stored: Image.Image) -> bool:
    """Untagged (browsers read it as sRGB), or tagged sRGB: never the upload's profile."""
    icc = stored.info.get("icc_profile")
    if not icc:
        return True
    return "sRGB" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))


def test_a_display_p3_orange_is_stored_as_the_same_orange_in_srgb(tmp_path):
    # The photo: every recent iPhone tags its JPEGs Display P3.
    upload = encode(patches("RGB", [(230, 80, 21)]), "JPEG", quality=95, icc_profile=P3)
    stored = store(upload, tmp_path)
    assert close(colour_at(stored, 0), (249, 63, 0)), colour_at(stored, 0)
    assert not close(colour_at(stored, 0), (230, 81, 22), tolerance=8)  # not the raw numbers
    assert carries_no_foreign_profile(stored)


# In-gamut colours (converted exactly), neutrals, and saturated ones sRGB cannot show (clipped).
RGB_COLOURS = [(230, 80, 21), (120, 160, 90), (200, 190, 170), (128, 128, 128), (30, 60, 200)]


@pytest.mark.parametrize("space", RGB_SPACES)
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_tagged_rgb_photos_are_converted_to_srgb(tmp_path, space, fmt):
    icc, primaries, white, decode = RGB_SPACES[space]
    options = {"quality": 95} if fmt != "PNG" else {}
    stored = store(encode(patches("RGB", RGB_COLOURS), fmt, icc_profile=icc, **options), tmp_path)
    for index, colour in enumerate(RGB_COLOURS):
        expected = expected_srgb(colour, primaries, white, decode)
        assert close(colour_at(stored, index), expected), (colour, colour_at(stored, index))
    assert carries_no_foreign_profile(stored)


def test_an_srgb_tagged_photo_keeps_its_numbers(tmp_path):
    stored = store(encode(patches("RGB", RGB_COLOURS), "PNG", icc_profile=SRGB), tmp_path)
    for index, colour in enumerate(RGB_COLOURS):
        assert close(colour_at(stored, index), colour, tolerance=3)


def test_a_profile_larger_than_one_jpeg_marker_is_read_whole(tmp_path):
    # A JPEG APP2 segment holds 64 KB: longer profiles (agency LUT profiles often are) are
    # split over several, which must be joined before use.
    big_p3 = rgb_profile("Display P3 (test) " + "x" * 70_000, P3_PRIMARIES, D65, tag_srgb_curve())
    upload = encode(patches("RGB", [(230, 80, 21)]), "JPEG", quality=95, icc_profile=big_p3)
    assert upload.count(b"ICC_PROFILE\0") >= 2
    assert close(colour_at(store(upload, tmp_path), 0), (249, 63, 0))


CMYK_INKS = [(0, 0, 0, 0), (255, 0, 0, 0), (0, 255, 0, 0), (0, 0, 255, 0), (0, 0, 0, 255)]


def test_a_cmyk_jpeg_with_a_press_profile_shows_printed_inks(tmp_path):
    upload = encode(patches("CMYK", CMYK_INKS), "JPEG", quality=95, icc_profile=CMYK_PRESS)
    stored = store(upload, tmp_path)
    assert stored.mode == "RGB"
    paper, cyan, magenta, yellow, black = (colour_at(stored, i) for i in range(5))
    assert min(paper) >= 235  # paper white
    # Printed cyan is a mid blue (FOGRA39's Lab 55/-37/-50), not the screen's (0, 255, 255).
    for printed, lab in [(cyan, (55, -37, -50)), (magenta, (48, 74, -3)), (yellow, (89, -5, 93))]:
        assert close(printed, lab_to_srgb(lab), tolerance=12), (printed, lab_to_srgb(lab))
    assert not close(cyan, (0, 255, 255), tolerance=40)
    assert close(black, (black[0],) * 3, tolerance=3) and 15 <= black[0] <= 50  # ink, not void
    assert carries_no_foreign_profile(stored)


def test_an_untagged_cmyk_jpeg_uses_the_plain_ink_formula(tmp_path):
    # No profile: what browsers show, (255 - C) x (255 - K) / 255 per channel.
    colours = [*CMYK_INKS, (0, 0, 0, 128), (128, 64, 0, 0)]
    stored = store(encode(patches("CMYK", colours), "JPEG", quality=95), tmp_path)
    expected = [(255,) * 3, (0, 255, 255), (255, 0, 255), (255, 255, 0), (0, 0, 0), (127,) * 3]
    for index, colour in enumerate([*expected, (127, 191, 255)]):
        assert close(colour_at(stored, index), colour), (colours[index], colour_at(stored, index))


def test_a_grey_photo_with_a_grey_profile_is_converted(tmp_path):
    # Linear grey 128 is half the light: sRGB 188 (IEC 61966-2-1's curve).
    stored = store(encode(patches("L", [128, 0, 255]), "PNG", icc_profile=LINEAR_GREY), tmp_path)
    assert close(colour_at(stored, 0), (188, 188, 188), tolerance=3)
    assert close(colour_at(stored, 1), (0, 0, 0)) and close(colour_at(stored, 2), (255,) * 3)


@pytest.mark.parametrize(
    "case",
    ["damaged", "an rgb profile on a grey photo", "a cmyk profile on an rgb photo", "empty"],
)
def test_a_profile_that_cannot_apply_leaves_the_numbers_as_browsers_show_them(tmp_path, case):
    # Browsers ignore such a profile and show the numbers as sRGB: the editor saw that.
    colour, mode, icc = {
        "damaged": ((230, 80, 21), "RGB", P3[:200] + b"\xff" * 300),
        "an rgb profile on a grey photo": (90, "L", P3),
        "a cmyk profile on an rgb photo": ((230, 80, 21), "RGB", CMYK_PRESS),
        "empty": ((230, 80, 21), "RGB", b""),
    }[case]
    stored = store(encode(patches(mode, [colour]), "PNG", icc_profile=icc), tmp_path)
    expected = colour if mode == "RGB" else (colour,) * 3
    assert close(colour_at(stored, 0), expected, tolerance=3)


def test_the_exif_orientation_still_applies_to_a_tagged_photo(tmp_path):
    # Top half P3 orange, bottom half black; the camera was turned: "rotate 90° clockwise".
    photo = Image.new("RGB", (PATCH * 2, PATCH), (0, 0, 0))
    photo.paste((230, 80, 21), (0, 0, PATCH * 2, PATCH // 2))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    stored = store(encode(photo, "JPEG", quality=95, exif=exif, icc_profile=P3), tmp_path)
    assert stored.size == (PATCH, PATCH * 2)
    assert close(stored.getpixel((PATCH * 3 // 4, PATCH)), (249, 63, 0), tolerance=5)  # right
    assert close(stored.getpixel((PATCH // 4, PATCH)), (0, 0, 0))  # left


# --------------------------------------------------------------------------- pixel formats


def png(width, height, bit_depth, colour_type, rows) -> bytes:
    """A PNG written by hand (ISO/IEC 15948): Pillow cannot write 16-bit colour PNGs."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    sample = ">{}H" if bit_depth == 16 else ">{}B"
    raw = b"".join(b"\0" + struct.pack(sample.format(len(row)), *row) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


RAMP = [v * 257 for v in range(256)]  # 0-65535 in 256 steps: 8-bit value v is v * 257
# 16 flat steps of 16 pixels, 0 to 65535 (lossy WebP blurs a colour ramp's chroma):
# step k is 8-bit k * 17, read in its middle column.
STEPS = [(x // 16) * 17 * 257 for x in range(256)]
STEP_MIDDLES = [(16 * k + 8, 17 * k) for k in range(16)]


def test_a_16_bit_grey_ramp_is_stored_as_an_8_bit_ramp_not_white(tmp_path):
    upload = png(256, 16, 16, 0, [RAMP] * 16)
    assert Image.open(io.BytesIO(upload)).mode == "I;16"
    stored = store(upload, tmp_path)
    for x in range(0, 256, 15):
        assert close(stored.getpixel((x, 8)), (x, x, x), tolerance=3), (x, stored.getpixel((x, 8)))


def test_16_bit_rgb_and_rgba_pngs_keep_their_colours(tmp_path):
    # Red climbs, green is half, blue falls; alpha climbs in the RGBA one.
    rgb_rows = [[s for v in STEPS for s in (v, 0x8080, 65535 - v)]] * 16
    stored = store(png(256, 16, 16, 2, rgb_rows), tmp_path)
    for x, value in STEP_MIDDLES:
        assert close(stored.getpixel((x, 8)), (value, 128, 255 - value)), stored.getpixel((x, 8))

    rgba_rows = [[s for v in STEPS for s in (0xFFFF, 0x8080, 0, v)]] * 16
    stored = store(png(256, 16, 16, 6, rgba_rows), tmp_path / "rgba")
    assert stored.mode == "RGBA"
    for x, value in STEP_MIDDLES[1:]:  # a fully transparent pixel has no colour to keep
        red, green, blue, alpha = stored.getpixel((x, 8))
        assert abs(alpha - value) <= 2 and close((red, green, blue), (255, 128, 0))


def test_16_bit_grey_with_alpha_keeps_both(tmp_path):
    rows = [[s for v in STEPS for s in (0x6464, v)]] * 16  # grey 100, alpha steps
    stored = store(png(256, 16, 16, 4, rows), tmp_path)
    assert stored.mode == "RGBA"
    for x, value in STEP_MIDDLES[1:]:
        assert close(stored.getpixel((x, 8)), (100, 100, 100, value))


def mode_image(mode: str) -> Image.Image:
    """A 64 x 16 test card in `mode`: what each column should become is in EXPECTED_MODES."""
    if mode in ("I", "I;16", "F"):
        image = Image.new("I", (256, 16))
        image.putdata([v for _ in range(16) for v in RAMP])
        return image.convert(mode) if mode != "I" else image
    return {
        "1": patches("1", [0, 255]),
        "L": patches("L", [0, 77, 255]),
        "LA": patches("LA", [(77, 255), (200, 128)]),
        "RGBA": patches("RGBA", [(200, 30, 40, 255), (10, 200, 40, 128)]),
        "CMYK": patches("CMYK", [(255, 0, 0, 0), (0, 0, 0, 128)]),
    }[mode]


EXPECTED_MODES = {
    "1": ("RGB", [(0, 0, 0), (255, 255, 255)]),
    "L": ("RGB", [(0, 0, 0), (77, 77, 77), (255, 255, 255)]),
    "LA": ("RGBA", [(77, 77, 77, 255), (200, 200, 200, 128)]),
    "RGBA": ("RGBA", [(200, 30, 40, 255), (10, 200, 40, 128)]),
    "CMYK": ("RGB", [(0, 255, 255), (127, 127, 127)]),
}


@pytest.mark.parametrize("mode", ["I", "I;16", "F"])
def test_wide_integer_and_float_greys_are_scaled_to_8_bits(mode):
    # JPEG, PNG and WebP decoders give these modes only for 16-bit samples (0-65535).
    result = images.upright(mode_image(mode))
    assert result.mode == "RGB"
    assert [result.getpixel((x, 0))[0] for x in range(256)] == list(range(256))


@pytest.mark.parametrize("mode", EXPECTED_MODES)
def test_every_mode_maps_to_the_right_8_bit_colours(mode):
    expected_mode, colours = EXPECTED_MODES[mode]
    result = images.upright(mode_image(mode))
    assert result.mode == expected_mode
    assert [colour_at(result, i) for i in range(len(colours))] == colours


@pytest.mark.parametrize("mode", ["1", "L", "LA", "RGBA", "CMYK"])
def test_every_mode_survives_the_whole_upload(tmp_path, mode):
    expected_mode, colours = EXPECTED_MODES[mode]
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    stored = store(
        encode(mode_image(mode), fmt, **({"quality": 95} if fmt == "JPEG" else {})), tmp_path
    )
    assert stored.mode == expected_mode
    for index, colour in enumerate(colours):
        assert close(colour_at(stored, index), colour), (mode, index, colour_at(stored, index))


def palette_image(transparent: bool) -> Image.Image:
    image = patches("P", [0, 1, 2])
    image.putpalette([230, 80, 21, 20, 40, 200, 0, 0, 0])
    if transparent:
        image.info["transparency"] = 2
    return image


def test_a_palette_png_with_transparency_keeps_colours_and_transparency(tmp_path):
    stored = store(encode(palette_image(transparent=True), "PNG"), tmp_path)
    assert stored.mode == "RGBA"
    assert close(colour_at(stored, 0), (230, 80, 21, 255))
    assert close(colour_at(stored, 1), (20, 40, 200, 255))
    assert colour_at(stored, 2)[3] == 0


def test_a_palette_png_without_transparency_is_opaque_rgb(tmp_path):
    stored = store(encode(palette_image(transparent=False), "PNG"), tmp_path)
    assert stored.mode == "RGB" and close(colour_at(stored, 2), (0, 0, 0))


def test_a_palette_png_tagged_display_p3_is_converted(tmp_path):
    stored = store(encode(palette_image(transparent=False), "PNG", icc_profile=P3), tmp_path)
    assert close(colour_at(stored, 0), (249, 63, 0))


def test_a_transparent_p3_png_converts_colours_and_keeps_its_alpha(tmp_path):
    upload = encode(patches("RGBA", [(230, 80, 21, 128)]), "PNG", icc_profile=P3)
    assert close(colour_at(store(upload, tmp_path), 0), (249, 63, 0, 128))


# --------------------------------------------------------------------------- animations


def frames(*colours):
    return [Image.new("RGB", (PATCH, PATCH), colour) for colour in colours]


def animated(fmt: str, count: int, **options) -> bytes:
    first, *others = frames(*["red", "blue", "green", "white"][:count])
    return encode(first, fmt, save_all=True, append_images=others, **options)


def apng_of_one_frame() -> bytes:
    """An APNG whose animation is its single IDAT image: a still picture (APNG spec 4)."""
    plain = encode(Image.new("RGB", (PATCH, PATCH), "red"), "PNG")
    idat = plain.index(b"IDAT") - 4

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    control = chunk(b"acTL", struct.pack(">II", 1, 0))
    frame = chunk(b"fcTL", struct.pack(">IIIIIHHBB", 0, PATCH, PATCH, 0, 0, 1, 10, 0, 0))
    return plain[:idat] + control + frame + plain[idat:]


ANIMATIONS = {
    "animated webp": lambda: animated("WEBP", 3),
    "apng": lambda: animated("PNG", 2),
    "apng whose still image is not a frame": lambda: animated("PNG", 2, default_image=True),
    "lossless animated webp": lambda: animated("WEBP", 2, lossless=True),
}


@pytest.mark.parametrize("case", ANIMATIONS)
def test_animations_are_refused_never_flattened(tmp_path, case):
    with pytest.raises(images.ImageRejected, match="Cette image est animée") as refused:
        images.store(ANIMATIONS[case](), tmp_path)
    assert "ne publie que des images fixes" in str(refused.value)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_a_one_frame_apng_or_webp_is_a_still_image(tmp_path):
    assert close(colour_at(store(apng_of_one_frame(), tmp_path), 0), (255, 0, 0))
    webp = encode(frames("blue")[0], "WEBP", save_all=True, quality=95)
    assert close(colour_at(store(webp, tmp_path / "webp"), 0), (0, 0, 255), tolerance=6)
