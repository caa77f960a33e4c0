"""The email outbox against a real SMTP server (aiosmtpd on a free loopback port)."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from models import db
from models.sponsorship import OutboxMessage, OutboxStatus, SponsorshipInquiry
from models.time import utcnow
from services import outbox
from tests.factories import make_user
from tests.sponsorship_factories import form_data


class Mailbox:
    """Collects every message the test SMTP server receives: parsed, and as received
    (`envelopes`: the aiosmtpd Envelope, with mail_from, rcpt_tos, mail_options and the
    raw bytes in original_content)."""

    def __init__(self):
        self.messages = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(
            (
                envelope.rcpt_tos,
                message_from_bytes(envelope.original_content, policy=policy.default),
            )
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.mailbox = Mailbox()
        self.controller = None

    def start(self, smtputf8: bool = False):
        """Listen; `smtputf8` makes the server offer SMTPUTF8 (RFC 6531) in its EHLO."""
        self.controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=smtputf8
        )
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app):
    """A port for SMTP, the app configured to use it; the server starts when the test says."""
    server = SmtpServer(free_port())
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=server.port,
        MAIL_TIMEOUT=5,
        SPONSORSHIP_NOTIFY_TO="partenariats@gazette.example",
    )
    yield server
    outbox.wait_for_background_sends()
    server.stop()


def test_notification_arrives_with_the_inquiry_details(client, app, smtp):
    smtp.start()
    response = client.post(
        "/sponsoring", data=form_data(message="Parrainer la rubrique Sciences 🚀, à l’automne.")
    )
    assert response.status_code == 303
    outbox.wait_for_background_sends()  # sent right after the response, in the background
    [(recipients, email)] = smtp.mailbox.messages
    assert recipients == ["partenariats@gazette.example"]
    assert email["Subject"] == "Demande de sponsoring : Énergies Réunies (Zoé Lefèvre)"
    assert email["Reply-To"] == "zoe@energies.example"
    body = email.get_content()
    assert "Parrainer la rubrique Sciences 🚀, à l’automne." in body
    assert "Budget : De 5 000 à 15 000 €" in body and "Téléphone : +33 6 12 34 56 78" in body
    inquiry = db.session.scalars(select(SponsorshipInquiry)).one()
    assert f"/redaction/demandes/{inquiry.id}" in body
    message = db.session.scalars(select(OutboxMessage)).one()
    db.session.refresh(message)
    assert message.status == OutboxStatus.SENT and message.attempts == 1 and message.sent_at


def test_server_down_keeps_the_message_and_a_later_send_delivers_it(client, app, runner, smtp):
    editor = make_user(role="editor", password="correct horse battery")
    client.post("/sponsoring", data=form_data())
    outbox.wait_for_background_sends()
    message = db.session.scalars(select(OutboxMessage)).one()
    db.session.refresh(message)
    assert message.status == OutboxStatus.QUEUED and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at > utcnow()  # backoff: not retried at once

    # The inbox shows it waiting, with the error.
    client.post("/connexion", data={"email": editor.email, "password": "correct horse battery"})
    html = client.get(f"/redaction/demandes/{message.inquiry_id}").get_data(as_text=True)
    assert (
        "En attente d’envoi" in html and "ConnectionRefusedError" in html and "1 tentative" in html
    )

    smtp.start()
    result = runner.invoke(args=["outbox", "send"])
    assert "Envoyés : 0" in result.output  # not due yet
    db.session.execute(
        update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0 and "Envoyés : 1" in result.output
    assert len(smtp.mailbox.messages) == 1
    db.session.expire_all()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert (
        message.status == OutboxStatus.SENT and message.attempts == 2 and message.last_error == ""
    )


def test_retry_now_from_the_inbox(client, app, smtp):
    editor = make_user(role="editor", password="correct horse battery")
    client.post("/sponsoring", data=form_data())
    outbox.wait_for_background_sends()
    message = db.session.scalars(select(OutboxMessage)).one()
    smtp.start()
    client.post("/connexion", data={"email": editor.email, "password": "correct horse battery"})
    response = client.post(
        f"/redaction/demandes/{message.inquiry_id}/courriels/{message.id}/renvoyer",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    outbox.wait_for_background_sends()
    assert len(smtp.mailbox.messages) == 1


def test_gives_up_after_the_maximum_attempts(app, runner, smtp):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 2
    db.session.add(
        OutboxMessage(purpose="notification", to_address="a@x.fr", subject="s", body="b")
    )
    db.session.commit()
    for expected in ("en échec (réessayés plus tard) : 1", "abandonnés (voir la boîte"):
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()
        result = runner.invoke(args=["outbox", "send"])
        assert result.exit_code == 1 and expected in result.output
    db.session.expire_all()
    assert db.session.scalars(select(OutboxMessage)).one().status == OutboxStatus.FAILED


def test_without_smtp_messages_wait_in_the_outbox(client, app, runner):
    client.post("/sponsoring", data=form_data())
    outbox.wait_for_background_sends()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.status == OutboxStatus.QUEUED and message.attempts == 0
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 1 and "aucun serveur d’envoi configuré" in result.output
    assert "En attente : 1" in runner.invoke(args=["outbox", "status"]).output


def test_a_message_is_claimed_by_one_sender_only(app):
    db.session.add(
        OutboxMessage(purpose="notification", to_address="a@x.fr", subject="s", body="b")
    )
    db.session.commit()
    message_id = db.session.scalars(select(OutboxMessage.id)).one()
    assert outbox._claim(message_id) is True
    assert outbox._claim(message_id) is False


def test_backoff_doubles_and_is_capped():
    assert [outbox.backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert outbox.backoff(30) == timedelta(hours=6)
