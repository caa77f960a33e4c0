"""Image blocks: uploads checked by content, re-encoded into responsive widths, served safely."""

from __future__ import annotations

import io
import random
import re

import pytest
from PIL import ExifTags, Image

from models import Article, Block, Media, Revision, db
from tests.factories import HX, log_in, make_article, make_section, make_user

STORED_NAME = re.compile(r"[0-9a-f]{32}-\d+\.webp")


# --------------------------------------------------------------------------- helpers


def image_bytes(fmt="JPEG", size=(2000, 1500), color="steelblue", **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt, **save_options)
    return buffer.getvalue()


def noise_png(size=(300, 300)) -> bytes:
    """Random pixels, which no compression squeezes: a heavy file, for size limits."""
    pixels = random.Random(1).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, "PNG")
    return buffer.getvalue()


def body(response) -> str:
    return response.get_data(as_text=True)


def stored_files(media_root) -> list[str]:
    return sorted(p.name for p in media_root.iterdir()) if media_root.exists() else []


@pytest.fixture
def newsroom(app, media_root):
    section = make_section("Politique", slug="politique")
    author = make_user("Alice Autrice", role="author")
    other = make_user("Bruno Autre", role="author")
    editor = make_user("Élise Éditrice", role="editor")
    article = make_article(
        "Un article illustré",
        section=section,
        author=author,
        blocks=[("paragraph", {"html": "Premier paragraphe."})],
    )
    return type("Newsroom", (), dict(author=author, other=other, editor=editor, article=article))


def add_image(client, article, data=None, filename="photo.jpg", **fields):
    """POST the "new image block" form after the article's first block, as htmx sends it."""
    after = str(article.blocks[0].id)
    prefix = f"nouveau{after}-"
    form = {"after": after, prefix + "alt": "Une place au petit matin", prefix + "caption": ""}
    form.update({prefix + key: value for key, value in fields.items()})
    if data is not None:
        form[prefix + "image"] = (io.BytesIO(data), filename)
    return client.post(
        f"/redaction/articles/{article.id}/blocs/nouveau/image",
        data=form,
        headers=HX,
        content_type="multipart/form-data",
    )


def image_blocks(article) -> list[Block]:
    db.session.expire_all()
    return [b for b in db.session.get(Article, article.id).blocks if b.kind == "image"]


# --------------------------------------------------------------------------- accepted uploads


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_an_upload_is_stored_in_responsive_widths(client, newsroom, media_root, fmt):
    log_in(client, newsroom.editor)
    response = add_image(
        client,
        newsroom.article,
        image_bytes(fmt),
        filename=f"photo.{fmt.lower()}",
        caption="La place de la Concorde",
        credit="Marie Dupont / AFP",
    )
    assert response.status_code == 200, body(response)

    [block] = image_blocks(newsroom.article)
    media = Media.by_token(block.data["media"])
    assert media.width == 2000 and media.height == 1500
    assert media.variants == [480, 800, 1200, 1600]
    assert media.uploaded_by_id == newsroom.editor.id
    for width in media.variants:
        with Image.open(media_root / media.filename(width)) as stored:
            assert stored.format == "WEBP"
            assert stored.size == (width, round(1500 * width / 2000))
    # Its widths, and the three crops made around the focal point (issue 13).
    crops = [media.crop_filename(n, w) for n, c in media.crops.items() for w in c["widths"]]
    assert sorted(media.crops) == ["16x9", "1x1", "4x3"]
    assert stored_files(media_root) == sorted([media.filename(w) for w in media.variants] + crops)

    assert block.data["alt"] == "Une place au petit matin"
    assert block.data["caption"] == "La place de la Concorde"
    assert block.data["credit"] == "Marie Dupont / AFP"
    assert (block.data["width"], block.data["height"]) == (800, 600)
    html = body(response)
    assert f'srcset="/medias/{media.token}-480.webp 480w, ' in html
    assert f'/medias/{media.token}-1600.webp 1600w"' in html
    assert 'alt="Une place au petit matin"' in html
    assert "Marie Dupont / AFP" in html
    assert Revision.query.filter_by(article_id=newsroom.article.id).count() == 1

    page = body(client.get(f"/article/{newsroom.article.slug}"))
    assert f'src="/medias/{media.token}-800.webp"' in page


def test_a_small_image_is_never_enlarged(client, newsroom, media_root):
    log_in(client, newsroom.editor)
    assert add_image(client, newsroom.article, image_bytes(size=(300, 200))).status_code == 200
    [block] = image_blocks(newsroom.article)
    assert Media.by_token(block.data["media"]).variants == [300]
    assert block.data["srcset"].endswith("-300.webp 300w")
    with Image.open(media_root / f"{block.data['media']}-300.webp") as stored:
        assert stored.size == (300, 200)


def test_a_transparent_png_keeps_its_transparency(client, newsroom, media_root):
    buffer = io.BytesIO()
    Image.new("RGBA", (600, 400), (255, 0, 0, 0)).save(buffer, "PNG")
    log_in(client, newsroom.editor)
    assert add_image(client, newsroom.article, buffer.getvalue()).status_code == 200
    with Image.open(media_root / stored_files(media_root)[0]) as stored:
        assert stored.mode == "RGBA" and stored.getpixel((10, 10))[3] == 0


def test_a_display_p3_photo_is_stored_in_srgb(client, newsroom, media_root):
    # An iPhone photo: its numbers are Display P3. Stored as sRGB numbers, untagged.
    from tests.test_images_colour import P3

    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), (230, 80, 21)).save(buffer, "JPEG", quality=95, icc_profile=P3)
    log_in(client, newsroom.editor)
    assert add_image(client, newsroom.article, buffer.getvalue()).status_code == 200
    for name in stored_files(media_root):
        with Image.open(media_root / name) as stored:
            assert "icc_profile" not in stored.info
            red, green, blue = stored.convert("RGB").getpixel((100, 100))
            assert abs(red - 249) <= 4 and abs(green - 63) <= 4 and blue <= 4


def test_metadata_is_stripped_and_the_photo_turned_upright(client, newsroom, media_root):
    # Left half red, right half blue; EXIF says "rotate 90° clockwise to display".
    photo = Image.new("RGB", (400, 200), "red")
    photo.paste("blue", (200, 0, 400, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.ImageDescription] = "SECRET-MARKER"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
    }
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", exif=exif, quality=95)
    assert b"SECRET-MARKER" in buffer.getvalue()

    log_in(client, newsroom.editor)
    assert add_image(client, newsroom.article, buffer.getvalue()).status_code == 200

    for crop_or_width in stored_files(media_root):  # crops are made from the clean pixels
        raw = (media_root / crop_or_width).read_bytes()
        assert b"SECRET-MARKER" not in raw and b"Exif" not in raw
    [block] = image_blocks(newsroom.article)
    name = f"{block.data['media']}-200.webp"
    with Image.open(media_root / name) as stored:
        assert stored.size == (200, 400)  # upright: the camera was turned
        assert not stored.getexif()
        red, green, blue = stored.convert("RGB").getpixel((100, 50))
        assert red > 200 and blue < 60  # the left (red) half is now on top
        red, green, blue = stored.convert("RGB").getpixel((100, 350))
        assert blue > 200 and red < 60


def test_the_uploaded_file_name_is_never_used(client, newsroom, media_root):
    log_in(client, newsroom.editor)
    response = add_image(
        client, newsroom.article, image_bytes(size=(500, 300)), filename="../../app.py.jpg"
    )
    assert response.status_code == 200
    assert all(STORED_NAME.fullmatch(name) for name in stored_files(media_root))
    assert "app.py" not in body(response)


# --------------------------------------------------------------------------- refused uploads

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


def truncated_jpeg() -> bytes:
    whole = image_bytes(size=(800, 600), color="orange")
    return whole[: len(whole) // 2]


def animation(fmt, **options) -> bytes:
    """Three frames: what a still-image pipeline would silently cut down to the first."""
    first, *others = (Image.new("RGB", (60, 40), c) for c in ("red", "green", "blue"))
    buffer = io.BytesIO()
    first.save(buffer, fmt, save_all=True, append_images=others, **options)
    return buffer.getvalue()


def png_bomb(size) -> bytes:
    """A few kilobytes that would decode to size[0] × size[1] pixels."""
    buffer = io.BytesIO()
    Image.new("1", size).save(buffer, "PNG")
    return buffer.getvalue()


REFUSED = {
    "svg": (SVG, "image.svg", "SVG ou HTML"),
    "html renamed .jpg": (HTML, "photo.jpg", "SVG ou HTML"),
    "utf-8 bom html": (b"\xef\xbb\xbf  \n<html>", "photo.jpg", "SVG ou HTML"),
    "gif": (image_bytes("GIF", size=(50, 50)), "anim.gif", "pas une image JPEG, PNG ou WebP"),
    "animated gif": (animation("GIF"), "anim.gif", "pas une image JPEG, PNG ou WebP"),
    "animated webp": (animation("WEBP"), "anim.webp", "Cette image est animée (3 images)"),
    "apng": (animation("PNG"), "anim.png", "Cette image est animée (3 images)"),
    "random bytes": (bytes(range(256)) * 8, "photo.jpg", "pas une image JPEG, PNG ou WebP"),
    "truncated jpeg": (truncated_jpeg(), "photo.jpg", "incomplète ou endommagée"),
    "empty file": (b"", "photo.jpg", "Le fichier est vide"),
    "bomb, 100 megapixels": (png_bomb((10_000, 10_000)), "bombe.png", "trop grande"),
    "bomb, 49 megapixels": (png_bomb((7_000, 7_000)), "bombe.png", "trop grande"),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_refused_uploads_say_why_and_store_nothing(client, newsroom, media_root, case):
    data, filename, message = REFUSED[case]
    log_in(client, newsroom.editor)
    response = add_image(client, newsroom.article, data, filename=filename, caption="Ma légende")
    html = body(response)
    assert response.status_code == 422
    assert message in html
    assert "Rien n’a été enregistré" in html
    # The text typed is all there, ready to save once a proper file is chosen.
    assert "Une place au petit matin" in html and "Ma légende" in html
    assert stored_files(media_root) == []
    assert Media.query.count() == 0 and image_blocks(newsroom.article) == []


def test_no_image_at_all_is_refused(client, newsroom, media_root):
    log_in(client, newsroom.editor)
    response = add_image(client, newsroom.article, data=None)
    assert response.status_code == 422
    assert "Choisissez une image." in body(response)
    assert image_blocks(newsroom.article) == []


def test_a_token_that_matches_no_upload_is_no_image(client, newsroom, media_root):
    log_in(client, newsroom.editor)
    response = add_image(client, newsroom.article, data=None, media="0" * 32)
    assert response.status_code == 422
    assert "Choisissez une image." in body(response)


def test_an_image_over_the_upload_limit_is_refused_with_413_and_the_text_kept(
    app, client, newsroom, media_root
):
    app.config["MEDIA_MAX_UPLOAD_BYTES"] = 100_000
    data = noise_png()
    assert len(data) > 100_000
    log_in(client, newsroom.editor)
    response = add_image(client, newsroom.article, data, caption="Ma légende")
    html = body(response)
    assert response.status_code == 413
    assert "Ce fichier est trop lourd" in html and "Une place au petit matin" in html
    assert 'class="block-inserter editor-form form"' in html  # editor.js swaps it in
    assert stored_files(media_root) == [] and Media.query.count() == 0


def test_a_body_over_the_server_limit_gets_a_french_413(app, client, newsroom, media_root):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    log_in(client, newsroom.editor)
    response = add_image(client, newsroom.article, noise_png())
    assert response.status_code == 413
    assert 'lang="fr"' in body(response)
    assert stored_files(media_root) == [] and image_blocks(newsroom.article) == []


def test_a_missing_alt_text_keeps_the_uploaded_image(client, newsroom, media_root):
    log_in(client, newsroom.editor)
    response = add_image(client, newsroom.article, image_bytes(size=(900, 600)), alt="   ")
    html = body(response)
    assert response.status_code == 422
    assert "le texte alternatif est obligatoire" in html
    [media] = Media.query.all()
    assert f'value="{media.token}"' in html  # the form carries it…
    assert f"/medias/{media.token}-480.webp" in html  # …and shows it

    response = add_image(client, newsroom.article, data=None, media=media.token)
    assert response.status_code == 200
    [block] = image_blocks(newsroom.article)
    assert block.data["media"] == media.token and Media.query.count() == 1


def test_caption_and_credit_are_plain_text(client, newsroom, media_root):
    log_in(client, newsroom.editor)
    response = add_image(
        client,
        newsroom.article,
        image_bytes(size=(500, 300)),
        caption="<script>alert(1)</script>Une <b>légende</b>",
        credit='<img src=x onerror="alert(1)">AFP',
    )
    assert response.status_code == 200
    [block] = image_blocks(newsroom.article)
    assert block.data["caption"] == "Une légende" and block.data["credit"] == "AFP"
    assert "ont été retirés" in body(response) or "a été retiré" in body(response)


def test_without_javascript_the_upload_form_posts_and_redirects(client, newsroom, media_root):
    log_in(client, newsroom.editor)
    after = newsroom.article.blocks[0].id
    form = client.get(
        f"/redaction/articles/{newsroom.article.id}/blocs/nouveau/image?apres={after}", headers=HX
    )
    assert 'enctype="multipart/form-data"' in body(form) and 'method="post"' in body(form)
    response = client.post(
        f"/redaction/articles/{newsroom.article.id}/blocs/nouveau/image",
        data={
            "after": str(after),
            f"nouveau{after}-alt": "Sans JavaScript",
            f"nouveau{after}-image": (io.BytesIO(image_bytes(size=(500, 300))), "p.jpg"),
        },
        content_type="multipart/form-data",
    )
    [block] = image_blocks(newsroom.article)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#block-{block.id}")


# --------------------------------------------------------------------------- editing an image block


@pytest.fixture
def image_block(client, newsroom, media_root):
    log_in(client, newsroom.editor)
    add_image(client, newsroom.article, image_bytes(size=(900, 600)), caption="Avant")
    [block] = image_blocks(newsroom.article)
    return block


def save_image_block(client, block, data=None, **fields):
    prefix = f"bloc{block.id}-"
    form = {prefix + "version": str(block.version), prefix + "media": block.data["media"]}
    form.update({prefix + key: value for key, value in fields.items()})
    if data is not None:
        form[prefix + "image"] = (io.BytesIO(data), "nouvelle.png")
    return client.post(
        f"/redaction/blocs/{block.id}", data=form, headers=HX, content_type="multipart/form-data"
    )


def test_the_edit_form_shows_the_current_image_and_its_text(client, image_block):
    response = client.get(f"/redaction/blocs/{image_block.id}/modifier", headers=HX)
    html = body(response)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html and 'hx-encoding="multipart/form-data"' in html
    assert f'name="bloc{image_block.id}-image"' in html
    assert f"/medias/{image_block.data['media']}-480.webp" in html
    assert "Une place au petit matin" in html and "Avant" in html


def test_editing_without_a_new_file_keeps_the_image(client, image_block, media_root):
    token = image_block.data["media"]
    response = save_image_block(client, image_block, alt="Une autre description", caption="Après")
    assert response.status_code == 200, body(response)
    [block] = image_blocks(image_block.article)
    assert block.data["media"] == token
    assert block.data["alt"] == "Une autre description" and block.data["caption"] == "Après"
    assert block.version == 2


def test_a_new_file_replaces_the_image(client, image_block, media_root):
    old = image_block.data["media"]
    response = save_image_block(
        client, image_block, image_bytes("PNG", size=(1300, 600)), alt="Nouvelle photo"
    )
    assert response.status_code == 200, body(response)
    [block] = image_blocks(image_block.article)
    assert block.data["media"] != old
    assert Media.by_token(block.data["media"]).variants == [480, 800, 1200, 1300]


def test_a_refused_replacement_keeps_the_current_image(client, image_block, media_root):
    files = stored_files(media_root)
    response = save_image_block(client, image_block, SVG, alt="Texte tapé")
    assert response.status_code == 422
    assert "SVG ou HTML" in body(response) and "Texte tapé" in body(response)
    assert stored_files(media_root) == files
    assert image_blocks(image_block.article)[0].version == 1


# --------------------------------------------------------------------------- serving


def test_stored_images_are_served_with_their_type_and_cached_for_a_year(
    app, image_block, media_root
):
    reader = app.test_client()
    response = reader.get(image_block.data["src"])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/webp"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "Set-Cookie" not in response.headers
    with Image.open(io.BytesIO(response.data)) as served:
        assert served.size == (800, 533)


@pytest.mark.parametrize(
    "path",
    [
        "/medias/..%2f..%2fapp.py",
        "/medias/..%2fsecret_key",
        "/medias/%2e%2e%2f%2e%2e%2fapp.py",
        "/medias/../app.py",
        "/medias/notes.txt",
        "/medias/" + "a" * 32 + "-800.webp",  # well formed, never stored
        "/medias/" + "a" * 32 + "-800.py",
        "/medias/" + "A" * 32 + "-800.webp",
    ],
)
def test_only_stored_images_are_served(app, media_root, path):
    media_root.mkdir(parents=True, exist_ok=True)
    (media_root / "notes.txt").write_text("secret")
    response = app.test_client().get(path)
    assert response.status_code == 404
    assert b"secret" not in response.data and b"import" not in response.data


# --------------------------------------------------------------------------- who may upload


def test_anonymous_uploads_are_refused_and_store_nothing(client, newsroom, media_root):
    response = add_image(client, newsroom.article, image_bytes())
    assert response.status_code == 401
    assert stored_files(media_root) == [] and Media.query.count() == 0


def test_an_author_cannot_add_an_image_to_another_authors_article(client, newsroom, media_root):
    log_in(client, newsroom.other)
    response = add_image(client, newsroom.article, image_bytes())
    assert response.status_code == 403
    assert stored_files(media_root) == [] and image_blocks(newsroom.article) == []


def test_an_author_adds_an_image_to_their_own_article(client, newsroom, media_root):
    log_in(client, newsroom.author)
    assert add_image(client, newsroom.article, image_bytes(size=(640, 480))).status_code == 200
    assert len(image_blocks(newsroom.article)) == 1


# --------------------------------------------------------------------------- the service


def test_store_upload_writes_the_files_and_commits_the_row(newsroom, media_root):
    from services.images import ImageRejected
    from services.media import store_upload

    media = store_upload(image_bytes(size=(640, 480)), media_root, newsroom.editor.id)
    db.session.rollback()  # committed at once: a form coming back with an error keeps it
    assert Media.by_token(media.token).variants == [480, 640]
    widths = [f"{media.token}-480.webp", f"{media.token}-640.webp"]
    assert set(widths) <= set(stored_files(media_root))
    stored = len(stored_files(media_root))  # and the crops (tests/test_media_library.py)

    with pytest.raises(ImageRejected):
        store_upload(b"<svg/>", media_root, newsroom.editor.id)
    assert Media.query.count() == 1 and len(stored_files(media_root)) == stored
