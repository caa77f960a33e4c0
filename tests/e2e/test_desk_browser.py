"""The articles desk in Chromium at 390 and 1280 px: filters update the list through htmx
and push the URL, the trash asks first and can be undone, readers then get a 410; axe is
happy and nothing scrolls sideways. Without JavaScript the same form does the same."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from models import db
from models.content import ArticleStatus
from models.time import utcnow
from tests.e2e.conftest import axe_violations, log_in_through_form, no_sideways_scroll
from tests.factories import make_article, make_section, make_user

PASSWORD = "correct horse battery"


@pytest.fixture
def newsroom(app):
    societe = make_section("Société", slug="societe")
    sport = make_section("Sport", slug="sport")
    editor = make_user(
        "Edith Éditrice", role="editor", password=PASSWORD, email="edith@gazette.example"
    )
    alice = make_user("Alice Autrice", slug="alice")
    now = utcnow()
    make_article(
        "Élection à la mairie : les résultats commune par commune",
        section=societe,
        author=alice,
        slug="election",
        standfirst="Un second tour serré.",
        published_at=now - timedelta(hours=2),
        created_at=now - timedelta(hours=3),
    )
    make_article(
        "Brouillon sur l’économie",
        section=societe,
        author=editor,
        status=ArticleStatus.DRAFT,
        published_at=None,
        created_at=now - timedelta(hours=1),
    )
    for n in range(3):
        make_article(
            f"Match de rugby n° {n}",
            section=sport,
            author=alice,
            published_at=now - timedelta(days=n + 1),
            created_at=now - timedelta(days=n + 1),
        )
    return editor


def log_in(page, live_server):
    log_in_through_form(page, live_server, "edith@gazette.example", PASSWORD)


def state(page, name: str):
    """A state's radio button: its name is the label and the count ("Brouillons 1")."""
    return page.get_by_role("radio", name=re.compile(f"^{name} "))


@pytest.mark.parametrize("width", [390, 1280])
def test_filter_search_trash_and_restore(watched_page, live_server, newsroom, width):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server)
    page.get_by_role("link", name="Articles", exact=True).click()
    expect(page.get_by_role("heading", name="Articles", exact=True)).to_be_visible()
    headlines = page.locator(".desk-headline")
    expect(headlines).to_have_count(5)
    assert axe_violations(page) == []
    assert no_sideways_scroll(page)

    # Typing filters through htmx: the list changes, the URL follows, the page stays.
    page.evaluate("() => { window.deskMarker = 1; }")
    page.get_by_label("Rechercher dans les titres et chapôs").fill("ELECTION")
    expect(headlines).to_have_count(1)
    expect(page).to_have_url(f"{live_server}/redaction/articles?q=ELECTION")
    assert page.evaluate("() => window.deskMarker") == 1  # no full page load
    page.get_by_label("Rechercher dans les titres et chapôs").fill("")
    expect(headlines).to_have_count(5)
    page.get_by_label("Rubrique", exact=True).select_option(label="Sport")
    expect(headlines).to_have_count(3)
    assert "rubrique=" in page.url and page.evaluate("() => window.deskMarker") == 1
    page.get_by_label("Rubrique", exact=True).select_option(label="Toutes les rubriques")
    state(page, "Brouillons").check()
    expect(headlines).to_have_count(1)
    assert "etat=brouillons" in page.url
    state(page, "Publiés").check()
    expect(headlines).to_have_count(4)

    # The trash asks first, then the list comes back without the article; undo from there.
    row = page.locator("tr", has_text="Élection à la mairie")
    row.get_by_text("Mettre à la corbeille").click()
    assert axe_violations(page) == []
    assert no_sideways_scroll(page)
    row.get_by_role("button", name="Confirmer la mise à la corbeille").click()
    expect(page.get_by_role("status").filter(has_text="est dans la corbeille")).to_be_visible()
    expect(headlines).to_have_count(3)
    expect(page.locator("#desk-count-trash")).to_have_text("1")
    page.screenshot(path=f"/tmp/desk-{width}.png", full_page=True)

    reader = page.context.browser.new_page()
    response = reader.goto(f"{live_server}/article/election")
    assert response.status == 410
    assert reader.get_by_role("heading", name="Article retiré").is_visible()
    reader.close()

    state(page, "Corbeille").check()
    expect(headlines).to_have_count(1)
    assert axe_violations(page) == []
    # Its editor opens it: the page as it was, under a banner, with nothing to edit.
    page.locator(".desk-headline a").click()
    expect(page.get_by_text("Dans la corbeille")).to_be_visible()
    assert page.get_by_role("button", name="Modifier le titre").count() == 0
    assert axe_violations(page) == []
    assert no_sideways_scroll(page)
    page.go_back()
    expect(headlines).to_have_count(1)
    page.get_by_role("button", name="Restaurer").click()
    expect(page.get_by_role("status").filter(has_text="sorti de la corbeille")).to_be_visible()
    expect(page.locator("#desk-count-trash")).to_have_text("0")
    assert page.context.browser.new_page().goto(f"{live_server}/article/election").status == 200
    page.watch.assert_clean()


def test_the_desk_works_without_javascript(browser, live_server, newsroom):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server)
    page.goto(live_server + "/redaction/articles")
    page.get_by_label("Rubrique", exact=True).select_option(label="Sport")
    page.get_by_role("button", name="Filtrer").click()
    assert "rubrique=" in page.url
    assert page.locator(".desk-headline").count() == 3
    row = page.locator("tr", has_text="Match de rugby n° 0")
    row.get_by_text("Mettre à la corbeille").click()  # <details>: no script needed
    row.get_by_role("button", name="Confirmer la mise à la corbeille").click()
    assert "rubrique=" in page.url  # back to the same list
    assert page.get_by_text("est dans la corbeille").is_visible()
    assert page.locator(".desk-headline").count() == 2
    db.session.expire_all()
    context.close()
