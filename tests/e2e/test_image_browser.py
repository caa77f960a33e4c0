"""An editor in Chromium adds a photo to the live article: upload, alt text, srcset, no reload."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e import test_editing_browser
from tests.e2e.conftest import axe_violations
from tests.e2e.test_editing_browser import assert_no_reload, log_in, set_marker

# The same logged-in editor on the demo article as the other editing tests (a fixture).
editor = test_editing_browser.editor

PHOTO_LABEL = "Photo (JPEG, PNG ou WebP, 10 Mo au maximum)"


@pytest.fixture(autouse=True)
def media_root(app, tmp_path):
    app.config["MEDIA_ROOT"] = str(tmp_path / "media")


def jpeg(size=(1400, 900)) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", size, "darkslateblue").save(buffer, "JPEG")
    return {"name": "place.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def open_image_form(page):
    page.get_by_role("button", name="Ajouter un bloc après ce paragraphe").first.click()
    page.get_by_role("group", name="Ajouter un bloc").get_by_role("button", name="Image").click()
    expect(page.get_by_label(PHOTO_LABEL)).to_be_visible()


def test_insert_an_image_after_a_paragraph(editor, watched_page, live_server):
    page = watched_page
    log_in(page, live_server)
    set_marker(page)
    open_image_form(page)
    assert axe_violations(page) == [], "image form"

    page.get_by_label(PHOTO_LABEL).set_input_files(jpeg())
    page.get_by_label("Texte alternatif").fill("Des manifestants sur la place, au petit matin")
    page.get_by_label("Légende").fill("La place de la République, mardi.")
    page.get_by_label("Crédit").fill("Marie Dupont / AFP")
    page.get_by_role("button", name="Ajouter", exact=True).click()

    figure = page.locator(".article-body figure.block-image")
    image = figure.locator("img")
    expect(image).to_have_attribute("alt", "Des manifestants sur la place, au petit matin")
    expect(image).to_have_attribute("srcset", _srcset_with(480, 800, 1200, 1400))
    expect(figure.locator("figcaption")).to_contain_text("La place de la République, mardi.")
    expect(figure.locator(".credit")).to_have_text("Marie Dupont / AFP")
    # Right after the first paragraph, and actually loaded from the site.
    expect(page.locator(".article-body .editable-block").nth(1).locator("img")).to_have_count(1)
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    expect(page.get_by_role("button", name="Modifier cette image")).to_be_visible()
    assert_no_reload(page)

    page.reload()
    expect(page.locator(".article-body figure.block-image img")).to_have_attribute(
        "alt", "Des manifestants sur la place, au petit matin"
    )
    assert axe_violations(page) == [], "page with the image"
    page.watch.assert_clean()


def _srcset_with(*widths):
    return re.compile(".*".join(rf"-{w}\.webp {w}w" for w in widths))


def test_a_refused_file_keeps_the_typed_text(editor, watched_page, live_server):
    page = watched_page
    log_in(page, live_server)
    open_image_form(page)
    page.get_by_label(PHOTO_LABEL).set_input_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"<svg onload=alert(1)>"}
    )
    page.get_by_label("Texte alternatif").fill("Un texte tapé avec soin")
    page.get_by_label("Légende").fill("Une légende")
    page.get_by_role("button", name="Ajouter", exact=True).click()

    expect(page.get_by_text("Ce fichier est un document SVG ou HTML")).to_be_visible()
    expect(page.get_by_label("Texte alternatif")).to_have_value("Un texte tapé avec soin")
    expect(page.get_by_label("Légende")).to_have_value("Une légende")
    assert axe_violations(page) == [], "image form with an error"
    # The browser logs the 422 itself; nothing else may go wrong.
    assert [e for e in page.watch.console_errors if "status of 422" not in e] == []
    assert page.watch.dialogs == [] and page.watch.foreign_requests == []


def test_an_image_too_large_comes_back_in_its_form(app, editor, watched_page, live_server):
    app.config["MEDIA_MAX_UPLOAD_BYTES"] = 2_000
    page = watched_page
    log_in(page, live_server)
    open_image_form(page)
    page.get_by_label(PHOTO_LABEL).set_input_files(jpeg())
    page.get_by_label("Texte alternatif").fill("Texte à ne pas perdre")
    with page.expect_response(lambda r: r.status == 413):
        page.get_by_role("button", name="Ajouter", exact=True).click()

    expect(page.get_by_text("Ce fichier est trop lourd")).to_be_visible()
    expect(page.get_by_label("Texte alternatif")).to_have_value("Texte à ne pas perdre")
    # The browser logs the 413 itself; nothing else may go wrong.
    assert [e for e in page.watch.console_errors if "status of 413" not in e] == []
    assert page.watch.dialogs == [] and page.watch.foreign_requests == []


# Reads one pixel of an image, as Chromium shows it (colour-managed into the sRGB canvas).
PIXEL_AS_SHOWN = """async (img) => {
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  return Array.from(context.getImageData(10, 10, 1, 1).data.slice(0, 3));
}"""


def test_a_display_p3_photo_looks_as_the_browser_showed_the_original(
    editor, watched_page, live_server, browser
):
    from tests.test_images_colour import P3

    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), (230, 80, 21)).save(buffer, "JPEG", quality=95, icc_profile=P3)
    original = buffer.getvalue()

    # How Chromium shows the iPhone's file itself, on a blank page of its own.
    blank = browser.new_page()
    blank.set_content('<img alt="">')
    blank.locator("img").evaluate(
        "(img, b64) => { img.src = 'data:image/jpeg;base64,' + b64; }",
        base64.b64encode(original).decode(),
    )
    as_shown = blank.locator("img").evaluate(PIXEL_AS_SHOWN)
    blank.close()
    assert abs(as_shown[0] - 249) <= 3 and abs(as_shown[1] - 63) <= 3 and as_shown[2] <= 3

    page = watched_page
    log_in(page, live_server)
    open_image_form(page)
    page.get_by_label(PHOTO_LABEL).set_input_files(
        {"name": "iphone.jpg", "mimeType": "image/jpeg", "buffer": original}
    )
    page.get_by_label("Texte alternatif").fill("Un mur orange au soleil")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    image = page.locator(".article-body figure.block-image img")
    expect(image).to_have_attribute("alt", "Un mur orange au soleil")
    image.scroll_into_view_if_needed()
    stored = image.evaluate(PIXEL_AS_SHOWN)
    assert all(abs(s - o) <= 4 for s, o in zip(stored, as_shown, strict=True)), (stored, as_shown)
    page.watch.assert_clean()


def test_an_animated_webp_is_refused_with_the_reason(editor, watched_page, live_server):
    first, *others = (Image.new("RGB", (300, 200), c) for c in ("red", "green", "blue"))
    buffer = io.BytesIO()
    first.save(buffer, "WEBP", save_all=True, append_images=others)
    page = watched_page
    log_in(page, live_server)
    open_image_form(page)
    page.get_by_label(PHOTO_LABEL).set_input_files(
        {"name": "anim.webp", "mimeType": "image/webp", "buffer": buffer.getvalue()}
    )
    page.get_by_label("Texte alternatif").fill("Une animation")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.get_by_text("Cette image est animée (3 images)")).to_be_visible()
    expect(page.get_by_label("Texte alternatif")).to_have_value("Une animation")
    assert page.locator(".article-body figure.block-image").count() == 0
    assert [e for e in page.watch.console_errors if "status of 422" not in e] == []
