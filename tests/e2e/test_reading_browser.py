"""A reader in Chromium: structure, no console error, no cookie, no foreign request, axe."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_violations

DEMO_PATH = "/article/poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"


def test_article_page_renders_its_structure(demo, watched_page, live_server):
    page = watched_page
    page.goto(live_server + DEMO_PATH)

    assert page.locator("h1").all_inner_texts() == [
        "Poutine salue le soutien nord-coréen lors d’un sommet à Pyongyang"
    ]
    trail = page.get_by_role("navigation", name="Fil d’Ariane").get_by_role("link")
    assert trail.all_text_contents() == ["International", "Politique"]
    assert page.locator(".standfirst").inner_text().startswith("Vladimir Poutine a salué")
    assert (
        "Publié le mercredi 19 juin 2024 à 14\u00a0h\u00a005"
        in page.locator(".byline").inner_text()
    )
    assert page.locator(".article-body h2").count() == 5
    quote = page.locator("figure.block-quote")
    assert quote.locator("blockquote").inner_text().startswith("Nous apprécions beaucoup")
    assert quote.locator("figcaption").inner_text() == "Vladimir Poutine"

    page.get_by_role("link", name="contactez-nous").click()
    page.wait_for_url(live_server + "/sponsoring")

    page.watch.assert_clean()
    assert page.context.cookies() == []


@pytest.mark.parametrize(
    "path", ["/", "/rubrique/international", "/rubrique/international/politique", DEMO_PATH]
)
@pytest.mark.parametrize("width", [390, 1280])
def test_pages_have_no_axe_violations(demo, watched_page, live_server, path, width):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server + path)
    assert axe_violations(page) == []
    page.watch.assert_clean()


def test_article_is_readable_without_javascript(demo, browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + DEMO_PATH)
    assert page.locator("h1").inner_text().startswith("Poutine salue")
    assert page.locator(".article-body p.block-paragraph").count() == 6
    context.close()


def test_no_horizontal_scroll_at_320px(demo, watched_page, live_server):
    page = watched_page
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ("/", DEMO_PATH):
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_skip_link_moves_focus_to_main(demo, watched_page, live_server):
    page = watched_page
    page.goto(live_server + DEMO_PATH)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
