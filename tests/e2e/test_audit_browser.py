"""The journal in Chromium: an admin reads it, filters it, pages through it; axe is happy."""

from __future__ import annotations

import pytest

from models import db
from models.audit import AuditEvent
from tests.e2e.conftest import axe_violations
from tests.factories import make_user

PASSWORD = "correct horse battery"


@pytest.fixture
def admin(app):
    return make_user("Ada Admin", role="admin", password=PASSWORD, email="ada@gazette.example")


@pytest.mark.parametrize("width", [390, 1280])
def test_admin_reads_filters_and_pages_the_journal(watched_page, live_server, admin, width):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    editor = make_user("Edith Éditrice", role="editor")
    for n in range(55):
        db.session.add(
            AuditEvent(action="editor.save_block", target=f"bloc:{n}", user_id=editor.id)
        )
    db.session.commit()

    page.goto(live_server + "/connexion")
    page.get_by_label("Adresse électronique").fill("ada@gazette.example")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Journal").click()

    assert page.get_by_role("heading", name="Journal de la rédaction").is_visible()
    assert page.get_by_role("rowheader").count() == 50
    assert page.get_by_role("rowheader").first.inner_text() == "Connexion"  # newest first
    assert axe_violations(page) == []
    page.screenshot(path=f"/tmp/journal-{width}.png", full_page=False)

    page.get_by_role("link", name="Plus anciennes").click()
    assert page.get_by_role("rowheader").count() == 6

    page.get_by_label("Personne", exact=True).select_option(label="Edith Éditrice")
    page.get_by_label("Action", exact=True).select_option(label="Bloc modifié")
    page.get_by_role("button", name="Filtrer").click()
    assert "personne=" in page.url and page.get_by_role("rowheader").count() == 50
    assert axe_violations(page) == []
    page.watch.assert_clean()
