"""Sujets in Chromium at 390 and 1280 px: an editor adds two tags through the suggestion
list (an existing one found by "cor", a new one created), saves, and readers see rel=tag
links; the /redaction/sujets page; axe is happy and nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from models import Tag, db
from tests.e2e.conftest import PageWatch, axe_violations, log_in_through_form, no_sideways_scroll
from tests.factories import make_article, make_section, make_user

PASSWORD = "correct horse battery"


@pytest.fixture
def newsroom(app):
    section = make_section("International", slug="international")
    editor = make_user(
        "Edith Éditrice", role="editor", password=PASSWORD, email="edith@gazette.example"
    )
    make_article(
        "Le sommet de Pyongyang",
        section=section,
        author=editor,
        slug="sommet",
        standfirst="Un sommet historique.",
        blocks=[("paragraph", {"html": "Premier paragraphe."})],
    )
    db.session.add(Tag(name="Corée du Nord", slug="coree-du-nord"))
    db.session.commit()
    return editor


def log_in(page, live_server):
    log_in_through_form(page, live_server, "edith@gazette.example", PASSWORD)


def htmx_idle(page) -> None:
    """Wait until htmx has no request in flight and nothing settling: the swapped form
    moves focus to its field when it settles, and a key pressed on a button before then
    would land in that field instead."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')"
    )


def only_refusals(watch) -> None:
    """Chromium logs every 4xx answer: the expected 422s only, no CSP error, no dialog."""
    assert [e for e in watch.console_errors if "status of 422" not in e] == []
    assert watch.dialogs == [] and watch.foreign_requests == []


@pytest.mark.parametrize("width", [390, 1280])
def test_an_editor_tags_an_article_through_suggestions(watched_page, live_server, newsroom, width):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server)
    page.goto(live_server + "/article/sommet")
    page.get_by_role("button", name="Modifier les sujets").click()
    # htmx has processed the form once it has the focus (editor.js, on htmx:load): typing
    # Enter earlier could submit it natively on a busy machine.
    expect(page.get_by_label("Ajouter un sujet")).to_be_focused()
    field = page.get_by_label("Ajouter un sujet")
    expect(field).to_be_visible()

    field.press_sequentially("cor", delay=30)
    suggestion = page.get_by_role("button", name="Corée du Nord", exact=True)
    expect(suggestion).to_be_visible()
    expect(page.get_by_role("button", name="Créer « cor »")).to_be_visible()
    assert axe_violations(page) == []
    suggestion.click()
    expect(page.locator(".tag-row-name")).to_have_text(["Corée du Nord"])

    htmx_idle(page)
    field = page.get_by_label("Ajouter un sujet")
    field.press_sequentially("cor", delay=30)  # already chosen: not offered again
    expect(page.get_by_role("button", name="Créer « cor »")).to_be_visible()
    assert page.get_by_role("button", name="Corée du Nord", exact=True).count() == 0
    htmx_idle(page)
    field.fill("")
    field.press_sequentially("Diplomatie", delay=20)
    create = page.get_by_role("button", name="Créer « Diplomatie »")
    expect(create).to_be_visible()
    htmx_idle(page)
    create.click()
    expect(page.locator(".tag-row-name")).to_have_text(["Corée du Nord", "Diplomatie"])
    # The keyboard: Enter in the field adds what was typed; "Retirer" takes it off again.
    htmx_idle(page)
    page.get_by_label("Ajouter un sujet").fill("Séoul")
    # The suggestions asked for while typing have come (their request is delayed 250 ms).
    expect(page.get_by_role("button", name="Créer « Séoul »")).to_be_visible()
    htmx_idle(page)
    page.get_by_label("Ajouter un sujet").press("Enter")
    expect(page.locator(".tag-row-name")).to_have_text(["Corée du Nord", "Diplomatie", "Séoul"])
    expect(page.get_by_label("Ajouter un sujet")).to_be_focused()
    htmx_idle(page)
    page.get_by_role("button", name="Retirer Séoul").press("Enter")
    expect(page.locator(".tag-row-name")).to_have_text(["Corée du Nord", "Diplomatie"])
    assert no_sideways_scroll(page)
    page.screenshot(path=f"/tmp/tags-form-{width}.png", full_page=False)

    page.locator("#part-sujets").get_by_role("button", name="Enregistrer").click()
    links = page.locator("#part-sujets a[rel=tag]")
    expect(links).to_have_text(["Corée du Nord", "Diplomatie"])
    assert axe_violations(page) == []

    # A reader: a browser context of its own (no session), watched like the editor's page.
    reader = page.context.browser.new_page(viewport={"width": width, "height": 900})
    reader.watch = PageWatch(reader, live_server)
    reader.goto(live_server + "/article/sommet")
    tag_links = reader.locator("a[rel=tag]")
    expect(tag_links).to_have_text(["Corée du Nord", "Diplomatie"])
    assert tag_links.first.get_attribute("href") == "/sujet/coree-du-nord"
    assert axe_violations(reader) == []
    assert no_sideways_scroll(reader)
    reader.screenshot(path=f"/tmp/tags-article-{width}.png", full_page=True)
    reader.watch.assert_clean()
    reader.close()

    page.goto(live_server + "/redaction/sujets")
    expect(page.get_by_role("heading", name="Sujets", exact=True)).to_be_visible()
    expect(page.locator(".tag-admin-name")).to_have_text(["Corée du Nord", "Diplomatie"])
    page.locator(".tag-admin-row", has_text="Diplomatie").locator("summary").click()
    assert axe_violations(page) == []
    # Renamed in place (htmx swaps the list; the page stays).
    page.evaluate("() => { window.tagsMarker = 1; }")
    page.get_by_label("Nom", exact=True).last.fill("Diplomatie mondiale")
    page.get_by_role("button", name="Enregistrer Diplomatie").click()
    expect(page.get_by_role("status")).to_contain_text(
        "s’appelle désormais « Diplomatie mondiale »"
    )
    expect(page.locator(".tag-admin-name")).to_have_text(["Corée du Nord", "Diplomatie mondiale"])
    assert page.evaluate("() => window.tagsMarker") == 1
    assert no_sideways_scroll(page)
    page.screenshot(path=f"/tmp/tags-admin-{width}.png", full_page=True)
    page.watch.assert_clean()


def test_the_sujets_draft_survives_a_reload_and_refusals_name_the_tag(
    watched_page, live_server, newsroom
):
    """TRIAL14 items 3, 6 and 8: "Cacao" added and more typed, then a reload: "Reprendre"
    brings both back; a refused name is said next to the box; no CSP error on a 422 swap."""
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server)
    page.goto(live_server + "/article/sommet")
    page.get_by_role("button", name="Modifier les sujets").click()
    # htmx has processed the form once it has the focus (editor.js, on htmx:load): typing
    # Enter earlier could submit it natively on a busy machine.
    expect(page.get_by_label("Ajouter un sujet")).to_be_focused()
    field = page.get_by_label("Ajouter un sujet")
    field.fill("Cacao")
    field.press("Enter")
    expect(page.locator(".tag-row-name")).to_have_text(["Cacao"])
    # Swapped again: ready for the next one once htmx has processed it (it has the focus).
    expect(page.get_by_label("Ajouter un sujet")).to_be_focused()

    # Too long: refused at "Ajouter", the tag named next to the box, the list unchanged.
    field = page.get_by_label("Ajouter un sujet")
    field.fill("Très " + "long " * 30)
    field.press("Enter")
    expect(page.locator("#sujets-add-error")).to_contain_text("« Très long")
    expect(page.locator(".tag-row-name")).to_have_text(["Cacao"])
    field = page.get_by_label("Ajouter un sujet")
    field.fill("")
    field.press_sequentially(",,, ,", delay=20)
    page.wait_for_timeout(400)
    assert page.get_by_role("button", name="Créer « ,,, , »").count() == 0

    field.fill("Côte d’Ivoire, Ghana")
    page.wait_for_timeout(100)
    # The article opened again (a new tab: the old one would ask before leaving).
    again = page.context.new_page()
    again.watch = PageWatch(again, live_server)
    again.goto(live_server + "/article/sommet")
    again.get_by_role("button", name="Modifier les sujets").click()
    again.get_by_role("button", name="Reprendre").click()
    expect(again.locator(".tag-row-name")).to_have_text(["Cacao"])
    expect(again.get_by_label("Ajouter un sujet")).to_have_value("Côte d’Ivoire, Ghana")
    again.locator("#part-sujets").get_by_role("button", name="Enregistrer").click()
    expect(again.locator("#part-sujets a[rel=tag]")).to_have_text(
        ["Cacao", "Côte d’Ivoire", "Ghana"]
    )
    only_refusals(again.watch)
    again.close()
    only_refusals(page.watch)
    page.close()
    page = page.context.new_page()
    page.watch = PageWatch(page, live_server)

    # The sujets page: an empty name refused in place, its label still the field's.
    page.goto(live_server + "/redaction/sujets")
    row = page.locator(".tag-admin-row", has_text="Cacao")
    row.locator("summary").click()
    row.get_by_label("Nom", exact=True).fill("")
    # What a checker such as axe leaves behind (styles set, then unset, through the
    # CSSOM, which the CSP allows): htmx must not copy it onto the new row as markup.
    page.evaluate(
        "() => document.querySelectorAll('#tag-results [id]').forEach("
        "e => { e.style.color = 'red'; e.style.color = ''; })"
    )
    row.get_by_role("button", name="Enregistrer Cacao").click()
    row = page.locator(".tag-admin-row", has_text="Cacao")
    expect(row.locator(".field-error").first).to_contain_text("vide")
    expect(row.get_by_label("Nom", exact=True)).to_have_value("")
    assert page.evaluate("() => document.querySelectorAll('[style]').length") == 0
    only_refusals(page.watch)
