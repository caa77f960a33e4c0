"""Editing that looks like the page, in Chromium: a part's controls show on hover, keyboard
focus or tap; the staff bar's switch shows the article exactly as readers see it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PageWatch, axe_violations
from tests.factories import make_user

DEMO_PATH = "/article/poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"
PASSWORD = "motdepasse-solide"
EMAIL = "elise@gazette.example"
# Every control of a part, in the page's order (the article's own tools stay shown).
CONTROLS = (
    ".article-header > .editable > .edit-button, .article-body .block-controls > button, "
    ".article-body > .body-start > button, .article > .editable > .edit-button, "
    ".author-box .editable > .edit-button"
)


@pytest.fixture
def editor(demo):
    return make_user("Élise Éditrice", role="editor", password=PASSWORD, email=EMAIL)


def log_in(page, live_server, path=DEMO_PATH):
    page.goto(live_server + "/connexion?next=" + path)
    page.get_by_label("Adresse électronique").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + path)
    page.mouse.move(0, 0)  # the pointer left on "Se connecter" would be over a part now


def opacity(locator) -> str:
    """How opaque the element is on screen: its opacity times its ancestors', "0" or "1"."""
    return locator.evaluate(
        """element => {
          let shown = 1;
          for (let node = element; node instanceof Element; node = node.parentElement) {
            shown *= Number(getComputedStyle(node).opacity);
          }
          return String(shown);
        }"""
    )


def expect_opacity(locator, value: str) -> None:
    """Wait until the element is that opaque (a swap or a hover may take a moment)."""
    for _attempt in range(100):
        if opacity(locator) == value:
            return
        locator.page.wait_for_timeout(50)
    assert opacity(locator) == value


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def block(page, n: int):
    return page.locator(".article-body > .editable-block").nth(n)


@pytest.mark.parametrize("width", [390, 1280])
def test_controls_show_while_the_pointer_is_over_the_part(editor, watched_page, live_server, width):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server)
    first, second = block(page, 0), block(page, 1)
    move = first.get_by_role("button", name="Descendre ce paragraphe")
    assert opacity(move) == "0"  # the page looks like the reader's
    assert opacity(page.get_by_role("button", name="Modifier le titre")) == "0"
    expect_opacity(page.get_by_role("button", name="Modifier la publication"), "1")
    first.locator("p").first.hover()
    expect_opacity(move, "1")
    assert opacity(second.locator(".block-controls")) == "0"
    page.get_by_role("heading", level=1).hover()
    expect_opacity(page.get_by_role("button", name="Modifier le titre"), "1")
    expect_opacity(move, "0")
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []
    page.mouse.move(0, 0)
    assert axe_violations(page) == []
    page.watch.assert_clean()


def test_tab_reaches_every_control_in_order_shown_with_its_focus(editor, watched_page, live_server):
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server)
    expected = page.locator(CONTROLS).evaluate_all(
        "buttons => buttons.map(b => b.getAttribute('aria-label') || b.textContent.trim())"
    )
    assert len(expected) > 20
    page.mouse.move(0, 0)
    page.locator("main").focus()
    reached = []
    for _press in range(400):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
              const el = document.activeElement;
              if (!el) return null;
              if (el.tagName !== 'BUTTON') return {name: null, inFooter: Boolean(el.closest('footer'))};
              const style = getComputedStyle(el);
              return {
                name: el.getAttribute('aria-label') || el.textContent.trim(),
                opacity: getComputedStyle(el.closest('.block-controls') || el).opacity,
                outline: style.outlineStyle + ' ' + style.outlineWidth,
                inFooter: Boolean(el.closest('footer')),
              };
            }"""
        )
        if focused and focused["inFooter"]:
            break
        if focused and focused["name"] in expected:
            assert focused["opacity"] == "1", focused
            assert focused["outline"] == "solid 3px", focused
            reached.append(focused["name"])
    assert reached == expected


def test_a_tap_shows_a_part_s_controls_on_a_phone(editor, browser, live_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, locale="fr-FR"
    )
    page = context.new_page()
    page.watch = PageWatch(page, live_server)
    log_in(page, live_server)
    first, second = block(page, 0), block(page, 1)
    first.locator("p").first.tap()
    expect_opacity(first.locator(".block-controls"), "1")
    expect_opacity(second.locator(".block-controls"), "0")
    # A tap on a control not shown yet only shows it: nothing happens unseen.
    second.get_by_role("button", name="Monter", exact=False).first.tap()
    expect_opacity(second.locator(".block-controls"), "1")
    expect_opacity(first.locator(".block-controls"), "0")
    expect(page.locator(".editor-form")).to_have_count(0)
    # Shown, the same tap acts.
    first.locator("p").first.tap()
    first.get_by_role("button", name="Modifier ce paragraphe").tap()
    expect(page.get_by_role("textbox", name="Paragraphe")).to_be_visible()
    for width in (320, 390):
        page.set_viewport_size({"width": width, "height": 844})
        assert no_sideways_scroll(page)
    assert axe_violations(page) == []
    page.watch.assert_clean()
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_switch_shows_the_reader_s_page_and_is_remembered(
    editor, watched_page, live_server, browser, width
):
    reader = browser.new_page(viewport={"width": width, "height": 900})
    reader.goto(live_server + DEMO_PATH)
    readers_main = reader.locator("main").inner_html()
    reader.close()

    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server)
    page.evaluate("window.scrollTo(0, 600)")
    page.get_by_role("button", name="Voir comme un lecteur").click()
    expect(page.get_by_role("button", name="Modifier la page")).to_be_visible()
    page.wait_for_load_state("load")  # share.js has turned its link into a button, as above
    assert page.locator("main").inner_html() == readers_main
    assert page.locator(".editable, .edit-button, .control-button").count() == 0
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []
    page.reload()
    expect(page.get_by_role("button", name="Modifier la page")).to_be_visible()
    assert page.locator(".edit-button").count() == 0
    page.get_by_role("button", name="Modifier la page").click()
    expect(page.get_by_role("button", name="Voir comme un lecteur")).to_be_visible()
    expect(page.get_by_role("button", name="Modifier le titre")).to_have_count(1)
    page.watch.assert_clean()


def test_the_switch_works_without_javascript(editor, browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 900})
    page = context.new_page()
    log_in(page, live_server)
    page.get_by_role("button", name="Voir comme un lecteur").click()
    page.wait_for_url(live_server + DEMO_PATH)
    expect(page.get_by_role("button", name="Modifier la page")).to_be_visible()
    assert page.locator(".edit-button").count() == 0
    context.close()
    # Remembered for the account, in another browser too.
    other = browser.new_page()
    log_in(other, live_server)
    expect(other.get_by_role("button", name="Modifier la page")).to_be_visible()
    other.close()
