"""Internationalised addresses (RFC 5890 IDNA, RFC 6531/6532 SMTPUTF8), on the wire.

`contact@société.fr` goes out as `contact@xn--socit-esab.fr` (Reply-To, To and the
envelope); `zoé@exemple.fr` needs SMTPUTF8: sent with it when the server offers it, and
otherwise given up once with a clear status, never retried in a loop.
"""

from __future__ import annotations

from datetime import timedelta

import idna
import pytest
from sqlalchemy import select, update

from models import db
from models.sponsorship import OutboxFailure, OutboxMessage, OutboxStatus
from models.time import utcnow
from services import outbox
from tests.factories import make_user
from tests.sponsorship_factories import form_data
from tests.test_outbox import smtp  # noqa: F401  (the fixture)
from tests.test_outbox_headers import NOTIFICATION_HEADERS, raw_header_names

SOCIETE_ASCII = "xn--socit-esab.fr"


def test_the_idna_form_is_the_one_the_standard_gives():
    assert idna.encode("société.fr").decode() == SOCIETE_ASCII
    assert outbox.mailbox("Contact@Société.FR").addr_spec == f"Contact@{SOCIETE_ASCII}"


def _post(client, email):
    response = client.post("/sponsoring", data=form_data(email=email))
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    outbox.wait_for_background_sends()


def _by_purpose(smtp_server):  # noqa: F811
    from email import message_from_bytes, policy

    found = {}
    for envelope in smtp_server.mailbox.envelopes:
        email = message_from_bytes(envelope.original_content, policy=policy.default)
        purpose = "notification" if "partenariats" in str(email["To"]) else "acknowledgement"
        found[purpose] = (envelope, email)
    return found


@pytest.mark.parametrize("offers_smtputf8", [True, False])
def test_an_internationalised_domain_goes_out_in_idna(client, app, smtp, offers_smtputf8):  # noqa: F811
    app.config["SPONSORSHIP_SEND_ACKNOWLEDGEMENT"] = True
    smtp.start(smtputf8=offers_smtputf8)
    _post(client, "contact@société.fr")
    sent = _by_purpose(smtp)
    envelope, email = sent["notification"]
    assert raw_header_names(envelope.original_content) == NOTIFICATION_HEADERS
    assert str(email["Reply-To"]) == f"contact@{SOCIETE_ASCII}"
    assert envelope.original_content.isascii()  # no SMTPUTF8 needed for a domain
    assert "SMTPUTF8" not in envelope.mail_options
    envelope, email = sent["acknowledgement"]
    assert envelope.rcpt_tos == [f"contact@{SOCIETE_ASCII}"]
    assert str(email["To"]) == f"contact@{SOCIETE_ASCII}"
    # The inbox keeps the address as the sender typed it.
    assert "contact@société.fr" in db.session.scalars(select(OutboxMessage.reply_to)).all()


@pytest.mark.parametrize(
    ("typed", "on_the_wire"),
    [("zoé@exemple.fr", "zoé@exemple.fr"), ("zoé@société.fr", f"zoé@{SOCIETE_ASCII}")],
)
def test_a_non_ascii_local_part_goes_out_with_smtputf8_when_offered(
    client,
    app,
    smtp,  # noqa: F811
    typed,
    on_the_wire,
):
    app.config["SPONSORSHIP_SEND_ACKNOWLEDGEMENT"] = True
    smtp.start(smtputf8=True)
    _post(client, typed)
    sent = _by_purpose(smtp)
    envelope, email = sent["notification"]
    assert "SMTPUTF8" in envelope.mail_options and envelope.smtp_utf8
    assert raw_header_names(envelope.original_content) == NOTIFICATION_HEADERS
    assert f"\r\nReply-To: {on_the_wire}\r\n".encode() in envelope.original_content  # RFC 6532
    assert str(email["Reply-To"]) == on_the_wire
    envelope, email = sent["acknowledgement"]
    assert envelope.rcpt_tos == [on_the_wire] and "SMTPUTF8" in envelope.mail_options
    assert str(email["To"]) == on_the_wire
    assert "Nous avons bien reçu votre demande" in email.get_content()
    for message in db.session.scalars(select(OutboxMessage)):
        db.session.refresh(message)
        assert message.status == OutboxStatus.SENT


def test_without_smtputf8_it_fails_once_with_a_clear_status(client, app, runner, smtp):  # noqa: F811
    app.config["SPONSORSHIP_SEND_ACKNOWLEDGEMENT"] = True
    smtp.start(smtputf8=False)
    _post(client, "zoé@exemple.fr")
    assert smtp.mailbox.envelopes == []
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.purpose for m in messages] == ["notification", "acknowledgement"]
    for message in messages:
        db.session.refresh(message)
        assert (message.status, message.failure, message.attempts) == (
            OutboxStatus.FAILED,
            OutboxFailure.NO_SMTPUTF8,
            1,
        )
    # Never retried: later runs of `outbox send` leave them alone.
    for _ in range(2):
        db.session.execute(
            update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(days=1))
        )
        db.session.commit()
        result = runner.invoke(args=["outbox", "send"])
        assert result.exit_code == 0 and "Envoyés : 0" in result.output
    assert "abandonnés : 2" in runner.invoke(args=["outbox", "status"]).output
    db.session.expire_all()
    assert [m.attempts for m in db.session.scalars(select(OutboxMessage))] == [1, 1]
    # The inbox says why, in French.
    editor = make_user(role="editor", password="correct horse battery")
    client.post("/connexion", data={"email": editor.email, "password": "correct horse battery"})
    html = client.get(f"/redaction/demandes/{messages[0].inquiry_id}").get_data(as_text=True)
    assert "Non envoyé : le serveur d’envoi n’accepte pas les adresses" in html
    assert "(extension SMTPUTF8)" in html and "Échec" in html
    # A person may try again (e.g. once the server offers SMTPUTF8): it then goes.
    smtp.stop()
    smtp.start(smtputf8=True)
    response = client.post(
        f"/redaction/demandes/{messages[0].inquiry_id}/courriels/{messages[0].id}/renvoyer",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    outbox.wait_for_background_sends()
    assert len(smtp.mailbox.envelopes) == 1
