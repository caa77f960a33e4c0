"""The sponsorship form: validation in French, nothing lost, spam quarantined, limits."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from models import db
from models.sponsorship import InquiryStatus, OutboxMessage, SponsorshipInquiry
from tests.sponsorship_factories import form_data, started_seconds_ago

HTMX = {"HX-Request": "true"}


def stored():
    return db.session.scalars(select(SponsorshipInquiry).order_by(SponsorshipInquiry.id)).all()


def outbox_messages():
    return db.session.scalars(select(OutboxMessage)).all()


def test_page_presents_the_offer_the_form_and_the_contacts(client, app):
    html = client.get("/sponsoring").get_data(as_text=True)
    assert '<h1 class="page-title">Sponsoring</h1>' in html
    for label in (
        "Nom et prénom",
        "Organisation",
        "Adresse électronique",
        "Téléphone (facultatif)",
        "Type de sponsoring",
        "Budget envisagé",
        "Période souhaitée (facultatif)",
        "Votre projet",
    ):
        assert label in html
    assert 'href="/sponsoring/confidentialite"' in html
    assert "redaction@gazette.example" in html  # the contacts remain an alternative
    assert 'name="htmx-config"' in html and "js/sponsorship.js" in html


def test_privacy_note_states_the_retention(client, app):
    html = client.get("/sponsoring/confidentialite").get_data(as_text=True)
    assert "1095 jours" in html and "30 jours" in html


def test_valid_inquiry_is_stored_then_redirected_to_thanks(client, app):
    response = client.post("/sponsoring", data=form_data(email="Zoe@Energies.EXAMPLE"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/sponsoring/merci"
    [inquiry] = stored()
    assert inquiry.status == InquiryStatus.NEW
    assert (inquiry.name, inquiry.organisation, inquiry.email) == (
        "Zoé Lefèvre",
        "Énergies Réunies",
        "zoe@energies.example",
    )
    assert (inquiry.kind, inquiry.budget, inquiry.period) == ("article", "5k-15k", "Automne 2026")
    [notification] = outbox_messages()
    assert notification.purpose == "notification" and notification.status == "queued"
    assert notification.to_address == "redaction@gazette.example"
    assert notification.reply_to == "zoe@energies.example"
    assert "Énergies Réunies" in notification.subject
    assert "transition énergétique" in notification.body
    assert f"/redaction/demandes/{inquiry.id}" in notification.body
    thanks = client.get("/sponsoring/merci").get_data(as_text=True)
    assert "Merci, votre demande est bien enregistrée" in thanks


def test_with_htmx_the_thanks_replaces_the_form(client, app):
    response = client.post("/sponsoring", data=form_data(), headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="inquiry-thanks')
    assert "<html" not in html
    assert len(stored()) == 1


def test_acknowledgement_is_queued_only_when_configured(client, app):
    client.post("/sponsoring", data=form_data(email="a@exemple.fr"))
    assert [m.purpose for m in outbox_messages()] == ["notification"]
    app.config["SPONSORSHIP_SEND_ACKNOWLEDGEMENT"] = True
    app.config["SPONSORSHIP_NOTIFY_TO"] = "pub@gazette.example, chef@gazette.example"
    client.post("/sponsoring", data=form_data(email="b@exemple.fr"))
    messages = [(m.purpose, m.to_address) for m in outbox_messages()][1:]
    assert messages == [
        ("notification", "pub@gazette.example, chef@gazette.example"),
        ("acknowledgement", "b@exemple.fr"),
    ]


LINE_BREAK = "Ce champ tient sur une seule ligne : retirez les retours à la ligne."
INVISIBLE_REMOVED = (
    "Un caractère invisible non autorisé (U+0000) a été retiré de ce texte : "
    "vérifiez-le, puis envoyez à nouveau."
)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Indiquez votre nom."),
        ("name", "x" * 121, "120 caractères au maximum."),
        ("name", "Zoé\nLefèvre", LINE_BREAK),
        ("name", "Zoé\u2028Lefèvre", LINE_BREAK),
        ("name", "Zoé\x00", INVISIBLE_REMOVED),
        ("organisation", "  ", "Indiquez le nom de votre organisation."),
        ("organisation", "x" * 161, "160 caractères au maximum."),
        ("organisation", "ACME\r\nSA", LINE_BREAK),
        ("email", "", "Indiquez votre adresse électronique."),
        (
            "email",
            "pas-une-adresse",
            "Cette adresse électronique n’est pas valide (exemple : nom@domaine.fr).",
        ),
        ("email", "zoe@exemple.fr\nBcc: x@y.fr", LINE_BREAK),
        (
            "phone",
            "appelez-moi",
            "Indiquez un numéro de téléphone avec des chiffres (par exemple +33 1 23 45 67 89).",
        ),
        ("phone", "1" * 41, "40 caractères au maximum."),
        ("kind", "", "Choisissez un type de sponsoring."),
        ("kind", "piratage", "Choisissez un type de sponsoring dans la liste."),
        ("budget", "", "Choisissez une fourchette de budget."),
        ("budget", "1-million", "Choisissez une fourchette de budget dans la liste."),
        ("period", "x" * 121, "120 caractères au maximum."),
        ("period", "été\n2026", LINE_BREAK),
        ("message", "", "Décrivez votre projet en quelques phrases."),
        ("message", "Trop court", "Votre message doit compter entre 20 et 5000 caractères."),
        ("message", "x" * 5001, "Votre message doit compter entre 20 et 5000 caractères."),
        (
            "message",
            "Un message assez long\x00 avec un NUL",
            INVISIBLE_REMOVED,
        ),
        (
            "consent",
            None,
            "Votre accord est nécessaire pour que nous puissions traiter votre demande.",
        ),
    ],
)
def test_each_field_is_validated_in_french_and_nothing_is_stored(
    client, app, field, value, message
):
    data = form_data(**{field: value})
    response = client.post("/sponsoring", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = re.findall(r'<p class="field-error" id="([a-z]+)-error">([^<]*)</p>', html)
    assert errors == [(field, message)]
    assert stored() == []
    # What was typed in the other fields comes back.
    assert 'value="Énergies Réunies"' in html or field == "organisation"
    assert "transition énergétique" in html or field == "message"


def test_error_summary_links_to_the_fields(client, app):
    html = client.post("/sponsoring", data=form_data(name="", email="x")).get_data(as_text=True)
    assert "Le formulaire contient 2 erreurs" in html
    assert '<a href="#name">Nom et prénom</a>' in html and '<a href="#email">' in html


def test_optional_fields_may_be_empty(client, app):
    response = client.post("/sponsoring", data=form_data(phone="", period=""))
    assert response.status_code == 303
    assert (stored()[0].phone, stored()[0].period) == ("", "")


def test_a_5000_character_message_with_line_breaks_is_accepted(client, app):
    paragraph = "é" * 999 + "\r\n"  # browsers send \r\n; it counts as one character
    message = paragraph * 4 + "é" * 1000
    assert len(message.replace("\r\n", "\n")) == 5000
    assert client.post("/sponsoring", data=form_data(message=message)).status_code == 303
    assert stored()[0].message.count("\n") == 4 and "\r" not in stored()[0].message


def test_unicode_everywhere(client, app):
    data = form_data(
        name="محمد الخطيب 🙂",
        organisation="株式会社 Ünïcode",
        message="שלום! Un projet 🚀 pour l’été — « vraiment ».",
    )
    assert client.post("/sponsoring", data=data).status_code == 303
    [inquiry] = stored()
    assert inquiry.name == "محمد الخطيب 🙂" and inquiry.organisation == "株式会社 Ünïcode"
    assert inquiry.message.startswith("שלום! Un projet 🚀")


def test_one_field_is_checked_on_its_own_for_htmx(client, app):
    response = client.post("/sponsoring/verifier/email", data=form_data(email="nope"), headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True).strip()
    assert html.startswith('<div class="field field-invalid') and 'id="field-email"' in html
    assert "Cette adresse électronique n’est pas valide" in html
    assert 'value="nope"' in html and 'aria-invalid="true"' in html
    assert "field-name" not in html  # just that field

    html = client.post("/sponsoring/verifier/name", data=form_data(), headers=HTMX).get_data(
        as_text=True
    )
    assert "field-error" not in html and 'value="Zoé Lefèvre"' in html
    assert stored() == []


def test_field_check_without_htmx_or_for_an_unknown_field_goes_back_to_the_form(client, app):
    assert client.post("/sponsoring/verifier/email", data=form_data()).status_code == 303
    assert (
        client.post("/sponsoring/verifier/website", data=form_data(), headers=HTMX).status_code
        == 303
    )
    assert (
        client.post("/sponsoring/verifier/csrf_token", data=form_data(), headers=HTMX).status_code
        == 303
    )


def test_csrf_is_enforced_and_the_text_survives_a_missing_token(client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/sponsoring", data=form_data())
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Le formulaire a expiré." in html and "transition énergétique" in html
    assert stored() == []
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert client.post("/sponsoring", data=form_data(csrf_token=token)).status_code == 303
    assert len(stored()) == 1


def test_csrf_is_enforced_on_the_field_check_too(client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/sponsoring/verifier/email", data=form_data(), headers=HTMX)
    assert response.status_code == 400


def test_honeypot_quarantines_as_spam_without_email(client, app):
    response = client.post("/sponsoring", data=form_data(website="http://spam.example"))
    assert response.status_code == 303  # the robot is not told
    [inquiry] = stored()
    assert inquiry.status == InquiryStatus.SPAM and "champ piège rempli" in inquiry.spam_reason
    assert outbox_messages() == []


def test_too_fast_is_spam_and_a_normal_pace_is_not(client, app):
    client.post("/sponsoring", data=form_data(started=started_seconds_ago(0), email="a@x.fr"))
    client.post("/sponsoring", data=form_data(started=started_seconds_ago(5), email="b@x.fr"))
    fast, normal = stored()
    assert fast.status == InquiryStatus.SPAM and "minimum 3 s" in fast.spam_reason
    assert normal.status == InquiryStatus.NEW
    assert len(outbox_messages()) == 1


def test_minimum_fill_time_is_configurable(client, app):
    app.config["SPONSORSHIP_MIN_FILL_SECONDS"] = 0
    client.post("/sponsoring", data=form_data(started=started_seconds_ago(0)))
    assert stored()[0].status == InquiryStatus.NEW


@pytest.mark.parametrize("started", ["", "forged.token.value"])
def test_missing_or_forged_start_time_is_spam(client, app, started):
    client.post("/sponsoring", data=form_data(started=started))
    assert stored()[0].status == InquiryStatus.SPAM
    assert "horodatage absent ou falsifié" in stored()[0].spam_reason


def test_link_stuffed_message_is_spam(client, app):
    links = " ".join(f"https://casino{i}.example" for i in range(4))
    client.post("/sponsoring", data=form_data(message="Gagnez gros ! " + links))
    assert stored()[0].status == InquiryStatus.SPAM and "4 liens" in stored()[0].spam_reason


def test_rate_limit_per_address_keeps_the_text(client, app):
    app.config["SPONSORSHIP_LIMIT_PER_ADDRESS"] = "2 per hour"
    assert client.post("/sponsoring", data=form_data(email="p1@x.fr")).status_code == 303
    # Invalid submissions do not count against the limit...
    assert client.post("/sponsoring", data=form_data(email="bad")).status_code == 422
    assert client.post("/sponsoring", data=form_data(email="p2@x.fr")).status_code == 303
    response = client.post(
        "/sponsoring",
        data=form_data(email="p3@x.fr", message="Mon troisième projet, très détaillé."),
    )
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Trop de demandes envoyées depuis cette adresse." in html
    assert "Mon troisième projet, très détaillé." in html
    assert len(stored()) == 2
    # ...and another address is not affected.
    other = client.post(
        "/sponsoring", data=form_data(email="p4@x.fr"), environ_base={"REMOTE_ADDR": "192.0.2.9"}
    )
    assert other.status_code == 303


def test_rate_limit_per_email_applies_across_addresses(client, app):
    app.config["SPONSORSHIP_LIMIT_PER_EMAIL"] = "2 per day"
    for n in range(2):
        response = client.post(
            "/sponsoring",
            data=form_data(email="Same@x.fr"),
            environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
        )
        assert response.status_code == 303
    response = client.post(
        "/sponsoring", data=form_data(email="same@X.fr"), environ_base={"REMOTE_ADDR": "192.0.2.50"}
    )
    assert response.status_code == 429
    assert len(stored()) == 2
    assert client.post("/sponsoring", data=form_data(email="other@x.fr")).status_code == 303


def test_rate_limited_htmx_submission_returns_the_form(client, app):
    app.config["SPONSORSHIP_LIMIT_PER_ADDRESS"] = "1 per hour"
    client.post("/sponsoring", data=form_data(email="a@x.fr"))
    response = client.post("/sponsoring", data=form_data(email="b@x.fr"), headers=HTMX)
    assert response.status_code == 429
    html = response.get_data(as_text=True).strip()
    assert html.startswith("<form") and 'value="b@x.fr"' in html


@pytest.fixture
def failing_inserts(app):
    """The database refuses to store inquiries, as a locked or unreachable database would."""

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO sponsorship_inquiry"):
            raise OperationalError(statement, parameters, Exception("database is locked"))

    event.listen(db.engine, "before_cursor_execute", refuse)
    yield
    event.remove(db.engine, "before_cursor_execute", refuse)


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_database_failure_gives_a_503_that_keeps_the_text(client, app, failing_inserts, headers):
    response = client.post(
        "/sponsoring",
        data=form_data(message="Un texte précieux à ne pas perdre, jamais."),
        headers=headers,
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    html = response.get_data(as_text=True)
    assert "Votre demande n’a pas pu être enregistrée." in html
    assert "Un texte précieux à ne pas perdre, jamais." in html and 'value="Zoé Lefèvre"' in html
    assert ("<html" in html) is (headers == {})


def test_nothing_is_acknowledged_after_a_database_failure(client, app, failing_inserts):
    client.post("/sponsoring", data=form_data())
    assert stored() == [] and outbox_messages() == []


# ---------------------------------------------------------------------------------------
# The same submission received twice is stored and notified once (issue 11, section 5).


def test_each_rendering_of_the_form_carries_its_own_nonce(client, app):
    from views.sponsorship_forms import seconds_since_start, submission_key

    tokens = [
        re.search(r'name="started" type="hidden" value="([^"]+)"', page).group(1)
        for page in (client.get("/sponsoring").get_data(as_text=True) for _ in range(3))
    ]
    keys = {submission_key(token) for token in tokens}
    assert len(keys) == 3 and None not in keys  # even within the same second
    assert all(0 <= seconds_since_start(token) < 60 for token in tokens)
    assert submission_key("forged.token.value") is None and submission_key("") is None


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["without-htmx", "with-htmx"])
def test_the_same_submission_twice_is_stored_and_notified_once(client, app, headers):
    data = form_data()
    first = client.post("/sponsoring", data=data, headers=headers)
    again = client.post("/sponsoring", data=data, headers=headers)
    assert first.status_code == again.status_code
    assert first.get_data() == again.get_data()  # the same thanks
    if headers:
        assert again.get_data(as_text=True).lstrip().startswith('<section class="inquiry-thanks')
    else:
        assert again.headers["Location"] == "/sponsoring/merci"
    assert len(stored()) == 1 and len(outbox_messages()) == 1


def test_a_repeat_changes_nothing_even_with_other_text(client, app):
    data = form_data()
    client.post("/sponsoring", data=data)
    changed = {**data, "organisation": "Autre organisation", "email": "autre@exemple.fr"}
    assert client.post("/sponsoring", data=changed).status_code == 303
    [inquiry] = stored()
    assert inquiry.organisation == "Énergies Réunies" and len(outbox_messages()) == 1
    # A newly rendered form is a new submission.
    assert client.post("/sponsoring", data=form_data(email="autre@exemple.fr")).status_code == 303
    assert len(stored()) == 2


def test_a_repeat_is_thanked_even_at_the_rate_limit(client, app):
    app.config["SPONSORSHIP_LIMIT_PER_EMAIL"] = "1 per day"
    data = form_data()
    assert client.post("/sponsoring", data=data).status_code == 303
    assert client.post("/sponsoring", data=data).status_code == 303  # the repeat: thanks
    assert client.post("/sponsoring", data=form_data()).status_code == 429  # a new one: limit
    assert len(stored()) == 1


def test_spam_repeats_are_stored_once_but_forms_without_a_nonce_are_not_merged(client, app):
    data = form_data(website="http://spam.example")
    client.post("/sponsoring", data=data)
    client.post("/sponsoring", data=data)
    assert len(stored()) == 1
    for _ in range(2):  # no nonce (missing token): nothing to key on, both kept as spam
        client.post("/sponsoring", data=form_data(started=""))
    assert len(stored()) == 3 and [i.submission_key for i in stored()][1:] == [None, None]


def test_a_copy_stored_by_another_worker_meanwhile_gets_the_thanks(client, app, monkeypatch):
    """The race the unique key settles: both copies pass the "already received?" check,
    the second insert hits the unique constraint, rolls back and finds the first."""
    from sqlalchemy.exc import IntegrityError

    import views.sponsorship as sponsorship_views

    data = form_data()
    assert client.post("/sponsoring", data=data).status_code == 303
    real_received, real_record = SponsorshipInquiry.received, sponsorship_views.record_inquiry
    refused = []

    def record(*args, **kwargs):
        try:
            return real_record(*args, **kwargs)
        except IntegrityError:
            refused.append(True)
            raise

    # Until the insert is refused, nobody has seen the first copy (it is in flight).
    monkeypatch.setattr(
        SponsorshipInquiry,
        "received",
        staticmethod(lambda key: bool(refused) and real_received(key)),
    )
    monkeypatch.setattr(sponsorship_views, "record_inquiry", record)
    response = client.post("/sponsoring", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/sponsoring/merci"
    assert refused == [True]  # the unique constraint did the work
    db.session.expire_all()
    assert len(stored()) == 1 and len(outbox_messages()) == 1
