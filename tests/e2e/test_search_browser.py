"""Search in Chromium: active search without reload, a shareable URL, no JS needed, axe."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_violations

DEMO_HEADLINE = "Poutine salue le soutien nord-coréen lors d’un sommet à Pyongyang"


def test_active_search_updates_results_as_you_type(demo, watched_page, live_server):
    page = watched_page
    page.goto(live_server + "/recherche")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    page.get_by_label("Rechercher dans les articles").press_sequentially("coreens", delay=40)
    hit = page.locator(".search-hit-headline")
    hit.wait_for()
    assert hit.inner_text() == DEMO_HEADLINE
    assert page.locator(".search-hit-snippet mark").first.inner_text() == "coréen"
    page.wait_for_url(live_server + "/recherche?q=coreens")
    assert page.evaluate("window.sameDocument") is True

    page.get_by_label("Rechercher dans les articles").fill("girafe")
    page.get_by_text("Aucun article ne correspond à « girafe »").wait_for()
    assert page.evaluate("window.sameDocument") is True
    assert page.url == live_server + "/recherche?q=girafe"

    page.watch.assert_clean()
    assert page.context.cookies() == []


def test_search_works_without_javascript(demo, browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/")
    page.get_by_role("link", name="Rechercher").click()
    page.get_by_label("Rechercher dans les articles").fill("sommets")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url(live_server + "/recherche?q=sommets")
    assert page.locator(".search-hit-headline").inner_text() == DEMO_HEADLINE
    assert context.cookies() == []
    context.close()


@pytest.mark.parametrize("path", ["/recherche", "/recherche?q=sommet", "/recherche?q=girafe"])
@pytest.mark.parametrize("width", [390, 1280])
def test_search_pages_have_no_axe_violations(demo, watched_page, live_server, path, width):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server + path)
    assert axe_violations(page) == []
    page.watch.assert_clean()
