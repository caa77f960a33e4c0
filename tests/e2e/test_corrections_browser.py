"""In Chromium: a correction and a sponsor set in place, share links, structured data under
the strict CSP (no console error), axe clean."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from models import Sponsor, db
from tests.e2e.conftest import axe_violations
from tests.factories import make_user

DEMO_PATH = "/article/poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"
PASSWORD = "motdepasse-solide"


@pytest.fixture
def editor(demo):
    db.session.add(Sponsor(name="Banque Exemple", link="https://banque.example/"))
    db.session.commit()
    return make_user(
        "Élise Éditrice", role="editor", password=PASSWORD, email="elise@gazette.example"
    )


def log_in(page, live_server, path=DEMO_PATH):
    page.goto(live_server + "/connexion?next=" + path)
    page.get_by_label("Adresse électronique").fill("elise@gazette.example")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + path)


def test_editor_adds_a_correction_in_place_and_it_is_listed(editor, watched_page, live_server):
    page = watched_page
    log_in(page, live_server)
    page.evaluate("window.__noReload = 'still here'")

    page.get_by_role("button", name="Ajouter une correction").click()
    field = page.get_by_label("Correction à publier")
    expect(field).to_be_focused()
    page.get_by_role("button", name="Publier la correction").click()  # empty: refused
    expect(page.get_by_text("Écrivez la correction avant de la publier.")).to_be_visible()
    field = page.get_by_label("Correction à publier")
    field.fill("Le sommet s’est tenu à Pyongyang, et non à Moscou.")
    page.get_by_role("button", name="Publier la correction").click()

    corrections = page.get_by_role("region", name="Corrections")
    expect(corrections.locator(".correction-text")).to_have_text(
        "Le sommet s’est tenu à Pyongyang, et non à Moscou."
    )
    expect(corrections.get_by_role("status")).to_have_text("Correction publiée.")
    expect(page.get_by_role("button", name="Ajouter une correction")).to_be_focused()
    assert page.evaluate("window.__noReload") == "still here"
    assert axe_violations(page) == []

    page.goto(live_server + "/corrections")
    expect(page.locator(".corrections-index .correction-text")).to_have_text(
        "Le sommet s’est tenu à Pyongyang, et non à Moscou."
    )
    assert axe_violations(page) == []
    # Chromium logs every 4xx response: the expected 422 is the only console message.
    assert [e for e in page.watch.console_errors if "status of 422" not in e] == []
    assert page.watch.dialogs == [] and page.watch.foreign_requests == []


def test_editor_sets_the_sponsor_in_place(editor, watched_page, live_server):
    page = watched_page
    log_in(page, live_server)
    page.evaluate("window.__noReload = 'still here'")
    page.get_by_role("button", name="Modifier le sponsor").click()
    choice = page.get_by_label("Sponsor de l’article")
    expect(choice).to_be_focused()
    choice.select_option(label="Banque Exemple")
    page.get_by_role("button", name="Enregistrer").click()
    label = page.locator(".sponsor-label")
    expect(label).to_contain_text("Contenu sponsorisé par Banque Exemple")
    expect(label.get_by_role("link", name="Banque Exemple")).to_have_attribute(
        "rel", "sponsored noopener"
    )
    expect(page.get_by_role("button", name="Modifier le sponsor")).to_be_focused()
    assert page.evaluate("window.__noReload") == "still here"
    assert axe_violations(page) == []
    page.watch.assert_clean()


def test_readers_page_structured_data_share_links_and_copy(demo, watched_page, live_server):
    page = watched_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.goto(live_server + DEMO_PATH)
    documents = [
        json.loads(text)
        for text in page.locator('script[type="application/ld+json"]').all_text_contents()
    ]
    assert [doc["@type"] for doc in documents] == ["NewsArticle", "BreadcrumbList"]

    share = page.get_by_role("region", name="Partager cet article")
    for network in ("X", "Facebook", "LinkedIn", "Bluesky", "WhatsApp"):
        link = share.get_by_role("link", name=network)
        expect(link).to_have_attribute("rel", "noopener noreferrer")
    mail = share.get_by_role("link", name="Envoyer par courriel").get_attribute("href")
    assert mail.startswith("mailto:?subject=")
    copy = share.get_by_role("button", name="Copier le lien")  # the script made it a button
    copy.click()
    expect(share.get_by_role("status")).to_have_text("Lien copié")
    assert page.evaluate("navigator.clipboard.readText()") == live_server + DEMO_PATH
    assert axe_violations(page) == []
    page.watch.assert_clean()  # no CSP error for the JSON-LD, nothing from other sites


def test_without_javascript_copy_link_is_a_plain_link(demo, browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + DEMO_PATH)
    link = page.get_by_role("link", name="Copier le lien")
    expect(link).to_have_attribute("href", live_server + DEMO_PATH)
    context.close()
