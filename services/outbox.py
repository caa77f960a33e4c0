"""The email outbox: messages are queued in the database, then sent over SMTP after commit.

Queueing happens in the same transaction as what the email is about, so an email is never
promised and lost. Delivery happens later: right after the response in a background
thread (best effort), and by `flask --app app outbox send` (cron), which retries failures
with exponential backoff. Without MAIL_SERVER nothing is sent and messages wait.

What goes on the wire is exactly what Gazette meant, whatever a visitor typed and on any
supported Python (RFC 5322 headers, RFC 2047 encoded words, RFC 6531/6532 SMTPUTF8, RFC
5890 IDNA):

- text from a person reaches a header only through `header_text`: one line, no control
  characters, and no "=?" left for the email package to decode as an encoded word
  (CPython before 3.11.10/3.12.5 writes the CR/LF such a word decodes to:
  CVE-2024-6923). Visitors never appear as display names: addresses go in bare;
- addresses go through `mailbox`: validated by email-validator, the domain in IDNA
  (xn--), a non-ASCII local part only over SMTPUTF8 when the server offers it;
- `serialise` writes the message, parses its bytes back and refuses it unless the
  headers are exactly the intended ones, with no CR or LF in any value, and the body is
  the intended body; the bytes checked are the bytes sent.

A message that can never be sent (Undeliverable) is given up at its first try with a
reason (OutboxFailure) the inbox shows; no error, whatever its type, stops the others.
"""

from __future__ import annotations

import re
import smtplib
import ssl
import unicodedata
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr

from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from models import db
from models.sponsorship import OutboxFailure, OutboxMessage, OutboxStatus
from models.time import utcnow

# Retry after 1, 2, 4, 8… minutes, never waiting more than six hours between tries.
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
# How long a sender owns a message it is sending; longer than any SMTP timeout.
CLAIM_DURATION = timedelta(minutes=5)


def queue(**fields) -> OutboxMessage:
    """Add a message to the session; it is stored by the caller's commit, or not at all."""
    message = OutboxMessage(status=OutboxStatus.QUEUED, next_attempt_at=utcnow(), **fields)
    db.session.add(message)
    return message


def sending_configured(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("MAIL_SERVER"))


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _claim(message_id: int) -> bool:
    """Take a due message for sending; False if another sender has it or it is not due."""
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.QUEUED,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        .values(locked_until=now + CLAIM_DURATION)
    ).rowcount
    db.session.commit()
    return claimed == 1


class Undeliverable(Exception):
    """A message no retry can send; `failure` (an OutboxFailure) says why, in a word."""

    def __init__(self, failure: OutboxFailure, detail: str):
        super().__init__(detail)
        self.failure = failure


# ---------------------------------------------------------------------------------------
# Building a message that says exactly what Gazette meant.

# Characters that end a line or control a terminal: Unicode categories Cc (C0 and C1
# controls: CR, LF, tab, NUL, NEL U+0085…), Zl (U+2028) and Zp (U+2029), and lone
# surrogates (Cs), which cannot be encoded at all.
_BREAKING_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cs"})
# What the email package and mail readers decode as the start of an RFC 2047 encoded
# word; a WORD JOINER (U+2060, invisible) in its middle keeps it literal text.
ENCODED_WORD_START = "=?"
_NEUTRALISED_START = "=\u2060?"
_SPACES = re.compile(" {2,}")
# In a body, every line end (str.splitlines' list) becomes LF; other controls but tab go.
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_HARD_LINE_LIMIT = 998  # octets, RFC 5322 section 2.1.1
_PLAIN_WORD_MAX = 60  # characters of an ASCII word that fit after "Subject: " (78 a line)


def header_text(text: str | None) -> str:
    """Free text (a subject, a display name) reduced to one line that is safe in a header.

    Every character of categories Cc, Zl, Zp (CR, LF, tab, NUL, U+0085, U+2028…) becomes
    a space, a lone surrogate U+FFFD, runs of spaces one space, the ends are trimmed,
    and each "=?" gets an invisible WORD JOINER so that no encoded word typed by a
    person is ever decoded (CVE-2024-6923). Letters, accents and emoji stay as they are.
    """
    characters = []
    for character in text or "":
        category = unicodedata.category(character)
        if category == "Cs":
            characters.append("\ufffd")
        elif category in _BREAKING_CATEGORIES:
            characters.append(" ")
        else:
            characters.append(character)
    line = _SPACES.sub(" ", "".join(characters)).strip()
    return line.replace(ENCODED_WORD_START, _NEUTRALISED_START)


def body_text(text: str | None) -> str:
    """The body as lines ending in a line feed (every Unicode line end counts as one),
    without control characters other than tab, ending with one line end."""
    lines = _BODY_CONTROL.sub("", text or "").splitlines()
    return "\n".join(lines) + "\n"


class EncodedText(str):
    """A free-text header value (the Subject) that the email package writes as Gazette
    encodes it, without parsing or refolding it.

    Having `name` and `fold`, it is stored and written as is (email.policy.EmailPolicy
    header_store_parse and _fold). `fold` encodes it with the compat32 `Header` class:
    plain ASCII folded at spaces (when its words are short), anything else as RFC 2047
    UTF-8 encoded words, which keeps every space (the default policy's refolding drops the space between two
    encoded words of a long non-ASCII subject). str() is the text a reader decodes.
    """

    name: str

    def __new__(cls, name: str, text: str):
        value = super().__new__(cls, text)
        value.name = name
        return value

    def fold(self, *, policy) -> str:
        # Plain ASCII only when every word fits on a line: compat32 folds a word too long
        # for the first line onto the next one, and its fold would become a leading space.
        # Encoded words split anywhere and decode back exactly (RFC 2047 section 6.2).
        plain = self.isascii() and all(len(word) <= _PLAIN_WORD_MAX for word in self.split())
        charset = "us-ascii" if plain else "utf-8"
        encoded = Header(str(self), charset, header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"


@dataclass(frozen=True)
class Mailbox:
    """One address as it goes on the wire: the domain in IDNA ASCII (RFC 5890), the
    local part as given (non-ASCII only with SMTPUTF8), an optional display name that
    Gazette chose (never a visitor's words)."""

    local_part: str
    domain: str
    display_name: str = ""

    @property
    def needs_smtputf8(self) -> bool:
        return not self.local_part.isascii()

    @property
    def addr_spec(self) -> str:
        return self.header.addr_spec

    @property
    def header(self) -> Address:
        return Address(self.display_name, username=self.local_part, domain=self.domain)


def mailbox(address: str, display_name: str = "") -> Mailbox:
    """A checked address: "contact@société.fr" -> Mailbox("contact", "xn--socit-esab.fr").

    Raises Undeliverable(INVALID_ADDRESS) when it is not one plain address (RFC 5321
    syntax through email-validator, no quoted local part, no "=?" that the email package
    would decode, no control or line-breaking character).
    """
    address = (address or "").strip()
    if ENCODED_WORD_START in address or any(
        unicodedata.category(character) in _BREAKING_CATEGORIES for character in address
    ):
        raise Undeliverable(
            OutboxFailure.INVALID_ADDRESS, f"address with an encoded word or a control: {address!r}"
        )
    try:
        valid = validate_email(
            address,
            check_deliverability=False,
            allow_smtputf8=True,
            globally_deliverable=False,
            test_environment=True,
        )
    except EmailNotValidError as error:
        raise Undeliverable(OutboxFailure.INVALID_ADDRESS, f"{address!r}: {error}") from None
    return Mailbox(valid.local_part, valid.ascii_domain, header_text(display_name))


def mailboxes(addresses: str) -> list[Mailbox]:
    """Each address of a comma-separated list ("a@x.fr, Rédaction <b@x.fr>"); at least one.

    Display names in the list come from settings, never from a visitor. Raises
    Undeliverable(INVALID_ADDRESS) for a control or line-breaking character, an encoded
    word, or group syntax ("Bcc: v@x.fr;", which the parser would quietly flatten).
    """
    addresses = addresses or ""
    if (
        ENCODED_WORD_START in addresses
        or ":" in addresses
        or ";" in addresses
        or any(unicodedata.category(c) in _BREAKING_CATEGORIES for c in addresses)
    ):
        raise Undeliverable(OutboxFailure.INVALID_ADDRESS, f"not a plain list: {addresses!r}")
    parsed = [(name, address) for name, address in getaddresses([addresses]) if address]
    if not parsed:
        raise Undeliverable(OutboxFailure.INVALID_ADDRESS, f"no address in {addresses!r}")
    return [mailbox(address, name) for name, address in parsed]


def _header_value(boxes: list[Mailbox]) -> str:
    return ", ".join(str(box.header) for box in boxes)


@dataclass
class Letter:
    """An outbox message as Gazette means it: who, to whom, what, already made safe."""

    sender: Mailbox
    recipients: list[Mailbox]
    subject: str
    body: str
    reply_to: list[Mailbox] = field(default_factory=list)
    message_id: str = ""
    date: str = ""

    @property
    def smtputf8(self) -> bool:
        """Whether any address needs SMTPUTF8 (a non-ASCII local part, RFC 6531)."""
        return any(box.needs_smtputf8 for box in (self.sender, *self.recipients, *self.reply_to))

    def headers(self) -> list[tuple[str, str]]:
        """(name, value) of every header Gazette sets, values as a reader decodes them."""
        headers = [
            ("From", _header_value([self.sender])),
            ("To", _header_value(self.recipients)),
            ("Subject", self.subject),
            ("Date", self.date),
            ("Message-ID", self.message_id),
        ]
        if self.reply_to:
            headers.append(("Reply-To", _header_value(self.reply_to)))
        return headers


def sender_mailbox(config) -> Mailbox:
    """The site's From: MAIL_DEFAULT_SENDER ("Name <address>" or an address), or
    SITE_NAME <NEWSROOM_EMAIL>."""
    if config.get("MAIL_DEFAULT_SENDER"):
        name, address = parseaddr(config["MAIL_DEFAULT_SENDER"])
        return mailbox(address, name)
    return mailbox(config["NEWSROOM_EMAIL"], config["SITE_NAME"])


def compose(message: OutboxMessage, sender: Mailbox) -> Letter:
    """The Letter for a stored message; raises Undeliverable for an unusable address."""
    return Letter(
        sender=sender,
        recipients=mailboxes(message.to_address),
        # One address, as typed by a visitor: no list, no display name.
        reply_to=[mailbox(message.reply_to)] if message.reply_to.strip() else [],
        subject=header_text(message.subject),
        body=body_text(message.body),
        message_id=make_msgid(domain=sender.domain),
        date=format_datetime(datetime.now(UTC).replace(microsecond=0)),
    )


def serialise(letter: Letter) -> bytes:
    """The message's bytes as sent: CRLF line ends; 7-bit (encoded words, quoted-printable
    or base64) unless an address needs SMTPUTF8, then UTF-8 headers (RFC 6532) and an
    8-bit body. Checked by `check_serialised`; raises Undeliverable(UNSAFE)."""
    chosen = policy.SMTPUTF8 if letter.smtputf8 else policy.SMTP.clone(cte_type="7bit")
    email = EmailMessage(policy=chosen)
    for name, value in letter.headers():
        if name in ("From", "To", "Reply-To"):
            boxes = {"From": [letter.sender], "To": letter.recipients}.get(name, letter.reply_to)
            email[name] = [box.header for box in boxes]
        elif name == "Subject":
            email[name] = EncodedText(name, value)
        else:
            email[name] = value
    email.set_content(letter.body)
    try:
        raw = email.as_bytes()
    except (ValueError, UnicodeError) as error:  # HeaderWriteError is a ValueError
        raise Undeliverable(OutboxFailure.UNSAFE, f"{type(error).__name__}: {error}") from None
    content_headers = [
        (name, str(email[name]))
        for name in ("MIME-Version", "Content-Type", "Content-Transfer-Encoding")
    ]
    check_serialised(raw, letter.headers() + content_headers, letter.body, letter.smtputf8)
    return raw


def check_serialised(
    raw: bytes, intended: list[tuple[str, str]], body: str, smtputf8: bool
) -> None:
    """Parse the bytes back as a mail reader would; raise Undeliverable(UNSAFE) unless
    the header names and decoded values are exactly `intended` (in any order), no header
    line holds a bare CR or LF or a NUL, no line passes 998 octets, 8-bit data appears
    only when `smtputf8`, and the body reads back as `body` (so none of it became a
    header, and no header swallowed it)."""

    def unsafe(reason: str):
        return Undeliverable(OutboxFailure.UNSAFE, f"unsafe message: {reason}")

    head, separator, _rest = raw.partition(b"\r\n\r\n")
    if not separator:
        raise unsafe("no blank line between headers and body")
    unfolded = head.replace(b"\r\n", b"")
    if b"\r" in unfolded or b"\n" in unfolded or b"\x00" in raw:
        raise unsafe("bare CR, LF or NUL in the headers")
    if any(len(line) > _HARD_LINE_LIMIT for line in raw.split(b"\r\n")):
        raise unsafe("line longer than 998 octets")
    if not smtputf8 and not raw.isascii():
        raise unsafe("8-bit data without SMTPUTF8")
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    if parsed.defects or parsed.is_multipart():
        raise unsafe(f"structure: {parsed.defects}")
    found = Counter((name.lower(), str(value)) for name, value in parsed.items())
    wanted = Counter((name.lower(), value) for name, value in intended)
    if found != wanted:
        differing = sorted({name for name, _value in (found - wanted) + (wanted - found)})
        raise unsafe(f"headers differ from those set: {differing}")
    if any("\r" in value or "\n" in value for _name, value in found):
        raise unsafe("CR or LF in a header value")
    if parsed.get_content().replace("\r\n", "\n") != body:
        raise unsafe("body differs from the one set")


def _connect(config) -> smtplib.SMTP:
    timeout = config["MAIL_TIMEOUT"]
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def _record_failure(message: OutboxMessage, error: Exception, max_attempts: int) -> bool:
    """A try that may work later: back off, or give up after max_attempts (True)."""
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.failure = ""
    message.locked_until = None
    if message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
        return True
    message.next_attempt_at = utcnow() + backoff(message.attempts)
    return False


def _give_up(message: OutboxMessage, failure: OutboxFailure, detail: str) -> None:
    """A message no retry can send: failed at once, with its reason, never retried."""
    message.attempts += 1
    message.status = OutboxStatus.FAILED
    message.failure = failure
    message.last_error = detail[:2000]
    message.locked_until = None


def _send(smtp: smtplib.SMTP, letter: Letter, raw: bytes) -> None:
    """Send the checked bytes as they are, announcing SMTPUTF8 when an address needs it."""
    options = []
    if letter.smtputf8:
        smtp.ehlo_or_helo_if_needed()
        if not smtp.has_extn("smtputf8"):
            raise Undeliverable(
                OutboxFailure.NO_SMTPUTF8,
                "the SMTP server does not offer SMTPUTF8, needed for a non-ASCII local part",
            )
        options = ["SMTPUTF8", "BODY=8BITMIME"]
    smtp.sendmail(
        letter.sender.addr_spec,
        [box.addr_spec for box in letter.recipients],
        raw,
        mail_options=options,
    )


def deliver_due(ids: list[int] | None = None, limit: int = 100) -> dict[str, int]:
    """Send the queued messages that are due (or just those ids); one SMTP connection.

    Returns {"sent": n, "failed": n (to be retried), "given_up": n (failed for good)}.
    Each message is built and checked before any connection; whatever goes wrong with
    one (an Undeliverable message, a network or SMTP error, a fault of any other type)
    is recorded on it and the others still go. Only a database error stops the run.
    """
    config = current_app.config
    result = {"sent": 0, "failed": 0, "given_up": 0}
    if not sending_configured():
        return result
    query = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= utcnow()
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    due = list(db.session.scalars(query.order_by(OutboxMessage.id).limit(limit)))
    smtp = None
    try:
        for message_id in due:
            if not _claim(message_id):
                continue
            message = db.session.get(OutboxMessage, message_id)
            try:
                letter = compose(message, sender_mailbox(config))
                raw = serialise(letter)
                smtp = smtp or _connect(config)
                _send(smtp, letter, raw)
            except Undeliverable as error:
                _give_up(message, error.failure, str(error))
                result["given_up"] += 1
            except (OSError, smtplib.SMTPException) as error:
                gave_up = _record_failure(message, error, config["OUTBOX_MAX_ATTEMPTS"])
                result["given_up" if gave_up else "failed"] += 1
                smtp = _close(smtp)  # a broken connection is not reused
            except SQLAlchemyError:
                raise
            except Exception as error:  # a fault in Gazette: logged, given up, never a loop
                current_app.logger.exception("Outbox message %s could not be sent", message_id)
                _give_up(message, OutboxFailure.UNEXPECTED, f"{type(error).__name__}: {error}")
                result["given_up"] += 1
                smtp = _close(smtp)
            else:
                message.status = OutboxStatus.SENT
                message.sent_at = utcnow()
                message.attempts += 1
                message.last_error = ""
                message.failure = ""
                message.locked_until = None
                result["sent"] += 1
            db.session.commit()
    finally:
        _close(smtp)
    return result


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return None


def requeue(message: OutboxMessage) -> None:
    """A person asks for another try of a message that failed or waits."""
    message.status = OutboxStatus.QUEUED
    message.failure = ""
    message.next_attempt_at = utcnow()
    message.locked_until = None


# ---------------------------------------------------------------------------------------
# Best-effort sending after the response: one worker thread per process, so a burst of
# inquiries never starts a burst of threads, and the request never waits for SMTP.

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
_pending: list[Future] = []


def send_soon(ids: list[int]) -> None:
    """Queue a background delivery attempt for these messages (no-op without SMTP)."""
    app = current_app._get_current_object()
    if not ids or not sending_configured(app) or not app.config["OUTBOX_SEND_AFTER_RESPONSE"]:
        return
    _pending[:] = [future for future in _pending if not future.done()]
    _pending.append(_executor.submit(_deliver_in_background, app, list(ids)))


def _deliver_in_background(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            deliver_due(ids)
        except SQLAlchemyError:
            # The messages stay queued; `flask outbox send` will take them.
            app.logger.exception("Background delivery of outbox messages %s failed", ids)
            db.session.rollback()


def wait_for_background_sends(timeout: float = 30) -> None:
    """For tests and shutdown: let the background deliveries started so far finish."""
    for future in list(_pending):
        future.result(timeout=timeout)
