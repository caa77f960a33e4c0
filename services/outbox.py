"""The email outbox: messages are queued in the database, then sent over SMTP after commit.

Queueing happens in the same transaction as what the email is about, so an email is never
promised and lost. Delivery happens later: right after the response in a background
thread (best effort), and by `flask --app app outbox send` (cron), which retries failures
with exponential backoff. Without MAIL_SERVER nothing is sent and messages wait.
"""

from __future__ import annotations

import smtplib
import ssl
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import Flask, current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from models import db
from models.sponsorship import OutboxMessage, OutboxStatus
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


def _as_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    email.set_content(message.body)
    return email


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


def _record_failure(message: OutboxMessage, error: Exception, max_attempts: int) -> None:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    message.locked_until = None
    if message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
    else:
        message.next_attempt_at = utcnow() + backoff(message.attempts)


def deliver_due(ids: list[int] | None = None, limit: int = 100) -> dict[str, int]:
    """Send the queued messages that are due (or just those ids); one SMTP connection."""
    config = current_app.config
    result = {"sent": 0, "failed": 0}
    if not sending_configured():
        return result
    query = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= utcnow()
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    due = list(db.session.scalars(query.order_by(OutboxMessage.id).limit(limit)))
    sender = config["MAIL_DEFAULT_SENDER"] or formataddr(
        (config["SITE_NAME"], config["NEWSROOM_EMAIL"])
    )
    smtp = None
    try:
        for message_id in due:
            if not _claim(message_id):
                continue
            message = db.session.get(OutboxMessage, message_id)
            try:
                smtp = smtp or _connect(config)
                smtp.send_message(_as_email(message, sender))
            except (OSError, smtplib.SMTPException, ValueError) as error:
                _record_failure(message, error, config["OUTBOX_MAX_ATTEMPTS"])
                result["failed"] += 1
                smtp = _close(smtp)  # a broken connection is not reused
            else:
                message.status = OutboxStatus.SENT
                message.sent_at = utcnow()
                message.attempts += 1
                message.last_error = ""
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


def requeue(message: OutboxMessage) -> None:
    """A person asks for another try of a message that failed or waits."""
    message.status = OutboxStatus.QUEUED
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
