"""Nothing typed is lost in Chromium: leaving asks first, drafts come back, pastes are told.

Issue 11, section 4: an editor who reloads (or whose browser crashes) with an open form
finds the text offered back; a list pasted from Word lands as one item per list
paragraph; what a paste could not keep is said; a save updates the byline in place;
and a browser without the editor's script keeps the line breaks typed in a textarea.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.e2e.test_editing_browser import PASSWORD, log_in, paragraphs
from tests.factories import make_user

SAMPLES = Path(__file__).parent.parent / "data" / "paste"
# Screenshots for a person to look at; outside the repository.
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "/tmp/gazette-screenshots"))


@pytest.fixture
def editor(demo):
    """The editor test_editing_browser.log_in signs in as, on the demo newsroom."""
    return make_user(
        "Élise Éditrice", role="editor", password=PASSWORD, email="elise@gazette.example"
    )


def drafts(page) -> list[str]:
    return page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('gazette-brouillon:'))"
    )


def paste(page, locator, html: str = "", text: str = "") -> None:
    """A paste event with this clipboard content, as Chromium fires it on Ctrl+V."""
    locator.evaluate(
        """(element, [html, text]) => {
            const data = new DataTransfer();
            if (html) data.setData("text/html", html);
            data.setData("text/plain", text);
            element.focus();
            element.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        [html, text],
    )


def test_reload_asks_first_then_the_draft_is_offered_restored_and_dropped_once_saved(
    editor, watched_page, live_server
):
    page = watched_page
    log_in(page, live_server)
    page.get_by_role("button", name="Modifier ce paragraphe").first.click()
    box = page.get_by_role("textbox", name="Paragraphe")
    expect(box).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("Texte tapé puis perdu par un rechargement")
    assert len(drafts(page)) == 1  # written as the editor types

    # Reload: Chromium asks before leaving (beforeunload); we answer "leave".
    questions: list[str] = []
    page.remove_listener("dialog", page.watch._on_dialog)

    def answer(dialog):
        questions.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    page.reload()
    assert questions == ["beforeunload"]
    page.remove_listener("dialog", answer)
    page.on("dialog", page.watch._on_dialog)

    # Back on the page: opening the paragraph offers the draft.
    page.get_by_role("button", name="Modifier ce paragraphe").first.click()
    offer = page.locator("[data-draft-offer]")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("Un brouillon non enregistré de ce paragraphe existe")
    expect(offer).to_contain_text("il y a")
    assert axe_violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (320, 390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"draft-offer-{width}.png"))
    page.get_by_role("button", name="Reprendre").click()
    expect(page.get_by_role("textbox", name="Paragraphe")).to_have_text(
        "Texte tapé puis perdu par un rechargement"
    )
    page.get_by_role("button", name="Enregistrer").click()
    expect(paragraphs(page).first).to_have_text("Texte tapé puis perdu par un rechargement")
    assert drafts(page) == []

    # Nothing typed: leaving asks nothing.
    page.get_by_role("button", name="Modifier ce paragraphe").first.click()
    expect(page.locator("[data-draft-offer]")).to_be_hidden()
    page.reload()
    page.watch.assert_clean()


def test_ignoring_a_draft_drops_it(editor, watched_page, live_server):
    page = watched_page
    log_in(page, live_server)
    page.get_by_role("button", name="Modifier le chapô").click()
    expect(page.get_by_label("Chapô")).to_be_focused()
    page.get_by_label("Chapô").fill("Un chapô jamais enregistré")
    assert len(drafts(page)) == 1
    page.keyboard.press("Escape")  # cancelled: the draft stays, in case it was a slip
    page.get_by_role("button", name="Modifier le chapô").click()
    expect(page.locator("[data-draft-offer]")).to_contain_text("brouillon non enregistré du chapô")
    page.get_by_role("button", name="Ignorer").click()
    expect(page.locator("[data-draft-offer]")).to_have_count(0)
    expect(page.get_by_label("Chapô")).not_to_have_value("Un chapô jamais enregistré")
    assert drafts(page) == []
    page.watch.assert_clean()


def test_a_word_list_pasted_into_a_list_becomes_items_and_a_removed_image_is_told(
    editor, watched_page, live_server
):
    page = watched_page
    log_in(page, live_server)
    page.get_by_role("button", name="Ajouter un bloc au début").click()
    page.get_by_role("group", name="Ajouter un bloc").get_by_role("button", name="Liste").click()
    first_item = page.get_by_role("textbox", name="Élément").first
    expect(first_item).to_be_focused()
    paste(page, first_item, (SAMPLES / "word_bullets.html").read_text(encoding="utf-8"), "ignored")
    items = page.get_by_role("textbox", name="Élément")
    expect(items.nth(3)).to_have_text("le week-end seulement")
    expect(items.nth(0)).to_have_text("Réduire le temps de trajet des élèves de 20\u00a0%")

    # A web page's list pasted over the last item: it replaces it, the rest follow.
    items.nth(3).click()
    page.keyboard.press("Control+A")
    paste(page, items.nth(3), (SAMPLES / "web_list.html").read_text(encoding="utf-8"))
    expect(page.locator(".paste-notice")).to_have_text("1 image a été retirée.")
    expect(items).to_have_count(7)
    page.get_by_role("button", name="Ajouter", exact=True).click()
    new_list = page.locator(".article-body ul.block-list").first
    expect(new_list.locator("li")).to_have_count(7)
    expect(new_list.locator("li").nth(3)).to_have_text("À retenir")
    expect(new_list.locator("li").nth(1)).to_have_text("Ouvrir deux lignes de bus express")
    assert "·" not in new_list.inner_text()
    page.watch.assert_clean()


def test_a_pasted_table_keeps_its_cells_apart_and_is_told(editor, watched_page, live_server):
    page = watched_page
    log_in(page, live_server)
    page.get_by_role("button", name="Modifier ce paragraphe").first.click()
    box = page.get_by_role("textbox", name="Paragraphe")
    expect(box).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    paste(page, box, (SAMPLES / "word_table_image.html").read_text(encoding="utf-8"))
    expect(page.locator(".paste-notice")).to_have_text(
        "1 image et 1 tableau (son texte est conservé) ont été retirés."
    )
    expect(box).to_contain_text("Candidate | Voix")
    page.get_by_role("button", name="Enregistrer").click()
    # Blank lines in the paste made three paragraphs; the editor is told so.
    expect(page.get_by_role("status").first).to_contain_text("3 paragraphes")
    expect(paragraphs(page).nth(1)).to_contain_text("Mme Durand | 12\u00a0408")
    page.watch.assert_clean()


def test_enter_twice_makes_a_new_paragraph_and_the_byline_updates_in_place(
    editor, watched_page, live_server
):
    page = watched_page
    log_in(page, live_server)
    before = page.locator(".byline").inner_text()
    page.get_by_role("button", name="Modifier ce paragraphe").first.click()
    expect(page.get_by_role("textbox", name="Paragraphe")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("Première ligne")
    page.keyboard.press("Enter")
    page.keyboard.type("deuxième ligne")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("Nouveau paragraphe")
    page.get_by_role("button", name="Enregistrer").click()
    expect(paragraphs(page).first).to_have_text("Première lignedeuxième ligne")
    assert paragraphs(page).first.inner_html().count("<br>") == 1
    expect(paragraphs(page).nth(1)).to_have_text("Nouveau paragraphe")
    expect(page.locator(".byline")).not_to_have_text(before)  # a new "Mis à jour le …"
    expect(page.locator(".byline")).to_contain_text("Mis à jour le")
    expect(page.locator(".byline")).to_have_count(1)
    page.watch.assert_clean()


def test_without_the_editor_script_line_breaks_are_kept(editor, browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    page.route("**/js/editor.js", lambda route: route.abort())  # blocked, or failed to load
    log_in(page, live_server)
    page.get_by_role("button", name="Modifier ce paragraphe").first.click()
    textarea = page.locator("textarea[data-rich-text]")  # the plain textarea: no rich editor
    expect(textarea).to_be_visible()
    textarea.fill("Ligne un\nLigne deux\n\nUn autre paragraphe")
    page.get_by_role("button", name="Enregistrer").click()
    expect(paragraphs(page).nth(1)).to_have_text("Un autre paragraphe")
    assert paragraphs(page).first.inner_html() == "Ligne un<br>Ligne deux"
    # Opened again, the textarea shows the line break as a line.
    page.get_by_role("button", name="Modifier ce paragraphe").first.click()
    expect(page.locator("textarea[data-rich-text]")).to_have_value("Ligne un<br>\nLigne deux")
    context.close()


def test_the_diff_shows_the_publication_state_and_restoring_keeps_the_article_live(
    editor, watched_page, live_server
):
    page = watched_page
    log_in(page, live_server)
    # Unpublish then publish again: the "draft" revision has the same text as now.
    page.get_by_role("button", name="Modifier la publication").click()
    page.get_by_label("Brouillon — non publié").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".publication-status")).to_contain_text("Brouillon")
    page.get_by_role("button", name="Modifier la publication").click()
    page.get_by_label("Publier maintenant").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".publication-status")).to_contain_text("Publié")

    page.get_by_role("button", name="Historique des modifications").click()
    page.get_by_role("button", name="Comparer").nth(1).click()  # the draft one
    diff = page.locator(".revision-diff")
    expect(diff).to_contain_text("Le texte actuel est identique à cette version, mais")
    expect(diff.locator("tr[data-difference=publication]")).to_contain_text("Brouillon")
    box = page.get_by_label("Rétablir aussi l’état de publication (Brouillon — non publié)")
    expect(box).not_to_be_checked()
    assert axe_violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (320, 390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        diff.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"revision-diff-{width}.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("button", name="Restaurer cette version").click()
    page.wait_for_load_state()
    expect(page.locator(".publication-status")).to_contain_text("Publié")
    page.watch.assert_clean()
