"""Co-authors and search fields in Chromium, at 390 and 1280 px: the byline's authors are
added and reordered with the keyboard alone, the search and social previews follow what
is typed, axe finds nothing, and nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.factories import make_user

DEMO_PATH = "/article/poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"
PASSWORD = "motdepasse-solide"
WIDTHS = [390, 1280]


@pytest.fixture
def editor(demo):
    make_user("Amadou Ba", role="author", email="amadou@gazette.example", slug="amadou-ba")
    return make_user(
        "Élise Éditrice", role="editor", password=PASSWORD, email="elise@gazette.example"
    )


def log_in(page, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server + "/connexion?next=" + DEMO_PATH)
    page.get_by_label("Adresse électronique").fill("elise@gazette.example")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + DEMO_PATH)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_authors_are_added_and_reordered_with_the_keyboard(
    editor, watched_page, live_server, width
):
    page = watched_page
    log_in(page, live_server, width)
    page.get_by_role("button", name="Modifier les auteurs").focus()
    page.keyboard.press("Enter")
    choose = page.get_by_label("Ajouter un auteur")
    # The form swapped in takes the focus once htmx has processed it (editor.js, on
    # htmx:load): only then does "Ajouter" send an htmx request. Pressing it earlier
    # submitted the form natively on a busy machine, and nothing took the focus after.
    expect(choose).to_be_focused()
    choose.select_option(label="Amadou Ba")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Ajouter", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    rows = page.locator(".author-row-name")
    expect(rows).to_have_text(["Julien Marchand", "Amadou Ba"])
    expect(page.get_by_label("Ajouter un auteur")).to_be_focused()  # ready to add another
    assert axe_violations(page) == [], "authors form"
    assert no_sideways_scroll(page)

    page.get_by_role("button", name="Monter Amadou Ba").focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_text(["Amadou Ba", "Julien Marchand"])
    # First now: "Monter" is disabled, so focus stays on the same author's "Descendre".
    expect(page.get_by_role("button", name="Descendre Amadou Ba")).to_be_focused()
    page.keyboard.press("Enter")
    expect(rows).to_have_text(["Julien Marchand", "Amadou Ba"])
    expect(page.get_by_role("button", name="Monter Amadou Ba")).to_be_focused()
    page.keyboard.press("Enter")
    expect(rows).to_have_text(["Amadou Ba", "Julien Marchand"])

    page.get_by_role("button", name="Enregistrer").click()
    byline = page.locator("#byline-authors")
    expect(byline).to_have_text("Par Amadou Ba et Julien Marchand")
    expect(page.get_by_role("button", name="Modifier les auteurs")).to_be_focused()
    expect(page.locator(".byline")).to_contain_text("Mis à jour le")  # out of band, as ever
    assert axe_violations(page) == [], "byline after save"
    assert no_sideways_scroll(page)
    page.watch.assert_clean()

    page.goto(live_server + "/auteur/amadou-ba")
    expect(page.locator("main")).to_contain_text("Poutine salue le soutien nord-coréen")


@pytest.mark.parametrize("width", WIDTHS)
def test_at_least_one_author_is_required_and_the_list_is_kept(
    editor, watched_page, live_server, width
):
    page = watched_page
    log_in(page, live_server, width)
    page.get_by_role("button", name="Modifier les auteurs").click()
    expect(page.get_by_label("Ajouter un auteur")).to_be_focused()  # htmx has processed it
    page.get_by_role("button", name="Retirer Julien Marchand").click()
    expect(page.locator(".author-row")).to_have_count(0)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("L’article doit avoir au moins un auteur.")).to_be_visible()
    assert axe_violations(page) == [], "authors form with an error"
    page.get_by_role("button", name="Annuler").click()
    expect(page.locator("#byline-authors")).to_have_text("Par Julien Marchand")


@pytest.mark.parametrize("width", WIDTHS)
def test_search_preview_and_counters_follow_typing(editor, watched_page, live_server, width):
    page = watched_page
    log_in(page, live_server, width)
    page.get_by_role("button", name="Modifier le référencement et le partage").click()
    title = page.get_by_label("Titre pour les moteurs de recherche")
    expect(title).to_be_visible()
    counter = page.locator("#seo-title-counter")
    default = "Poutine salue le soutien nord-coréen lors d’un sommet à Pyongyang — Gazette"
    expect(counter).to_contain_text(f"{len(default)} caractères sur 60 conseillés")
    assert axe_violations(page) == [], "search and social form"
    assert no_sideways_scroll(page)

    title.fill("Poutine à Pyongyang")
    expect(counter).to_have_text("19 caractères sur 60 conseillés")
    expect(page.locator("[data-preview=search-title]")).to_have_text("Poutine à Pyongyang")
    expect(page.locator("[data-preview=card-title]")).to_have_text("Poutine à Pyongyang")
    description = page.get_by_label("Description", exact=True)
    description.fill("Ce que le sommet change. " * 8)
    expect(page.locator("#seo-description-counter")).to_contain_text("couperont la fin")
    expect(page.locator("[data-preview=description]").first).to_contain_text("…")
    description.fill("Ce que le sommet change.")
    page.get_by_role("button", name="Enregistrer").click()
    expect(
        page.get_by_role("button", name="Modifier le référencement et le partage")
    ).to_be_focused()
    expect(page).to_have_title("Poutine à Pyongyang")
    assert no_sideways_scroll(page)
    page.watch.assert_clean()

    page.context.clear_cookies()  # a reader
    page.goto(live_server + DEMO_PATH)
    expect(page).to_have_title("Poutine à Pyongyang")
    content = page.locator('meta[name="description"]').get_attribute("content")
    assert content == "Ce que le sommet change."
