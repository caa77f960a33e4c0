"""In Chromium, at 390 and 1280 px: an editor makes a preview link in place, copies it, and
someone without an account opens it in another browser context: the reader's page under
its banner, axe clean, no sideways scroll, no cookie, nothing from other sites; then the
link is revoked and the same address says so."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from models.content import ArticleStatus
from models.time import utcnow
from tests.e2e.conftest import PageWatch, axe_violations
from tests.factories import make_article, make_section, make_user

PASSWORD = "motdepasse-solide"
SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "/tmp/gazette-screenshots"))
DRAFT_TEXT = "Le conseil municipal votera la fermeture de la piscine en janvier."


@pytest.fixture
def newsroom(app):
    section = make_section("Politique", slug="politique")
    editor = make_user(
        "Élise Éditrice", role="editor", password=PASSWORD, email="elise@gazette.example"
    )
    draft = make_article(
        "La piscine municipale fermera ses portes cet hiver",
        section=section,
        author=editor,
        slug="piscine",
        status=ArticleStatus.DRAFT,
        published_at=None,
        standfirst="Le coût du chauffage a doublé en deux ans ; la mairie renonce.",
        blocks=[
            ("paragraph", {"html": DRAFT_TEXT}),
            ("heading", {"text": "Une décision contestée", "level": 2}),
            ("paragraph", {"html": "L’opposition demande un référendum local."}),
        ],
    )
    scheduled = make_article(
        "Le budget sera présenté demain",
        section=section,
        author=editor,
        slug="budget",
        published_at=utcnow() + timedelta(days=1),
        blocks=[("paragraph", {"html": "Les chiffres du budget."})],
    )
    return type("Newsroom", (), dict(editor=editor, draft=draft, scheduled=scheduled))


def log_in(page, live_server, path):
    page.goto(live_server + "/connexion?next=" + path)
    page.get_by_label("Adresse électronique").fill("elise@gazette.example")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + path)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [390, 1280])
def test_an_editor_sends_a_preview_and_revokes_it(
    newsroom, watched_page, live_server, browser, width
):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    log_in(page, live_server, "/article/piscine")
    page.evaluate("window.__noReload = 'still here'")

    part = page.get_by_role("region", name="Liens d’aperçu")
    expect(part.get_by_text("Aucun lien d’aperçu actif.")).to_be_visible()
    part.get_by_label("Valable").select_option(label="7 jours")
    part.get_by_role("button", name="Créer un lien d’aperçu").click()

    address = part.get_by_label("Adresse de l’aperçu, à copier maintenant")
    expect(address).to_be_focused()
    url = address.input_value()
    assert url.startswith(live_server + "/apercu/")
    expect(part.locator(".preview-link-meta")).to_contain_text("Créé par Élise Éditrice")
    part.get_by_role("button", name="Copier l’adresse").click()
    expect(part.get_by_role("status").last).to_have_text("Adresse copiée")
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert page.evaluate("window.__noReload") == "still here"  # in place, no reload
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []

    # Someone without an account, in a browser of their own.
    context = browser.new_context(viewport={"width": width, "height": 900})
    reader = context.new_page()
    watch = PageWatch(reader, live_server)
    response = reader.goto(url)
    assert response.status == 200
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-robots-tag"] == "noindex"
    assert "set-cookie" not in response.headers
    banner = reader.locator(".preview-banner")
    expect(banner).to_contain_text("Aperçu — non publié")
    expect(banner).to_be_in_viewport()
    expect(reader.get_by_role("heading", level=1)).to_have_text(
        "La piscine municipale fermera ses portes cet hiver"
    )
    expect(reader.get_by_text(DRAFT_TEXT)).to_be_visible()
    expect(reader.get_by_role("button", name="Modifier le titre")).to_have_count(0)
    reader.mouse.wheel(0, 1500)  # the banner stays in view while the reader scrolls
    expect(banner).to_be_in_viewport()
    assert no_sideways_scroll(reader)
    assert axe_violations(reader) == []
    assert context.cookies() == []
    if width == 1280:
        SHOTS.mkdir(parents=True, exist_ok=True)
        reader.mouse.wheel(0, -3000)
        reader.screenshot(path=str(SHOTS / "preview-1280.png"))
    watch.assert_clean()

    # Revoked: the same address now says so, with nothing of the article.
    part.get_by_role("button", name="Révoquer").click()
    expect(part.get_by_role("status").first).to_contain_text("Lien révoqué")
    expect(part.get_by_text("Aucun lien d’aperçu actif.")).to_be_visible()
    response = reader.goto(url)
    assert response.status == 410
    expect(reader.get_by_role("heading", level=1)).to_have_text("Ce lien d’aperçu a été révoqué")
    expect(reader.get_by_text(DRAFT_TEXT)).to_have_count(0)
    assert no_sideways_scroll(reader)
    assert axe_violations(reader) == []
    context.close()
    # Chromium logs the expected 410 in the reader's console; the editor's page stays clean.
    assert [e for e in watch.console_errors if "status of 410" not in e] == []
    page.watch.assert_clean()


def test_a_scheduled_preview_gives_its_date_and_works_without_javascript(
    newsroom, browser, live_server
):
    from models import PreviewLink, db

    _link, token = PreviewLink.issue(newsroom.scheduled, newsroom.editor, "1h")
    db.session.commit()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server}/apercu/{token}")
    expect(page.locator(".preview-banner")).to_contain_text("Publication prévue le")
    expect(page.get_by_text("Les chiffres du budget.")).to_be_visible()
    assert no_sideways_scroll(page)
    context.close()


def test_without_javascript_an_editor_creates_and_revokes(newsroom, browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 800})
    page = context.new_page()
    log_in(page, live_server, "/article/piscine")
    page.get_by_label("Valable").select_option(label="1 heure")
    page.get_by_role("button", name="Créer un lien d’aperçu").click()
    address = page.get_by_label("Adresse de l’aperçu, à copier maintenant")
    url = address.input_value()
    assert "/apercu/" in url
    expect(page.get_by_role("button", name="Copier l’adresse")).to_be_hidden()  # needs JS
    page.get_by_role("link", name="Revenir à l’article").click()
    page.get_by_role("button", name="Révoquer").click()
    page.wait_for_url(live_server + "/article/piscine#preview-links")
    expect(page.get_by_text("Aucun lien d’aperçu actif.")).to_be_visible()
    assert page.goto(url).status == 410
    context.close()


def test_publishing_in_place_updates_the_preview_part(newsroom, watched_page, live_server):
    """The part comes along, out of band, with the publication part's swap: once the
    article is published, no new link can be made, and the part is not duplicated."""
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "/article/piscine")
    page.evaluate("window.__noReload = 'still here'")
    part = page.get_by_role("region", name="Liens d’aperçu")
    expect(part.get_by_role("button", name="Créer un lien d’aperçu")).to_be_visible()
    page.get_by_role("button", name="Modifier la publication").click()
    page.get_by_label("Publier maintenant").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(part).to_contain_text("L’article est publié")
    expect(part.get_by_role("button", name="Créer un lien d’aperçu")).to_have_count(0)
    expect(page.locator("#preview-links")).to_have_count(1)
    assert page.evaluate("window.__noReload") == "still here"
    assert axe_violations(page) == []
    page.watch.assert_clean()
