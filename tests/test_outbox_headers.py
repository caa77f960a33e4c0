"""E-mail header injection (issue 12 item 1, CVE-2024-6923 and its kind), on the wire.

A real SMTP server (aiosmtpd) receives what the outbox sends; each test reads the raw
bytes back and checks the exact set of headers, so a header added by a visitor's text
(decoded from an encoded word, or from a CR, LF, U+2028, U+0085, NUL…) is seen, whatever
the Python version's email package does with it.
"""

from __future__ import annotations

import base64
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from models import db
from models.sponsorship import OutboxFailure, OutboxMessage, OutboxStatus
from models.time import utcnow
from services import outbox
from tests.factories import make_user
from tests.sponsorship_factories import form_data
from tests.test_outbox import smtp  # noqa: F401  (the fixture)

# The attack pass's payload, and neighbours of its kind.
PAYLOAD = (
    "=?utf-8?q?x=0D=0AReply-To:_attacker@evil.example=0D=0A=0D=0AVotre_session_a_expir=C3=A9?="
)
B64_PAYLOAD = (
    "=?utf-8?b?"
    + base64.b64encode(b"x\r\nReply-To: attacker@evil.example\r\n\r\nCorps").decode()
    + "?="
)
ENCODED_WORDS = {
    "issue": PAYLOAD,
    "base64": B64_PAYLOAD,
    "latin1-upper": "=?ISO-8859-1?Q?x=0D=0ABcc:_victim@evil.example?=",
    "inside-a-word": "Zoé=?utf-8?q?=0A=0DBcc:_victim@evil.example?=Lefèvre",
    "two-words": "=?utf-8?q?x?= =?utf-8?q?=0D=0ABcc:_victim@evil.example?=",
    "lf-only": "=?utf-8?q?x=0ABcc:_victim@evil.example?=",
}
NOTIFICATION_HEADERS = Counter(
    [
        "from",
        "to",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    ]
)
WORD_JOINER = "\u2060"


def raw_header_names(raw: bytes) -> Counter:
    """Header names read from the bytes themselves (no email package): each line of the
    header block that is not a continuation (RFC 5322 folding) starts a header."""
    head, separator, _body = raw.partition(b"\r\n\r\n")
    assert separator, "no blank line after the headers"
    unfolded = head.replace(b"\r\n", b"")
    assert b"\r" not in unfolded and b"\n" not in unfolded and b"\x00" not in head
    return Counter(
        line.split(b":", 1)[0].decode("ascii").lower()
        for line in head.split(b"\r\n")
        if line[:1] not in (b" ", b"\t")
    )


def received(smtp_server):  # noqa: F811
    """The one message received: (envelope, raw bytes, parsed as a mail reader would)."""
    [envelope] = smtp_server.mailbox.envelopes
    raw = envelope.original_content
    return envelope, raw, message_from_bytes(raw, policy=policy.default)


def post_inquiry(client, **fields):
    response = client.post("/sponsoring", data=form_data(**fields))
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    outbox.wait_for_background_sends()


@pytest.mark.parametrize("field", ["name", "organisation"])
@pytest.mark.parametrize("payload", list(ENCODED_WORDS.values()), ids=list(ENCODED_WORDS))
def test_encoded_words_typed_in_the_form_stay_text_in_the_subject(
    client,
    app,
    smtp,  # noqa: F811
    field,
    payload,
):
    smtp.start()
    values = {"name": "Zoé Lefèvre", "organisation": "Énergies Réunies", field: payload}
    post_inquiry(client, **values)
    envelope, raw, email = received(smtp)
    assert raw_header_names(raw) == NOTIFICATION_HEADERS
    assert envelope.rcpt_tos == ["partenariats@gazette.example"]
    assert str(email["Reply-To"]) == "zoe@energies.example"
    assert str(email["To"]) == "partenariats@gazette.example"
    # The subject reads as the visitor typed it (the "=?" only carries an invisible
    # WORD JOINER), never decoded.
    subject = str(email["Subject"])
    typed = f"Demande de sponsoring : {values['organisation']} ({values['name']})"
    assert subject.replace(WORD_JOINER, "") == typed
    assert "=?" not in subject
    assert f"{values[field]}" in email.get_content()  # the body has it verbatim


def test_a_header_written_in_the_message_stays_in_the_body(client, app, smtp):  # noqa: F811
    smtp.start()
    message = (
        "Reply-To: attacker@evil.example\n\nBcc: victim@evil.example\n"
        f"{PAYLOAD}\n.\nFin du message, assez longue pour le formulaire."
    )
    post_inquiry(client, message=message)
    _envelope, raw, email = received(smtp)
    assert raw_header_names(raw) == NOTIFICATION_HEADERS
    assert str(email["Reply-To"]) == "zoe@energies.example"
    assert message in email.get_content().replace("\r\n", "\n")


# (stored subject, what the reader must see): one line, whatever was stored.
SUBJECTS = {
    "crlf-header": ("Demande\r\nBcc: victim@evil.example", "Demande Bcc: victim@evil.example"),
    "lf": ("Demande\nReply-To: attacker@evil.example", "Demande Reply-To: attacker@evil.example"),
    "cr": ("Demande\rBcc: victim@evil.example", "Demande Bcc: victim@evil.example"),
    "blank-line": ("Demande\r\n\r\nCorps pirate", "Demande Corps pirate"),
    "u2028": ("Demande\u2028Bcc: victim@evil.example", "Demande Bcc: victim@evil.example"),
    "u2029": ("Demande\u2029Bcc: victim@evil.example", "Demande Bcc: victim@evil.example"),
    "u0085": ("Demande\x85Bcc: victim@evil.example", "Demande Bcc: victim@evil.example"),
    "nul": ("Demande\x00Bcc: victim@evil.example", "Demande Bcc: victim@evil.example"),
    "vt-ff-tab": ("Demande\x0b\x0c\tde\x1eZoé", "Demande de Zoé"),
    "encoded-word": (PAYLOAD, PAYLOAD.replace("=?", "=" + WORD_JOINER + "?")),
    "long-word": ("L" * 300, "L" * 300),
    "long-accented": (("Zoé Lefèvre-Ñúñez " * 16).strip(), ("Zoé Lefèvre-Ñúñez " * 16).strip()),
    "emoji": ("Sciences 🚀 à l’automne", "Sciences 🚀 à l’automne"),
}


@pytest.mark.parametrize(("stored", "shown"), list(SUBJECTS.values()), ids=list(SUBJECTS))
def test_any_stored_subject_goes_out_as_one_safe_line(app, runner, smtp, stored, shown):  # noqa: F811
    if "\x00" in stored and db.engine.dialect.name == "postgresql":
        stored = stored.replace("\x00", "\x01")  # PostgreSQL refuses NUL; \x01 is its kin
    db.session.add(
        OutboxMessage(
            purpose="notification",
            to_address="partenariats@gazette.example",
            reply_to="zoe@energies.example",
            subject=stored,
            body="Corps.\nReply-To: attacker@evil.example\n",
        )
    )
    db.session.commit()
    smtp.start()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    _envelope, raw, email = received(smtp)
    assert raw_header_names(raw) == NOTIFICATION_HEADERS
    assert str(email["Subject"]) == shown
    assert str(email["Reply-To"]) == "zoe@energies.example"
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert raw.isascii()  # no SMTPUTF8 needed: 7-bit, encoded words
    assert email.get_content().replace("\r\n", "\n") == "Corps.\nReply-To: attacker@evil.example\n"


# Addresses that cannot be written as one plain address: given up at once.
BAD_ADDRESSES = {
    "encoded-word-local-part": {"reply_to": "=?utf-8?q?x=0D=0AX-Evil:_1?=@evil.example"},
    "crlf-in-reply-to": {"reply_to": "zoe@energies.example\r\nBcc: victim@evil.example"},
    "u2028-in-reply-to": {"reply_to": "zoe@energies.example\u2028Bcc: victim@evil.example"},
    "quoted-crlf": {"reply_to": '"x\r\nX-Evil: 1"@energies.example'},
    "two-addresses-in-reply-to": {"reply_to": "zoe@energies.example, victim@evil.example"},
    "lf-in-to": {"to_address": "zoe@energies.example\nBcc: victim@evil.example"},
    "encoded-word-in-to": {"to_address": "=?utf-8?b?eA0KQmNjOiB2QGV2aWwuZXhhbXBsZQ==?=@x.fr"},
    "no-address": {"to_address": " "},
}


@pytest.mark.parametrize("fields", list(BAD_ADDRESSES.values()), ids=list(BAD_ADDRESSES))
def test_an_unusable_address_fails_once_and_the_others_still_go(app, runner, smtp, fields):  # noqa: F811
    base = {
        "purpose": "notification",
        "to_address": "partenariats@gazette.example",
        "reply_to": "zoe@energies.example",
        "subject": "Demande",
        "body": "Corps",
    }
    db.session.add(OutboxMessage(**{**base, **fields}))
    db.session.add(OutboxMessage(**base))
    db.session.commit()
    smtp.start()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 1 and "abandonnés (voir la boîte de réception) : 1" in result.output
    assert "Envoyés : 1" in result.output
    _envelope, raw, email = received(smtp)  # only the good one
    assert raw_header_names(raw) == NOTIFICATION_HEADERS
    bad = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    db.session.refresh(bad)
    assert (bad.status, bad.failure, bad.attempts) == (
        OutboxStatus.FAILED,
        OutboxFailure.INVALID_ADDRESS,
        1,
    )
    # Never retried: the next runs leave it alone.
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    assert "Envoyés : 0" in runner.invoke(args=["outbox", "send"]).output
    db.session.refresh(bad)
    assert bad.attempts == 1 and len(smtp.mailbox.envelopes) == 1


def test_an_encoded_word_as_the_sender_s_address_is_refused_once_and_shown(
    client,
    app,
    runner,
    smtp,  # noqa: F811
):
    """The form takes it (it is a syntactically valid address); the outbox never writes it."""
    app.config["SPONSORSHIP_SEND_ACKNOWLEDGEMENT"] = True
    smtp.start()
    post_inquiry(client, email="=?utf-8?q?x=0D=0AX-Evil=3A_1?=@evil.example")
    assert smtp.mailbox.envelopes == []
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert len(messages) == 2
    for message in messages:
        db.session.refresh(message)
        assert (message.status, message.failure, message.attempts) == (
            "failed",
            "invalid-address",
            1,
        )
    editor = make_user(role="editor", password="correct horse battery")
    client.post("/connexion", data={"email": editor.email, "password": "correct horse battery"})
    html = client.get(f"/redaction/demandes/{messages[0].inquiry_id}").get_data(as_text=True)
    assert "Non envoyé : une adresse de ce courriel ne peut pas être utilisée telle quelle." in html


@pytest.mark.parametrize(
    "subject",
    [
        "=?utf-8?q?x=0D=0ABcc:_victim@evil.example?=",
        "Demande =?utf-8?b?eA0KUmVwbHktVG86IGFAZXZpbC5leGFtcGxl?=",
        "=?utf-8?q?=0A=0A?=Corps",
    ],
)
def test_the_serialised_check_stops_what_neutralising_missed(
    app,
    runner,
    smtp,  # noqa: F811
    monkeypatch,
    subject,
):
    """Without the neutralising step, a short encoded word goes out as plain ASCII, and a
    mail reader would decode its CR/LF: the check, reading the bytes back as a reader
    does, gives the message up and nothing leaves."""
    monkeypatch.setattr(outbox, "header_text", lambda text: text)
    db.session.add(
        OutboxMessage(
            purpose="notification",
            to_address="partenariats@gazette.example",
            reply_to="zoe@energies.example",
            subject=subject,
            body="Corps",
        )
    )
    db.session.commit()
    smtp.start()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 1 and "abandonnés (voir la boîte de réception) : 1" in result.output
    assert smtp.mailbox.envelopes == []
    message = db.session.scalars(select(OutboxMessage)).one()
    db.session.refresh(message)
    assert (message.status, message.failure) == (OutboxStatus.FAILED, OutboxFailure.UNSAFE)


def test_the_check_catches_cve_2024_6923_where_the_email_package_has_it(app):
    """The way the outbox used to build messages (`email["Subject"] = text`): on Python
    before 3.11.10/3.12.5 the bytes carry the attacker's Reply-To and body, and the check
    refuses them; on later versions the email package itself refuses to write them."""
    letter = _letter(subject=f"Demande de sponsoring : {PAYLOAD}")
    email = EmailMessage(policy=policy.SMTP)
    for name, value in letter.headers():
        email[name] = value
    email.set_content(letter.body)
    try:
        raw = email.as_bytes()
    except ValueError:  # a fixed Python: HeaderWriteError
        return
    assert b"\r\nReply-To: attacker@evil.example\r\n" in raw  # the CVE, on this Python
    with pytest.raises(outbox.Undeliverable, match="headers differ"):
        outbox.check_serialised(raw, letter.headers(), letter.body, smtputf8=False)


def test_an_unexpected_error_fails_that_message_once_and_the_run_goes_on(
    app,
    runner,
    smtp,  # noqa: F811
    monkeypatch,
):
    for subject in ("first", "second", "third"):
        db.session.add(
            OutboxMessage(purpose="notification", to_address="a@x.fr", subject=subject, body="b")
        )
    db.session.commit()
    real_compose = outbox.compose

    def compose(message, sender):
        if message.subject == "second":
            raise KeyError("a bug")
        return real_compose(message, sender)

    monkeypatch.setattr(outbox, "compose", compose)
    smtp.start()
    result = runner.invoke(args=["outbox", "send"])
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert "Envoyés : 2" in result.output and "abandonnés (voir la boîte de réception) : 1" in (
        result.output
    )
    second = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.subject == "second")
    ).one()
    db.session.refresh(second)
    assert (second.status, second.failure, second.attempts) == ("failed", "unexpected", 1)
    assert "KeyError" in second.last_error


def _letter(**overrides) -> outbox.Letter:
    fields = {
        "sender": outbox.mailbox("redaction@gazette.example", "Gazette"),
        "recipients": [outbox.mailbox("partenariats@gazette.example")],
        "reply_to": [outbox.mailbox("zoe@energies.example")],
        "subject": "Demande de sponsoring : Énergies Réunies (Zoé Lefèvre)",
        "body": "Corps\n",
        "message_id": "<1@gazette.example>",
        "date": "Mon, 01 Jun 2026 10:00:00 +0000",
    }
    return outbox.Letter(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (
            lambda raw: raw.replace(b"\r\nSubject:", b"\r\nBcc: victim@evil.example\r\nSubject:"),
            "headers differ",
        ),
        (
            lambda raw: raw.replace(
                b"\r\nSubject:", b"\r\nReply-To: attacker@evil.example\r\nSubject:"
            ),
            "headers differ",
        ),
        (lambda raw: raw.replace(b"Date: ", b"Date:\nX: ", 1), "bare CR, LF"),
        (lambda raw: raw.replace(b"\r\n\r\nCorps", b"\r\n\r\nAutre"), "body differs"),
        (lambda raw: raw.replace(b"\r\n\r\n", b"\r\n"), "blank line"),
        (lambda raw: raw.replace(b"Subject: ", b"Subject: " + b"x" * 1000), "998"),
    ],
    ids=["bcc-added", "reply-to-added", "bare-lf", "body-changed", "body-as-headers", "long-line"],
)
def test_check_serialised_refuses_any_difference(app, tamper, reason):
    letter = _letter()
    raw = outbox.serialise(letter)  # the untouched message passes
    email = message_from_bytes(raw, policy=policy.default)
    intended = letter.headers() + [
        (name, str(email[name]))
        for name in ("MIME-Version", "Content-Type", "Content-Transfer-Encoding")
    ]
    outbox.check_serialised(raw, intended, letter.body, smtputf8=False)
    with pytest.raises(outbox.Undeliverable, match=reason) as caught:
        outbox.check_serialised(tamper(raw), intended, letter.body, smtputf8=False)
    assert caught.value.failure == OutboxFailure.UNSAFE


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        ("a\r\nb", "a b"),
        ("a\u2028\u2029\x85b", "a b"),
        ("  a\t\tb  ", "a b"),
        ("a\x00\x1b[31mb", "a [31mb"),
        ("=?utf-8?q?x?=", "=\u2060?utf-8?q?x?="),
        ("x=?y", "x=\u2060?y"),
        ("Zoé 🚀", "Zoé 🚀"),
        ("", ""),
    ],
)
def test_header_text_is_one_line_with_no_encoded_word(typed, line):
    assert outbox.header_text(typed) == line


# Any text, and texts of long and short words (folding), ASCII or not.
TEXTS = st.text(max_size=400) | st.lists(
    st.text(alphabet=st.sampled_from("aZ=?_é🚀\t\r\n\u2028"), max_size=120), max_size=6
).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(text=TEXTS, international=st.booleans())
def test_any_text_goes_out_exactly_as_made_safe(text, international):
    """Property: whatever a person typed, the subject and body serialise, pass the check,
    and read back as header_text/body_text made them (7-bit or SMTPUTF8 alike)."""
    letter = _letter(
        subject=outbox.header_text(text),
        body=outbox.body_text(text),
        reply_to=[outbox.mailbox("zoé@société.fr" if international else "zoe@societe.fr")],
    )
    email = message_from_bytes(outbox.serialise(letter), policy=policy.default)
    assert str(email["Subject"]) == letter.subject
    assert "\n" not in letter.subject and "\r" not in letter.subject
    assert email.get_content().replace("\r\n", "\n") == letter.body
