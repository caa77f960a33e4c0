"""The inquiry inbox: who may see it, filters, search, sort, in-place actions, CSV, erasure."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import db
from models.sponsorship import (
    InquiryNote,
    InquiryStatus,
    OutboxMessage,
    SponsorshipInquiry,
    purge_expired,
)
from tests.factories import make_user
from tests.sponsorship_factories import make_inquiry

PASSWORD = "correct horse battery"
HTMX = {"HX-Request": "true"}


def log_in(client, role="editor", **fields):
    user = make_user(role=role, password=PASSWORD, **fields)
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return user


@pytest.fixture
def editor(client, app):
    return log_in(client, "editor", display_name="Edith Éditrice")


def rows_of(html: str) -> list[str]:
    return [line for line in html.splitlines() if "/redaction/demandes/" in line and "<th" in line]


@pytest.mark.parametrize(
    "path",
    [
        "/redaction/demandes/",
        "/redaction/demandes/export.csv",
        "/redaction/demandes/export.xlsx",
        "/redaction/demandes/{id}",
    ],
)
def test_anonymous_visitors_are_sent_to_login(client, app, path):
    inquiry = make_inquiry()
    response = client.get(path.format(id=inquiry.id))
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/redaction/demandes/"),
        ("get", "/redaction/demandes/export.csv"),
        ("get", "/redaction/demandes/export.xlsx"),
        ("get", "/redaction/demandes/{id}"),
        ("post", "/redaction/demandes/{id}/statut"),
        ("post", "/redaction/demandes/{id}/notes"),
        ("post", "/redaction/demandes/{id}/effacer"),
    ],
)
def test_authors_are_refused(client, app, method, path):
    inquiry = make_inquiry()
    log_in(client, "author")
    response = getattr(client, method)(path.format(id=inquiry.id), data={"status": "gagne"})
    assert response.status_code == 403
    assert db.session.get(SponsorshipInquiry, inquiry.id).status == InquiryStatus.NEW


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_editors_and_admins_see_the_inbox(client, app, role):
    make_inquiry(organisation="Fondation Lumière")
    log_in(client, role)
    html = client.get("/redaction/demandes/").get_data(as_text=True)
    assert "Fondation Lumière" in html


def test_badge_counts_new_inquiries_in_the_account_bar(client, app, editor):
    make_inquiry()
    make_inquiry()
    make_inquiry(status=InquiryStatus.CONTACTED)
    html = client.get("/").get_data(as_text=True)
    assert '<span class="badge">2<span class="visually-hidden"> nouvelles</span></span>' in html


def test_authors_have_no_inbox_link(client, app):
    log_in(client, "author")
    assert "/redaction/demandes/" not in client.get("/").get_data(as_text=True)


def test_counts_per_status_and_status_filter(client, app, editor):
    make_inquiry(organisation="Nouvelle SA")
    make_inquiry(organisation="Gagnée SARL", status=InquiryStatus.WON)
    make_inquiry(organisation="Casino Spam", status=InquiryStatus.SPAM)
    html = client.get("/redaction/demandes/").get_data(as_text=True)
    assert 'Toutes sauf spam <span class="count">2</span>' in html
    assert (
        'Gagné <span class="count">1</span>' in html and 'Spam <span class="count">1</span>' in html
    )
    assert "Nouvelle SA" in html and "Gagnée SARL" in html and "Casino Spam" not in html

    html = client.get("/redaction/demandes/?statut=spam").get_data(as_text=True)
    assert "Casino Spam" in html and "Nouvelle SA" not in html
    html = client.get("/redaction/demandes/?statut=gagne").get_data(as_text=True)
    assert "Gagnée SARL" in html and "Nouvelle SA" not in html
    # An unknown status is ignored rather than an error.
    assert client.get("/redaction/demandes/?statut=bidon").status_code == 200


def test_search_across_name_organisation_email_and_message(client, app, editor):
    make_inquiry(name="Hélène Dupré", organisation="Alpha")
    make_inquiry(organisation="Brasserie Écume")
    make_inquiry(organisation="Gamma", email="contact@delta-media.fr")
    make_inquiry(organisation="Epsilon", message="Un podcast sur la montagne, 100% local.")
    for query, expected in [
        ("hélène", "Alpha"),
        ("BRASSERIE", "Brasserie Écume"),
        ("delta-media", "Gamma"),
        ("montagne", "Epsilon"),
        ("100%", "Epsilon"),
    ]:
        html = client.get("/redaction/demandes/", query_string={"q": query}).get_data(as_text=True)
        assert [expected] == [
            org for org in ("Alpha", "Brasserie Écume", "Gamma", "Epsilon") if f">{org}</a>" in html
        ], query
    html = client.get("/redaction/demandes/", query_string={"q": "%"}).get_data(as_text=True)
    assert "Aucune demande ne correspond." not in html  # "%" is searched literally: Epsilon
    html = client.get("/redaction/demandes/", query_string={"q": "_"}).get_data(as_text=True)
    assert "Aucune demande ne correspond." in html


def test_search_with_htmx_returns_the_results_only(client, app, editor):
    make_inquiry(organisation="Alpha")
    response = client.get("/redaction/demandes/?q=alpha", headers=HTMX)
    html = response.get_data(as_text=True).strip()
    assert html.startswith('<div id="inbox-results"') and "Alpha" in html
    assert "HX-Request" in response.headers["Vary"]


def test_sort_by_date_and_budget(client, app, editor):
    make_inquiry(organisation="Ancienne", budget="plus-50k", age=timedelta(days=3))
    make_inquiry(organisation="Récente", budget="moins-2k", age=timedelta(days=1))
    make_inquiry(organisation="Moyenne", budget="5k-15k", age=timedelta(days=2))
    make_inquiry(organisation="Indécise", budget="a-definir", age=timedelta(days=4))

    def order(sort):
        html = client.get("/redaction/demandes/", query_string={"tri": sort}).get_data(as_text=True)
        names = ["Ancienne", "Récente", "Moyenne", "Indécise"]
        return sorted(names, key=lambda n: html.index(f">{n}</a>"))

    assert order("recent") == ["Récente", "Moyenne", "Ancienne", "Indécise"]
    assert order("ancien") == ["Indécise", "Ancienne", "Moyenne", "Récente"]
    assert order("budget-haut") == ["Ancienne", "Moyenne", "Récente", "Indécise"]
    assert order("budget-bas") == ["Indécise", "Récente", "Moyenne", "Ancienne"]


def test_pagination_is_bounded(client, app, editor):
    app.config["SPONSORSHIP_INBOX_PER_PAGE"] = 2
    for n in range(3):
        make_inquiry(organisation=f"Org {n}", age=timedelta(hours=n))
    html = client.get("/redaction/demandes/?page=2").get_data(as_text=True)
    assert "Org 2" in html and "Org 0" not in html and "Page 2 sur 2" in html
    assert client.get("/redaction/demandes/?page=abc").status_code == 404
    assert client.get("/redaction/demandes/?page=99999999").status_code == 404


def test_detail_shows_the_inquiry_escaped(client, app, editor):
    inquiry = make_inquiry(name="<script>alert(1)</script>", message="Bonjour\nSur deux lignes")
    html = client.get(f"/redaction/demandes/{inquiry.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Bonjour\nSur deux lignes" in html
    assert client.get("/redaction/demandes/999999").status_code == 404


def test_notes_are_added_in_place_with_author_and_date(client, app, editor):
    inquiry = make_inquiry()
    response = client.post(
        f"/redaction/demandes/{inquiry.id}/notes", data={"body": "Rappeler lundi 🙂"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True).strip()
    assert html.startswith('<section id="inquiry-notes"')
    assert "Rappeler lundi 🙂" in html and "Edith Éditrice" in html
    [note] = db.session.scalars(select(InquiryNote)).all()
    assert note.author_id == editor.id and note.body == "Rappeler lundi 🙂"


def test_an_invalid_note_keeps_its_text(client, app, editor):
    inquiry = make_inquiry()
    response = client.post(
        f"/redaction/demandes/{inquiry.id}/notes", data={"body": "x" * 2001}, headers=HTMX
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # The limit is written the French way, with a narrow no-break space (babel).
    assert "Une note compte 2\u202f000 caractères au plus." in html and "x" * 2001 in html
    assert 'maxlength="2000"' in html
    response = client.post(
        f"/redaction/demandes/{inquiry.id}/notes", data={"body": ""}, headers=HTMX
    )
    assert "Écrivez la note avant de l’ajouter." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(InquiryNote)) == 0


def test_status_change_in_place_is_recorded(client, app, editor):
    inquiry = make_inquiry()
    response = client.post(
        f"/redaction/demandes/{inquiry.id}/statut", data={"status": "contacte"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert (
        html.strip().startswith('<section id="inquiry-status"')
        and "Actuellement : Contacté" in html
    )
    assert '<div id="inquiry-note-list" hx-swap-oob="true">' in html
    assert "Nouveau → Contacté" in html
    db.session.expire_all()
    assert db.session.get(SponsorshipInquiry, inquiry.id).status == InquiryStatus.CONTACTED


def test_status_change_without_htmx_redirects(client, app, editor):
    inquiry = make_inquiry()
    response = client.post(
        f"/redaction/demandes/{inquiry.id}/statut", data={"status": "proposition"}
    )
    assert response.status_code == 303
    response = client.post(f"/redaction/demandes/{inquiry.id}/statut", data={"status": "inconnu"})
    assert response.status_code == 422
    assert "Choisissez un statut dans la liste." in response.get_data(as_text=True)


def test_releasing_spam_queues_its_notification(client, app, editor):
    inquiry = make_inquiry(status=InquiryStatus.SPAM, spam_reason="champ piège rempli")
    client.post(
        f"/redaction/demandes/{inquiry.id}/statut", data={"status": "nouveau"}, headers=HTMX
    )
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.inquiry_id == inquiry.id and message.purpose == "notification"


def test_assignment_to_a_colleague(client, app, editor):
    colleague = make_user(display_name="Paul Partenariats", role="editor")
    author = make_user(display_name="Anne Autrice", role="author")
    inquiry = make_inquiry()
    page = client.get(f"/redaction/demandes/{inquiry.id}").get_data(as_text=True)
    assert "Paul Partenariats" in page and "Anne Autrice" not in page
    response = client.post(
        f"/redaction/demandes/{inquiry.id}/assignation",
        data={"assignee": colleague.id},
        headers=HTMX,
    )
    assert response.status_code == 200 and "Actuellement : Paul Partenariats" in response.get_data(
        as_text=True
    )
    response = client.post(
        f"/redaction/demandes/{inquiry.id}/assignation", data={"assignee": author.id}, headers=HTMX
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(SponsorshipInquiry, inquiry.id).assignee_id == colleague.id


# (typed, in the CSV): only what a spreadsheet would run as a formula gets the quote.
CSV_CELLS = {
    "phone": ("+33 6 12 34 56 78", "+33 6 12 34 56 78"),
    "phone-parentheses": ("+33 (0)1 23 45 67 89", "+33 (0)1 23 45 67 89"),
    "negative-number": ("-1 500,50", "-1 500,50"),
    "hyperlink": (
        '=HYPERLINK("http://evil.example","clic")',
        '\'=HYPERLINK("http://evil.example","clic")',
    ),
    "dde": ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    "at-function": ("@SUM(1)", "'@SUM(1)"),
    "minus-formula": ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    "minus-letters": ("-moins", "'-moins"),
    "tab": ("\t=1+1", "'\t=1+1"),
    "carriage-return": ("\r=1+1", "'\r=1+1"),
    "spaces-then-equals": ("  =1+1", "'  =1+1"),
    "fullwidth-equals": ("\uff1dSUM(1)", "'\uff1dSUM(1)"),
    "plain": ('Société « Alpha »; "deux"', 'Société « Alpha »; "deux"'),
    "email-like": ("x@exemple.fr", "x@exemple.fr"),
}


@pytest.mark.parametrize(("typed", "written"), list(CSV_CELLS.values()), ids=list(CSV_CELLS))
def test_csv_guards_only_cells_that_would_be_formulas(typed, written):
    from services.inquiry_export import spreadsheet_safe

    assert spreadsheet_safe(typed) == written


def _csv_rows(raw: bytes, delimiter: str) -> list[dict[str, str]]:
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=delimiter))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_csv_export_is_excel_friendly_and_safe(client, app, editor):
    make_inquiry(
        name='=HYPERLINK("http://evil.example","clic")',
        organisation='+33 Société, « guillemets » "doubles"; point-virgule',
        email="x@exemple.fr",
        phone="+33 6 12 34 56 78",
        message="@SUM(A1)\nseconde ligne",
        period="\tTab",
    )
    make_inquiry(organisation="Spam Inc", status=InquiryStatus.SPAM)
    response = client.get("/redaction/demandes/export.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.splitlines()[0].count(b";") == 12  # French UI: ";" between the 13 columns
    [cell] = _csv_rows(raw, ";")  # the spam is filtered out, as on the list
    assert cell["Nom"] == '\'=HYPERLINK("http://evil.example","clic")'
    assert cell["Organisation"] == '\'+33 Société, « guillemets » "doubles"; point-virgule'
    assert cell["Téléphone"] == "+33 6 12 34 56 78"  # a phone number is not a formula
    assert cell["Message"] == "'@SUM(A1)\nseconde ligne"
    assert cell["Période"] == "'\tTab"
    assert cell["Courriel"] == "x@exemple.fr" and cell["Statut"] == "Nouveau"


def test_csv_export_uses_commas_for_the_english_interface(client, app):
    log_in(client, "editor", locale="en")
    make_inquiry(organisation="Alpha, Beta", phone="-12")
    raw = client.get("/redaction/demandes/export.csv").get_data()
    [cell] = _csv_rows(raw, ",")
    assert "Number" in cell  # the header in English too
    assert list(cell.values())[4:7] == ["Alpha, Beta", cell["Email"], "-12"]


def test_csv_export_respects_filters(client, app, editor):
    make_inquiry(organisation="Alpha")
    make_inquiry(organisation="Beta", status=InquiryStatus.WON)
    raw = client.get("/redaction/demandes/export.csv?statut=gagne").get_data().decode("utf-8-sig")
    assert "Beta" in raw and "Alpha" not in raw
    raw = client.get("/redaction/demandes/export.csv?q=alp").get_data().decode("utf-8-sig")
    assert "Alpha" in raw and "Beta" not in raw


def test_cli_export_writes_csv_to_stdout(app, runner):
    make_inquiry(organisation="Ciné-club", name="-moins", phone="+33 6 12 34 56 78")
    result = runner.invoke(args=["inquiries", "export"])
    assert result.exit_code == 0
    [cell] = _csv_rows(result.stdout_bytes, ";")
    assert (cell["Nom"], cell["Organisation"]) == ("'-moins", "Ciné-club")
    assert cell["Téléphone"] == "+33 6 12 34 56 78"
    result = runner.invoke(args=["inquiries", "export", "--delimiter", ","])
    assert _csv_rows(result.stdout_bytes, ",")[0]["Organisation"] == "Ciné-club"
    result = runner.invoke(args=["inquiries", "export", "--delimiter", ";;"])
    assert result.exit_code == 2


XLSX_VALUES = {
    "name": '=HYPERLINK("http://evil.example","clic")',
    "organisation": "+cmd|' /C calc'!A0",
    "phone": "+33 6 12 34 56 78",
    "period": "-1",
    "message": "@SUM(1)\nseconde ligne 🚀 « guillemets »",
    "email": "zoé@société.fr",
}


def _workbook_rows(data: bytes):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows()]


def _check_xlsx_rows(rows, inquiry):
    header = [cell.value for cell in rows[0]]
    assert header[:6] == ["Numéro", "Reçue le (UTC)", "Statut", "Nom", "Organisation", "Courriel"]
    assert len(rows) == 2  # the spam is filtered out, as on the list
    cells = dict(zip(header, rows[1], strict=True))
    # Every cell is a string cell holding exactly what was typed: no formula, no quote.
    assert all(cell.data_type == "s" for cell in rows[1] if cell.value is not None)
    assert cells["Numéro"].value == str(inquiry.id)
    assert cells["Nom"].value == XLSX_VALUES["name"]
    assert cells["Organisation"].value == XLSX_VALUES["organisation"]
    assert cells["Téléphone"].value == XLSX_VALUES["phone"]
    assert cells["Période"].value == XLSX_VALUES["period"]
    assert cells["Message"].value == XLSX_VALUES["message"]
    assert cells["Courriel"].value == XLSX_VALUES["email"]
    assert cells["Statut"].value == "Nouveau"


def test_xlsx_export_writes_every_cell_as_text(client, app, editor):
    inquiry = make_inquiry(**XLSX_VALUES)
    make_inquiry(organisation="Spam Inc", status=InquiryStatus.SPAM)
    page = client.get("/redaction/demandes/?q=").get_data(as_text=True)
    assert "/redaction/demandes/export.xlsx?tri=recent" in page and "Exporter pour Excel" in page
    response = client.get("/redaction/demandes/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert ".xlsx" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    _check_xlsx_rows(_workbook_rows(response.get_data()), inquiry)


def test_xlsx_export_respects_filters(client, app, editor):
    make_inquiry(organisation="Alpha")
    make_inquiry(organisation="Beta", status=InquiryStatus.WON)
    rows = _workbook_rows(client.get("/redaction/demandes/export.xlsx?statut=gagne").get_data())
    assert [row[4].value for row in rows[1:]] == ["Beta"]
    rows = _workbook_rows(client.get("/redaction/demandes/export.xlsx?q=alp").get_data())
    assert [row[4].value for row in rows[1:]] == ["Alpha"]


def test_cli_export_writes_xlsx_to_a_file(app, runner, tmp_path):
    inquiry = make_inquiry(**XLSX_VALUES)
    make_inquiry(organisation="Spam Inc", status=InquiryStatus.SPAM)
    target = tmp_path / "demandes.xlsx"
    result = runner.invoke(args=["inquiries", "export", "--format", "xlsx", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "1 demande(s) écrite(s)" in result.output
    _check_xlsx_rows(_workbook_rows(target.read_bytes()), inquiry)


def _seed_person(email="zoe@exemple.fr"):
    first = make_inquiry(email=email)
    second = make_inquiry(email=email, status=InquiryStatus.SPAM)
    other = make_inquiry(email="autre@exemple.fr")
    first.notes.append(InquiryNote(body="Note sur Zoé"))
    db.session.add(
        OutboxMessage(
            inquiry=first,
            purpose="notification",
            to_address="redaction@x.fr",
            subject="s",
            body="b",
        )
    )
    db.session.add(
        OutboxMessage(
            inquiry=first, purpose="acknowledgement", to_address=email, subject="s", body="b"
        )
    )
    db.session.commit()
    return first, second, other


def _remaining():
    return (
        db.session.scalars(select(SponsorshipInquiry.email)).all(),
        db.session.scalar(select(func.count()).select_from(InquiryNote)),
        db.session.scalar(select(func.count()).select_from(OutboxMessage)),
    )


def test_cli_erase_removes_everything_about_one_address(app, runner):
    _seed_person()
    result = runner.invoke(args=["inquiries", "erase", "ZOE@exemple.fr"])
    assert result.exit_code == 0, result.output
    assert "2 demande(s), 1 note(s), 2 courriel(s)" in result.output
    db.session.expire_all()
    assert _remaining() == (["autre@exemple.fr"], 0, 0)


def test_inbox_erase_asks_for_confirmation_first(client, app, editor):
    first, _second, _other = _seed_person()
    page = client.get(f"/redaction/demandes/{first.id}/effacer").get_data(as_text=True)
    assert "Effacer les données de zoe@exemple.fr ?" in page and "2 demandes" in page
    assert len(_remaining()[0]) == 3
    response = client.post(f"/redaction/demandes/{first.id}/effacer")
    assert response.status_code == 303
    db.session.expire_all()
    assert _remaining() == (["autre@exemple.fr"], 0, 0)
    assert "Données de zoe@exemple.fr effacées : 2 demandes, 1 note et 2 courriels." in (
        client.get("/redaction/demandes/").get_data(as_text=True)
    )


def _journal_rows() -> list[str]:
    """Every journal event, all of its columns as text: what the journal keeps."""
    from models.audit import AuditEvent

    return [
        f"{e.action}|{e.user_id}|{e.target}|{e.detail}|{e.ip}"
        for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]


def _erasure_events():
    from models.audit import AuditEvent

    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(("inbox.erase", "inquiries.erase")))
    ).all()


def test_an_erasure_from_the_inbox_is_journaled_without_the_erased_data(client, app, editor):
    first, _second, _other = _seed_person()
    assert client.post(f"/redaction/demandes/{first.id}/effacer").status_code == 303
    [event] = _erasure_events()
    assert event.action == "inbox.erase" and event.user_id == editor.id
    assert event.detail == {"demandes": "2", "notes": "1", "courriels": "2"}
    assert event.target == "" and event.created_at is not None
    journal = "\n".join(_journal_rows()).lower()
    assert "zoe@exemple.fr" not in journal and "zoé" not in journal
    assert f"demande:{first.id}" not in journal  # nothing to link to an erased inquiry
    admin = make_user(role="admin", password=PASSWORD)
    client.post("/deconnexion")
    client.post("/connexion", data={"email": admin.email, "password": PASSWORD})
    html = client.get("/redaction/journal/").get_data(as_text=True)
    assert "Données personnelles effacées (RGPD)" in html
    assert "demandes : 2" in html and "Edith Éditrice" in html
    assert "zoe@exemple.fr" not in html


def test_an_erasure_from_the_command_line_is_journaled_too(app, runner):
    _seed_person()
    admin = make_user(role="admin", email="chef@gazette.example")
    result = runner.invoke(
        args=["inquiries", "erase", "zoe@exemple.fr", "--by", "Chef@gazette.example"]
    )
    assert result.exit_code == 0, result.output
    [event] = _erasure_events()
    assert (event.action, event.user_id) == ("inquiries.erase", admin.id)
    assert {key: event.detail[key] for key in ("demandes", "notes", "courriels")} == {
        "demandes": "2",
        "notes": "1",
        "courriels": "2",
    }
    assert event.detail["origine"] == "ligne de commande" and event.detail["compte système"]
    assert "zoe@exemple.fr" not in "\n".join(_journal_rows()).lower()
    # Without --by, still journaled (nobody named); an unknown --by changes nothing.
    make_inquiry(email="autre2@exemple.fr")
    assert (
        runner.invoke(args=["inquiries", "erase", "autre2@exemple.fr", "--by", "x@y.fr"]).exit_code
        == 2
    )
    assert len(_erasure_events()) == 1
    assert runner.invoke(args=["inquiries", "erase", "autre2@exemple.fr"]).exit_code == 0
    events = _erasure_events()
    assert len(events) == 2 and events[1].user_id is None
    assert events[1].detail["demandes"] == "1"


def test_erasure_has_a_journal_label():
    from views.audit import ACTION_LABELS

    assert str(ACTION_LABELS["inbox.erase"]) == "Données personnelles effacées (RGPD)"
    assert "RGPD" in str(ACTION_LABELS["inquiries.erase"])


def test_retention_purges_old_spam_and_long_closed_inquiries(app, runner):
    old_spam = make_inquiry(status=InquiryStatus.SPAM, age=timedelta(days=31))
    make_inquiry(status=InquiryStatus.SPAM, age=timedelta(days=29), organisation="Spam récent")
    make_inquiry(
        status=InquiryStatus.WON, age=timedelta(days=3 * 365 + 1), organisation="Vieux gagné"
    )
    make_inquiry(status=InquiryStatus.LOST, age=timedelta(days=400), organisation="Perdu récent")
    make_inquiry(status=InquiryStatus.NEW, age=timedelta(days=5000), organisation="Jamais traité")
    old_spam.notes.append(InquiryNote(body="à effacer"))
    db.session.commit()
    result = runner.invoke(args=["inquiries", "purge"])
    assert result.exit_code == 0, result.output
    assert (
        "Effacées : 1 demande(s) en spam depuis plus de 30 jours, 1 demande(s) closes"
        in result.output
    )
    db.session.expire_all()
    assert sorted(db.session.scalars(select(SponsorshipInquiry.organisation))) == [
        "Jamais traité",
        "Perdu récent",
        "Spam récent",
    ]
    assert db.session.scalar(select(func.count()).select_from(InquiryNote)) == 0


def test_retention_periods_are_configurable(app):
    make_inquiry(status=InquiryStatus.LOST, age=timedelta(days=10))
    assert purge_expired(spam_days=30, closed_days=11) == {"spam": 0, "closed": 0}
    assert purge_expired(spam_days=30, closed_days=9) == {"spam": 0, "closed": 1}
