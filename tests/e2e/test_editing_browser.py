"""An editor in Chromium: editing the live article in place, without reloads, losing nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.factories import make_user

DEMO_PATH = "/article/poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"
PASSWORD = "motdepasse-solide"
PAYLOADS = json.loads((Path(__file__).parent.parent / "data" / "xss-payloads.json").read_text())


@pytest.fixture
def editor(demo):
    return make_user(
        "Élise Éditrice", role="editor", password=PASSWORD, email="elise@gazette.example"
    )


def log_in(page, live_server, path=DEMO_PATH):
    page.goto(live_server + "/connexion?next=" + path)
    page.get_by_label("Adresse électronique").fill("elise@gazette.example")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + path)


def set_marker(page):
    page.evaluate("window.__noReload = 'still here'")


def assert_no_reload(page):
    assert page.evaluate("window.__noReload") == "still here"


def paragraphs(page):
    return page.locator(".article-body p.block-paragraph")


def test_edit_headline_standfirst_and_a_paragraph_with_bold_and_link(
    editor, watched_page, live_server
):
    page = watched_page
    log_in(page, live_server)
    set_marker(page)

    page.get_by_role("button", name="Modifier le titre").click()
    headline = page.get_by_label("Titre", exact=True)
    expect(headline).to_be_focused()
    headline.fill("Un titre refait en place")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_have_text("Un titre refait en place")
    expect(page.get_by_role("button", name="Modifier le titre")).to_be_focused()

    page.get_by_role("button", name="Modifier le chapô").click()
    page.get_by_label("Chapô").fill("Un chapô tout neuf.")
    page.keyboard.press("Control+Enter")  # nothing special: the button saves
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".standfirst")).to_have_text("Un chapô tout neuf.")

    page.get_by_role("button", name="Modifier ce paragraphe").first.click()
    editor_box = page.get_by_role("textbox", name="Paragraphe")
    expect(editor_box).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("Début ")
    page.get_by_role("button", name="Gras").click()
    page.keyboard.type("important")
    page.get_by_role("button", name="Gras").click()
    page.keyboard.type(" puis ")
    page.keyboard.press("Shift+Home")  # select the line, then link the last word only
    page.keyboard.press("End")
    page.keyboard.type("source")
    for _ in range(len("source")):
        page.keyboard.press("Shift+ArrowLeft")
    page.get_by_role("button", name="Lien", exact=True).click()
    page.get_by_label("Adresse du lien").fill("https://exemple.fr/source")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Enregistrer").click()

    first = paragraphs(page).first
    expect(first.locator("strong")).to_have_text("important")
    expect(first.locator("a")).to_have_attribute("href", "https://exemple.fr/source")
    expect(first.locator("a")).to_have_text("source")
    assert_no_reload(page)

    page.reload()
    expect(page.locator("h1")).to_have_text("Un titre refait en place")
    expect(page.locator(".standfirst")).to_have_text("Un chapô tout neuf.")
    expect(paragraphs(page).first.locator("strong")).to_have_text("important")
    expect(paragraphs(page).first.locator("a")).to_have_attribute(
        "href", "https://exemple.fr/source"
    )
    page.watch.assert_clean()


def test_escape_cancels_and_focus_returns(editor, watched_page, live_server):
    page = watched_page
    log_in(page, live_server)
    page.get_by_role("button", name="Modifier le chapô").click()
    # Focus moves into the form once htmx has swapped and settled it (a person cannot
    # press Escape faster than that; the test could, and the Escape would be lost).
    expect(page.get_by_label("Chapô")).to_be_focused()
    page.get_by_label("Chapô").fill("Jamais enregistré")
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Modifier le chapô")).to_be_focused()
    expect(page.locator(".standfirst")).to_contain_text("Vladimir Poutine a salué")
    page.watch.assert_clean()


def test_add_a_quote_reorder_and_delete(editor, watched_page, live_server):
    page = watched_page
    log_in(page, live_server)
    set_marker(page)
    count = page.locator(".article-body .editable-block").count()

    page.get_by_role("button", name="Ajouter un bloc après ce paragraphe").first.click()
    page.get_by_role("group", name="Ajouter un bloc").get_by_role("button", name="Citation").click()
    page.get_by_label("Citation", exact=True).fill("La presse libre est une conquête quotidienne.")
    page.get_by_label("Attribution (qui parle)").fill("Une rédactrice en chef")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    new_quote = page.locator(".article-body figure.block-quote", has_text="conquête quotidienne")
    expect(new_quote.locator("figcaption")).to_have_text("Une rédactrice en chef")
    expect(page.locator(".article-body .editable-block")).to_have_count(count + 1)
    # The quote sits right after the first paragraph.
    second = page.locator(".article-body .editable-block").nth(1)
    expect(second).to_contain_text("conquête quotidienne")

    # Reorder: move it up above the first paragraph.
    second.get_by_role("button", name="Monter cette citation").click()
    expect(page.locator(".article-body .editable-block").first).to_contain_text(
        "conquête quotidienne"
    )
    moved = page.locator(".article-body .editable-block").first
    expect(moved.get_by_role("button", name="Monter cette citation")).to_be_focused()

    # Delete it, after a confirmation in the page (no dialog).
    page.locator(".article-body .editable-block").first.get_by_role(
        "button", name="Supprimer cette citation"
    ).click()
    page.get_by_role("button", name="Supprimer", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Bloc supprimé")
    expect(page.locator(".article-body .editable-block")).to_have_count(count)
    assert_no_reload(page)

    page.reload()
    expect(page.locator(".article-body", has_text="conquête quotidienne")).to_have_count(0)
    expect(page.locator(".article-body .editable-block")).to_have_count(count)
    page.watch.assert_clean()


def test_reorder_persists_after_reload(editor, watched_page, live_server):
    page = watched_page
    log_in(page, live_server)
    set_marker(page)
    first_text = paragraphs(page).first.inner_text()
    page.get_by_role("button", name="Descendre ce paragraphe").first.click()
    expect(page.locator(".article-body .editable-block").nth(1)).to_contain_text(first_text[:40])
    assert_no_reload(page)
    page.reload()
    expect(page.locator(".article-body .editable-block").nth(1)).to_contain_text(first_text[:40])
    page.watch.assert_clean()


def test_publish_a_new_article(editor, watched_page, live_server, browser):
    page = watched_page
    log_in(page, live_server, "/redaction")
    page.get_by_role("link", name="Nouvel article").click()
    page.get_by_label("Titre", exact=True).fill("Élections : le grand soir")
    page.get_by_label("Rubrique", exact=True).select_option(label="International › Politique")
    page.get_by_role("button", name="Créer le brouillon").click()
    page.wait_for_url(live_server + "/article/elections-le-grand-soir")
    expect(page.locator(".publication-status")).to_contain_text("Brouillon — non publié")
    set_marker(page)

    reader = browser.new_context()
    assert reader.new_page().goto(live_server + "/article/elections-le-grand-soir").status == 404

    page.get_by_role("button", name="Ajouter un bloc au début").click()
    page.get_by_role("group", name="Ajouter un bloc").get_by_role(
        "button", name="Paragraphe"
    ).click()
    expect(page.get_by_role("textbox", name="Paragraphe")).to_be_focused()
    page.keyboard.type("Le premier paragraphe.")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(paragraphs(page)).to_have_text(["Le premier paragraphe."])

    page.get_by_role("button", name="Modifier la publication").click()
    page.get_by_label("Publier maintenant").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".publication-status")).to_contain_text("Publié")
    expect(page.locator(".byline")).to_contain_text("Publié le")
    assert_no_reload(page)

    reader_page = reader.new_page()
    assert reader_page.goto(live_server + "/article/elections-le-grand-soir").status == 200
    expect(reader_page.locator(".article-body")).to_contain_text("Le premier paragraphe.")
    assert reader.cookies() == []
    reader.close()
    page.watch.assert_clean()


def test_two_editors_on_one_paragraph_get_a_conflict_and_lose_nothing(editor, browser, live_server):
    pages = []
    for _ in range(2):
        context = browser.new_context()
        page = context.new_page()
        log_in(page, live_server)
        page.get_by_role("button", name="Modifier ce paragraphe").first.click()
        pages.append(page)
    first, second = pages
    for page, text in ((first, "Version de la première"), (second, "Version de la seconde")):
        box = page.get_by_role("textbox", name="Paragraphe")
        box.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(text)
    first.get_by_role("button", name="Enregistrer").click()
    expect(paragraphs(first).first).to_have_text("Version de la première")

    set_marker(second)
    second.get_by_role("button", name="Enregistrer").click()
    conflict = second.locator(".conflict")
    expect(conflict).to_contain_text("Quelqu’un a enregistré cette partie")
    expect(conflict.locator(".conflict-theirs")).to_contain_text("Version de la première")
    expect(second.get_by_role("textbox", name="Paragraphe")).to_have_text("Version de la seconde")
    assert_no_reload(second)

    second.get_by_role("button", name="Garder ma version").click()
    expect(paragraphs(second).first).to_have_text("Version de la seconde")
    first.reload()
    expect(paragraphs(first).first).to_have_text("Version de la seconde")
    for page in pages:
        page.context.close()


def subset(payloads, size=30):
    """A spread of the corpus: every n-th payload, so each kind of trick is represented."""
    step = max(1, len(payloads) // size)
    return payloads[::step][:size]


def test_pasted_xss_payloads_never_run(editor, watched_page, live_server):
    page = watched_page
    log_in(page, live_server)
    page.evaluate("window.__xss = 0")
    for index, payload in enumerate(subset(PAYLOADS)):
        page.get_by_role("button", name="Modifier ce paragraphe").first.click()
        box = page.locator("form.editor-form .rich-editor")
        expect(box).to_be_focused()
        page.keyboard.press("Control+A")  # the paste replaces the whole text
        # A real paste event carrying the payload as HTML, as if copied from another page.
        box.evaluate(
            """(el, html) => {
                const data = new DataTransfer();
                data.setData('text/html', html);
                data.setData('text/plain', html);
                el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
            }""",
            payload,
        )
        page.keyboard.press("End")
        page.keyboard.type(f" fin{index}")  # typed while the server cleans the paste
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.locator("form.editor-form")).to_have_count(0)
        # A payload made of several paragraphs is saved as several paragraph blocks.
        expect(page.locator(".article-body")).to_contain_text(f"fin{index}")
    page.reload()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None  # reloaded, and nothing set it
    page.watch.assert_clean()


def test_no_axe_violations_in_editing_states(editor, watched_page, live_server):
    page = watched_page
    log_in(page, live_server)
    assert axe_violations(page) == [], "display with edit buttons"

    page.get_by_role("button", name="Modifier ce paragraphe").first.click()
    expect(page.get_by_role("textbox", name="Paragraphe")).to_be_focused()
    assert axe_violations(page) == [], "open form"

    page.get_by_role("button", name="Annuler").click()
    page.get_by_role("button", name="Modifier le titre").click()
    page.get_by_label("Titre", exact=True).fill("")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Le titre ne peut pas être vide.")).to_be_visible()
    assert axe_violations(page) == [], "validation error"

    # A conflict: someone else saves the standfirst behind this form's back.
    page.get_by_role("button", name="Annuler").click()
    page.get_by_role("button", name="Modifier le chapô").click()
    other = page.context.new_page()
    other.goto(live_server + DEMO_PATH)
    other.get_by_role("button", name="Modifier le chapô").click()
    other.get_by_label("Chapô").fill("Le chapô de quelqu’un d’autre")
    other.get_by_role("button", name="Enregistrer").click()
    expect(other.locator(".standfirst")).to_have_text("Le chapô de quelqu’un d’autre")
    other.close()
    page.get_by_label("Chapô").fill("Mon chapô")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".conflict")).to_be_visible()
    assert axe_violations(page) == [], "conflict"

    page.get_by_role("button", name="Historique des modifications").click()
    expect(page.get_by_role("heading", name="Historique des modifications")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Comparer")).first.click()
    expect(page.locator(".revision-diff")).to_be_visible()
    assert axe_violations(page) == [], "history panel"
    # The browser logs the 422 and 409 answers themselves; nothing else went wrong.
    assert all(re.search(r"status of (422|409)", message) for message in page.watch.console_errors)
    assert page.watch.dialogs == [] and page.watch.foreign_requests == []


def test_server_error_keeps_the_form_and_says_so(editor, watched_page, live_server, monkeypatch):
    import views.editor

    page = watched_page
    log_in(page, live_server)
    page.get_by_role("button", name="Modifier le chapô").click()
    page.get_by_label("Chapô").fill("Texte à ne pas perdre")

    def broken(*args, **kwargs):
        raise RuntimeError("panne")

    monkeypatch.setattr(views.editor, "saved", broken)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".editor-error")).to_contain_text("Votre texte est toujours là")
    expect(page.get_by_label("Chapô")).to_have_value("Texte à ne pas perdre")
    # The failed request is the only error the console saw.
    assert all("500" in message for message in page.watch.console_errors)
