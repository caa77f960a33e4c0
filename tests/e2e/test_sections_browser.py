"""Sections and the menu in Chromium (issue 14): an admin renames "Politique" and moves it
to the top level on /redaction/rubriques, puts it in the masthead's menu and moves it up
there, in place (htmx, no reload), at 390 and 1280 px; the old address answers 301 with
the new one; the staff page is axe clean, with no sideways scroll."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from models import Article, db
from tests.e2e.conftest import axe_violations, log_in_through_form, no_sideways_scroll
from tests.e2e.test_editing_browser import assert_no_reload, set_marker
from tests.factories import make_user

PASSWORD = "motdepasse-solide"
STAFF_PAGE = "/redaction/rubriques"


@pytest.fixture
def admin(demo):
    return make_user("Ada Admin", role="admin", password=PASSWORD, email="ada@gazette.example")


def log_in(page, live_server, path=STAFF_PAGE):
    log_in_through_form(page, live_server, "ada@gazette.example", PASSWORD, path)


def menu_names(page) -> list[str]:
    return [
        name.strip()
        for name in page.locator(".sections-nav li a").all_inner_texts()
        if name.strip() not in ("À la une", "Rechercher")
    ]


@pytest.mark.parametrize("width", [390, 1280])
def test_an_admin_renames_moves_and_orders_the_menu(admin, watched_page, live_server, width):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server)
    assert axe_violations(page) == []
    assert no_sideways_scroll(page)
    set_marker(page)

    row = page.locator(
        ".section-row", has=page.get_by_role("heading", name="International › Politique")
    )
    row.locator("summary", has_text="Modifier").click()
    row.get_by_label("Nom", exact=True).fill("Géopolitique")
    row.get_by_label("Placée sous").select_option(label="Premier niveau")
    row.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("Rubrique « Géopolitique » enregistrée.")
    moved = page.locator(
        ".section-row", has=page.get_by_role("heading", name="Géopolitique", exact=True)
    )
    expect(moved).to_contain_text("/rubrique/geopolitique")

    moved.get_by_label("Dans le menu").check()
    expect(page.get_by_role("status")).to_contain_text("« Géopolitique » est dans le menu.")
    menu = page.locator(".sections-menu")
    expect(menu.locator("li").last).to_contain_text("Géopolitique")
    for place in (4, 3):  # sixth of six, then up twice
        page.get_by_role("button", name="Monter Géopolitique dans le menu").click()
        expect(menu.locator("li").nth(place)).to_contain_text("Géopolitique")
    assert_no_reload(page)
    assert axe_violations(page) == []
    assert no_sideways_scroll(page)

    # The masthead's menu follows, and the old address moves permanently.
    page.goto(live_server + "/")
    names = menu_names(page)
    assert names.index("Géopolitique") == len(names) - 3, names
    old = page.request.get(live_server + "/rubrique/international/politique?x=1", max_redirects=0)
    assert old.status == 301
    assert re.search(r"/rubrique/geopolitique\?x=1$", old.headers["location"])
    page.goto(live_server + "/rubrique/international/politique")
    assert page.url == live_server + "/rubrique/geopolitique"
    expect(page.get_by_role("heading", level=1)).to_have_text("Géopolitique")
    assert no_sideways_scroll(page)
    page.watch.assert_clean()


def same_line(page, first: str, second: str) -> bool:
    """Whether two elements of the staff bar sit on one line (their boxes overlap vertically)."""
    a, b = page.locator(first).bounding_box(), page.locator(second).bounding_box()
    return a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize("width", [390, 1280])
def test_the_staff_bar_wraps_between_links_and_keeps_logout_with_the_name(
    admin, watched_page, live_server, width
):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server)
    # An article page has the most: every staff link, the view switch and the logout.
    slug = db.session.scalar(db.select(Article.slug).order_by(Article.id))
    page.goto(live_server + "/article/" + slug)
    bar = page.locator(".account-bar")
    expect(bar.get_by_role("button", name="Voir comme un lecteur")).to_be_visible()
    page.screenshot(path=f"/tmp/sections-fix-staffbar-{width}.png")
    assert same_line(page, ".account-name", ".account-bar button:text('Se déconnecter')")
    for link in bar.locator(".account-links a").all():  # never broken inside a link
        box = link.bounding_box()
        assert box["height"] < 30, link.inner_text()
    assert no_sideways_scroll(page)
    if width == 1280:  # one line: every link, the view switch, the name and the logout
        assert same_line(page, ".account-links li:first-child", ".account-links li:last-child")
        assert same_line(page, ".account-links li:first-child", ".account-name")
        assert same_line(page, ".account-name", ".view-switch-button")
    page.goto(live_server + STAFF_PAGE)
    page.screenshot(path=f"/tmp/sections-fix-rubriques-{width}.png", full_page=True)
    assert no_sideways_scroll(page)


def test_the_ends_say_they_cannot_move_and_markup_names_are_kept(admin, watched_page, live_server):
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server)
    first = page.locator(".section-row").first
    expect(first.get_by_role("button", name=re.compile("^Monter"))).to_have_attribute(
        "aria-disabled", "true"
    )
    menu_first = page.locator(".sections-menu li").first
    menu_first.get_by_role("button", name=re.compile("^Monter")).press("Enter")  # keyboard
    expect(page.get_by_role("alert")).to_contain_text("déjà en tête du menu")
    expect(page.get_by_role("status")).to_have_count(0)

    name = "<script>alert(5)</script>"
    page.get_by_role("region", name="Ajouter une rubrique").get_by_label("Nom").fill(name)
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(f"Rubrique « {name} » créée.")
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    assert axe_violations(page) == []
    # The refusal's 409 is the only console line; no dialog: the name was never run.
    assert [e for e in page.watch.console_errors if "status of 409" not in e] == []
    assert page.watch.dialogs == []
