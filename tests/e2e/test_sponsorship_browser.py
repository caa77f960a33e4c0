"""The sponsorship form and the inbox in Chromium: htmx path, no-JS path, axe."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import db
from models.sponsorship import InquiryStatus, SponsorshipInquiry
from tests.e2e.conftest import axe_violations
from tests.factories import make_user
from tests.sponsorship_factories import make_inquiry

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def quick_form(app):
    """People in these tests fill the form faster than the spam threshold allows."""
    app.config["SPONSORSHIP_MIN_FILL_SECONDS"] = 0


def fill_valid_form(page):
    page.get_by_label("Nom et prénom").fill("Zoé Lefèvre")
    page.get_by_label("Organisation").fill("Énergies Réunies")
    page.get_by_label("Adresse électronique").fill("zoe@energies.example")
    page.get_by_label("Type de sponsoring").select_option("rubrique")
    page.get_by_label("Budget envisagé").select_option("15k-50k")
    page.get_by_label("Votre projet").fill("Parrainer la rubrique Sciences pendant un an 🚀.\nسلام")
    page.get_by_label("J’accepte que la rédaction").check()


def stored() -> list[SponsorshipInquiry]:
    db.session.expire_all()
    return db.session.scalars(select(SponsorshipInquiry)).all()


def test_htmx_checks_fields_on_blur_then_thanks_without_reload(watched_page, live_server):
    page = watched_page
    page.goto(live_server + "/sponsoring")
    page.evaluate("window.__sameDocument = 'oui'")
    assert axe_violations(page) == []

    email = page.get_by_label("Adresse électronique")
    email.fill("pas-une-adresse")
    email.press("Tab")  # leaving the field checks it
    error = page.locator("#email-error")
    error.wait_for()
    assert "Cette adresse électronique n’est pas valide" in error.inner_text()
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    assert page.locator("#email").input_value() == "pas-une-adresse"  # nothing typed is lost

    page.get_by_label("Nom et prénom").fill("x\u2028y")
    page.get_by_label("Nom et prénom").press("Tab")
    page.locator("#name-error").wait_for()
    assert "seule ligne" in page.locator("#name-error").inner_text()

    fill_valid_form(page)
    page.get_by_label("Adresse électronique").press("Tab")
    page.locator("#email-error").wait_for(state="detached")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.locator("#inquiry-thanks").wait_for()
    assert (
        "Merci, votre demande est bien enregistrée" in page.locator("#inquiry-thanks").inner_text()
    )
    assert page.locator("#inquiry-form").count() == 0
    assert page.evaluate("window.__sameDocument") == "oui"  # no reload
    assert page.url == live_server + "/sponsoring"
    assert axe_violations(page) == []
    [inquiry] = stored()
    assert inquiry.status == InquiryStatus.NEW and inquiry.message.endswith("🚀.\nسلام")
    page.watch.assert_clean()


def test_htmx_submit_with_errors_swaps_the_form_and_keeps_the_text(watched_page, live_server):
    page = watched_page
    page.goto(live_server + "/sponsoring")
    page.evaluate("window.__sameDocument = 'oui'")
    page.get_by_label("Votre projet").fill("Un long texte que je ne veux surtout pas retaper.")
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.locator(".error-summary").wait_for()
    assert "Indiquez votre nom." in page.locator("#name-error").inner_text()
    assert (
        page.get_by_label("Votre projet").input_value()
        == "Un long texte que je ne veux surtout pas retaper."
    )
    assert page.evaluate("window.__sameDocument") == "oui"
    assert axe_violations(page) == []  # the error state
    assert stored() == []
    # Chromium logs every 4xx response; the expected 422 is the only console message.
    assert [e for e in page.watch.console_errors if "status of 422" not in e] == []
    assert page.watch.dialogs == [] and page.watch.foreign_requests == []


def test_without_javascript_post_redirects_to_thanks(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/sponsoring")
    page.get_by_label("Nom et prénom").fill("Zoé Lefèvre")
    page.get_by_role("button", name="Envoyer ma demande").click()
    assert "Le formulaire contient" in page.locator(".form-alert").first.inner_text()
    assert page.get_by_label("Nom et prénom").input_value() == "Zoé Lefèvre"
    fill_valid_form(page)
    page.get_by_role("button", name="Envoyer ma demande").click()
    page.wait_for_url(live_server + "/sponsoring/merci")
    assert "Merci, votre demande est bien enregistrée" in page.locator("h2").first.inner_text()
    assert len(stored()) == 1
    context.close()


def test_thanks_and_privacy_pages_have_no_axe_violations(watched_page, live_server):
    page = watched_page
    for path in ("/sponsoring/merci", "/sponsoring/confidentialite"):
        page.goto(live_server + path)
        assert axe_violations(page) == []
    page.watch.assert_clean()


def log_in(page, live_server, user):
    page.goto(live_server + "/connexion")
    page.get_by_label("Adresse électronique").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/redaction")


@pytest.mark.parametrize("width", [390, 1280])
def test_inbox_list_and_detail_work_in_place_and_pass_axe(watched_page, live_server, width):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    editor = make_user(display_name="Edith Éditrice", role="editor", password=PASSWORD)
    make_user(display_name="Paul Partenariats", role="editor")
    inquiry = make_inquiry(organisation="Fondation Lumière", budget="plus-50k")
    make_inquiry(organisation="Casino", status=InquiryStatus.SPAM)
    log_in(page, live_server, editor)

    assert "1" in page.locator(".account-bar .badge").inner_text()
    page.get_by_role("link", name="Demandes").click()
    page.wait_for_url(live_server + "/redaction/demandes/")
    assert page.get_by_role("link", name="Fondation Lumière").is_visible()
    assert axe_violations(page) == []

    page.get_by_label("Rechercher").fill("zzz")
    page.get_by_text("Aucune demande ne correspond.").wait_for()
    page.get_by_label("Rechercher").fill("lumi")
    page.get_by_role("link", name="Fondation Lumière").click()
    page.wait_for_url(f"{live_server}/redaction/demandes/{inquiry.id}")
    assert axe_violations(page) == []

    page.evaluate("window.__sameDocument = 'oui'")
    page.get_by_label("Statut de la demande").select_option("contacte")
    page.get_by_role("button", name="Changer le statut").click()
    page.get_by_text("Actuellement : Contacté").wait_for()
    page.get_by_text("Nouveau → Contacté").wait_for()  # the history, swapped out of band
    page.get_by_label("Assigner la demande à").select_option(label="Paul Partenariats")
    page.get_by_role("button", name="Assigner").click()
    page.get_by_text("Actuellement : Paul Partenariats").wait_for()
    page.get_by_label("Nouvelle note interne").fill("Rappeler lundi, très intéressé·e.")
    page.get_by_role("button", name="Ajouter la note").click()
    page.locator(".note-body", has_text="Rappeler lundi").wait_for()
    assert page.evaluate("window.__sameDocument") == "oui"
    assert axe_violations(page) == []
    page.watch.assert_clean()
