"""The inbox's export links in Chromium: both downloads work, the page stays narrow."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import axe_violations
from tests.factories import make_user
from tests.sponsorship_factories import make_inquiry

PASSWORD = "correct horse battery"


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_an_editor_downloads_the_inbox_as_xlsx_and_csv(watched_page, live_server, app, width):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    make_user("Edith Éditrice", role="editor", password=PASSWORD, email="edith@gazette.example")
    make_inquiry(organisation="Énergies Réunies", phone="+33 6 12 34 56 78")
    make_inquiry(organisation='=HYPERLINK("http://evil.example")')

    page.goto(live_server + "/connexion")
    page.get_by_label("Adresse électronique").fill("edith@gazette.example")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(live_server + "/redaction/demandes/?q=nergies")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []
    page.screenshot(path=f"/tmp/inbox-export-{width}.png", full_page=False)

    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter pour Excel (.xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [row[4] for row in rows[1:]] == ["Énergies Réunies"]  # the search applies
    assert rows[1][6] == "+33 6 12 34 56 78"

    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter en CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    page.watch.assert_clean()
