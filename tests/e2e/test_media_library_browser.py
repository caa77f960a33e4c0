"""The media library in Chromium: an editor picks a library photo as the demo article's
lead image, sets a photo's focal point with a click, at 390 and 1280 px, axe clean, with
no sideways scroll and nothing requested from another site."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from models import Media, db
from services.media import store_upload
from tests.e2e import test_editing_browser
from tests.e2e.conftest import axe_violations
from tests.e2e.test_editing_browser import DEMO_PATH, assert_no_reload, log_in, set_marker

editor = test_editing_browser.editor


def landscape(sky: str, hills: str, size=(1600, 1000)) -> bytes:
    """A calm generated landscape: a sky, two hills, a sun well off centre."""
    picture = Image.new("RGB", size, sky)
    draw = ImageDraw.Draw(picture)
    w, h = size
    draw.ellipse((int(w * 0.72), int(h * 0.12), int(w * 0.84), int(h * 0.31)), fill="#f4d35e")
    draw.polygon([(0, h), (0, int(h * 0.62)), (int(w * 0.45), int(h * 0.5)), (w, h)], fill=hills)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def library(app, editor, tmp_path):
    root = tmp_path / "media"
    app.config["MEDIA_ROOT"] = str(root)
    photos = [
        store_upload(landscape("#8ecae6", "#2a9d8f"), root, editor.id,
                     alt="Collines au lever du soleil", credit="Marie Dupont / AFP"),
        store_upload(landscape("#ffb4a2", "#6d597a"), root, editor.id,
                     alt="Crépuscule sur la vallée", caption="La vallée, mardi soir"),
    ]  # fmt: skip
    return photos


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [390, 1280])
def test_pick_a_library_photo_as_the_lead_image(editor, library, watched_page, live_server, width):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server)
    set_marker(page)
    page.get_by_role("button", name="Ajouter une image principale").click()
    picker = page.get_by_role("group", name="Choisir dans la bibliothèque")
    expect(picker).to_be_visible()
    # The search narrows the list through htmx, accents aside.
    picker.get_by_label("Rechercher une image de la médiathèque").fill("crepuscule")
    expect(picker.get_by_role("radio")).to_have_count(1)
    assert axe_violations(page) == [], "lead image form"
    assert no_sideways_scroll(page)
    picker.get_by_text("Crépuscule sur la vallée").click()
    expect(picker.get_by_role("radio")).to_be_checked()
    page.get_by_role("button", name="Enregistrer").click()

    image = page.locator("figure.lead-image img")
    expect(image).to_have_attribute("alt", "Crépuscule sur la vallée")
    expect(page.locator("figure.lead-image figcaption")).to_contain_text("La vallée, mardi soir")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert_no_reload(page)
    expect(page.get_by_role("button", name="Modifier l’image principale")).to_be_visible()
    assert axe_violations(page) == [], "article with its lead image"
    assert no_sideways_scroll(page)

    # Readers see it too, and on the front page as a teaser.
    page.context.clear_cookies()
    page.goto(live_server + "/")
    teaser = page.locator("img.teaser-image").first
    expect(teaser).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=teaser.element_handle()
    )
    assert axe_violations(page) == [], "front page with a teaser image"
    assert no_sideways_scroll(page)
    page.watch.assert_clean()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_library_and_a_focal_point_set_by_a_click(
    editor, library, watched_page, live_server, width
):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, path=DEMO_PATH)
    page.get_by_role("link", name="Médiathèque").click()
    expect(page.get_by_role("heading", name="Médiathèque", level=1)).to_be_visible()
    expect(page.locator(".media-grid li")).to_have_count(2)
    page.get_by_label("Rechercher dans le texte alternatif, la légende et le crédit").fill("afp")
    expect(page.locator(".media-grid li")).to_have_count(1)
    assert axe_violations(page) == [], "library"
    assert no_sideways_scroll(page)

    page.get_by_role("link", name="Collines au lever du soleil").click()
    expect(page.get_by_role("heading", name="Point focal")).to_be_visible()
    assert axe_violations(page) == [], "image page"
    assert no_sideways_scroll(page)
    old = db.session.get(Media, library[0].id).crops["1x1"]["token"]
    photo = page.locator(".focal-frame img")
    photo.scroll_into_view_if_needed()
    box = photo.bounding_box()
    photo.click(position={"x": box["width"] * 0.78, "y": box["height"] * 0.2})
    page.wait_for_url("**#point-focal")
    expect(page.get_by_label("Horizontal (0 = bord gauche, 100 = bord droit)")).to_have_value(
        re.compile(r"^7[6-9](\.\d+)?$")
    )
    db.session.expire_all()
    media = db.session.get(Media, library[0].id)
    assert 0.74 < media.focal_x < 0.82 and 0.16 < media.focal_y < 0.24
    assert media.crops["1x1"]["token"] != old
    expect(page.locator(".focal-marker")).to_be_visible()
    page.watch.assert_clean()
