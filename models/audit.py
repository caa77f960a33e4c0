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

This module is the data and its queries; reading the request (who acted, from where, on
which URL) is the views' half, in views/audit_trail.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.listing import Cursor, Keyset
from models.time import utcnow
from models.user import User

# session.info key: an event was recorded explicitly in this session (unit of work), so the
# automatic record (views/audit_trail.py) would only repeat it.
RECORDED = "audit_recorded"

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


def record(
    action: str, *, user_id: int | None = None, target: str = "", detail=None, ip: str = ""
) -> None:
    """Add an event to the session; the caller's commit stores it with what it describes.

    action: an endpoint-like name ("auth.login"), target: "kind:id" or "", detail: a small
    dict of choices (never typed text), ip: the client's address as the views saw it.
    """
    db.session.add(
        AuditEvent(
            action=action[:80],
            user_id=user_id,
            target=target[:80],
            detail=detail or {},
            ip=ip[:45],
        )
    )
    db.session.info[RECORDED] = True


def record_login_failure(email: str, *, ip: str = "") -> None:
    """A failed login, against the account if there is one (the typed address is not kept)."""
    account = User.by_email(email)
    record("auth.login_failed", target=f"compte:{account.id}" if account else "", ip=ip)


def page(*, before: Cursor | None, user_id: int | None, action: str | None, per_page: int):
    """Events newest first, strictly past the cursor `before` (an id-only Cursor or None),
    filtered by person and action: (events, cursor of the next page or None)."""
    query = select(AuditEvent)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return JOURNAL_ORDER.page(query, per_page, before)


def recorded_actions() -> list[str]:
    return db.session.scalars(
        select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    ).all()


def people_in_journal() -> list[User]:
    ids = select(AuditEvent.user_id).where(AuditEvent.user_id.is_not(None)).distinct()
    return db.session.scalars(
        select(User).where(User.id.in_(ids)).order_by(User.display_name)
    ).all()


# Newest first by id; ?avant=<id> is the last event of the page before (models/listing.py).
JOURNAL_ORDER = Keyset(id=AuditEvent.id)
