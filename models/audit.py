"""The audit trail: who changed what, and when, for admins to read.

Recording needs no code in the views. A request that changes the database (any method
but GET/HEAD/OPTIONS) while someone is logged in gets one AuditEvent, added at its
first flush of changes, so it is committed in the same transaction as the change
itself: the journal never shows a change that was rolled back, and never misses one
that was committed. The action is the endpoint ("editor.save_block"), the target comes
from the URL ("bloc:40") or, for a creation, from the new row ("article:12").

What is kept is short on purpose: the choices made in small forms (a status, a role, a
publication state), never what was typed (revisions hold the texts) nor any password.
Logins, which happen before anyone is logged in, are recorded explicitly (record()).
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import db
from models.time import utcnow
from models.user import User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# URL arguments that name what an action was about, most specific first, and the name
# the journal gives them (French, like every address on the site).
TARGET_ARGUMENTS = (
    ("block_id", "bloc"),
    ("inquiry_id", "demande"),
    ("article_id", "article"),
    ("user_id", "compte"),
    ("sponsor_id", "sponsor"),
)
# Tables whose new rows name what a creation was about (when the URL names nothing).
TARGET_TABLES = {
    "article": "article",
    "block": "bloc",
    "sponsorship_inquiry": "demande",
    "user": "compte",
    "section": "rubrique",
    "sponsor": "sponsor",
}
# Form fields whose values are choices, not texts: safe and useful to keep. A field
# may carry a prefix ("publication-state", "u12-role").
CHOICE_FIELDS = frozenset({"status", "role", "assignee", "state", "section", "direction"})
MAX_VALUE_LENGTH = 40


class AuditEvent(db.Model):
    """One action by one person: "Julien a modifié le bloc 40 le 3 mai à 10 h 12"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None for a failed login (nobody is logged in) or an account deleted since.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(80), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(45), default="")

    user: Mapped[User | None] = relationship(lazy="joined")

    # The journal's filters read newest first within one person or one action.
    __table_args__ = (
        Index("ix_audit_event_user_id_id", "user_id", "id"),
        Index("ix_audit_event_action_id", "action", "id"),
    )

    @property
    def target_kind(self) -> str:
        return self.target.partition(":")[0]

    @property
    def target_id(self) -> int | None:
        raw = self.target.partition(":")[2]
        return int(raw) if raw.isdigit() else None


def record(action: str, *, user_id: int | None = None, target: str = "", detail=None) -> None:
    """Add an event to the session; the caller's commit stores it with what it describes."""
    db.session.add(
        AuditEvent(
            action=action[:80],
            user_id=user_id,
            target=target[:80],
            detail=detail or {},
            ip=client_address(),
        )
    )
    if has_request_context():
        g.audit_recorded = True  # the automatic record would only repeat it


def record_login_failure(email: str) -> None:
    """A failed login, against the account if there is one (the typed address is not kept)."""
    account_id = db.session.scalar(
        select(User.id).where(func.lower(User.email) == email.strip().lower())
    )
    record("auth.login_failed", target=f"compte:{account_id}" if account_id else "")


def client_address() -> str:
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def page(*, before: int | None, user_id: int | None, action: str | None, per_page: int):
    """Events newest first, after the keyset `before` (an id); one more to know if more."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(per_page + 1)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if action:
        query = query.where(AuditEvent.action == action)
    events = db.session.scalars(query).all()
    return events[:per_page], len(events) > per_page


def recorded_actions() -> list[str]:
    return db.session.scalars(
        select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()


def people_in_journal() -> list[User]:
    ids = select(AuditEvent.user_id).where(AuditEvent.user_id.is_not(None)).distinct()
    return db.session.scalars(
        select(User).where(User.id.in_(ids)).order_by(User.display_name)
    ).all()


# --------------------------------------------------------------------------- automatic records


def track_changes(app: Flask) -> None:
    """Record every database change made by a logged-in person's request (see above)."""
    app.before_request(_remember_actor)
    if not event.contains(Session, "after_flush", _note_change):
        event.listen(Session, "after_flush", _note_change)
        event.listen(Session, "after_flush_postexec", _add_event)


def _remember_actor() -> None:
    # Read once, before the view runs: logging in or out midway does not change who acted.
    if request.method not in SAFE_METHODS and current_user.is_authenticated:
        g.audit_actor_id = current_user.id


def _note_change(session, _flush_context) -> None:
    if not has_request_context() or g.get("audit_recorded") or "audit_target" in g:
        return
    if g.get("audit_actor_id") is None or not (session.new or session.dirty or session.deleted):
        return
    g.audit_target = _target_from_url() or _target_from_new_rows(session.new)


def _add_event(session, _flush_context) -> None:
    if not has_request_context() or g.get("audit_recorded") or "audit_target" not in g:
        return
    g.audit_recorded = True
    session.add(
        AuditEvent(
            action=(request.endpoint or request.path)[:80],
            user_id=g.audit_actor_id,
            target=g.audit_target,
            detail=_detail(),
            ip=client_address(),
        )
    )


def _target_from_url() -> str:
    arguments = request.view_args or {}
    for name, label in TARGET_ARGUMENTS:
        if name in arguments:
            return f"{label}:{arguments[name]}"
    return ""


def _target_from_new_rows(new_rows) -> str:
    found = {getattr(row, "__tablename__", ""): row for row in new_rows}
    for table, label in TARGET_TABLES.items():
        if table in found and getattr(found[table], "id", None) is not None:
            return f"{label}:{found[table].id}"
    return ""


def _detail() -> dict:
    """The URL's other arguments and the choices made in the form; never typed text."""
    arguments = request.view_args or {}
    primary = next((name for name, _label in TARGET_ARGUMENTS if name in arguments), None)
    detail = {
        name.removesuffix("_id"): value for name, value in arguments.items() if name != primary
    }
    for field, value in request.form.items():
        name = field.rpartition("-")[2]
        if name in CHOICE_FIELDS:
            detail[name] = value
    return {key: str(value)[:MAX_VALUE_LENGTH] for key, value in list(detail.items())[:8]}
