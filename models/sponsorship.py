"""Sponsorship inquiries, the notes the newsroom keeps on them, and the email outbox.

An inquiry and the emails it triggers are written in one transaction: if the inquiry is
stored, so is the notification, and the outbox (outbox.py) delivers it later.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, case, delete, event, func, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import audit, db
from models.text import FORBIDDEN, fold
from models.time import utcnow
from models.user import EMAIL_MAX, User, normalise_email


class InquiryStatus(enum.StrEnum):
    """Where an inquiry stands; the values appear in inbox URLs, so they are French."""

    NEW = "nouveau"
    CONTACTED = "contacte"
    PROPOSAL = "proposition"
    WON = "gagne"
    LOST = "perdu"
    SPAM = "spam"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    InquiryStatus.NEW: _l("Nouveau"),
    InquiryStatus.CONTACTED: _l("Contacté"),
    InquiryStatus.PROPOSAL: _l("Proposition"),
    InquiryStatus.WON: _l("Gagné"),
    InquiryStatus.LOST: _l("Perdu"),
    InquiryStatus.SPAM: _l("Spam"),
}
CLOSED_STATUSES = (InquiryStatus.WON, InquiryStatus.LOST)

# Limits, in characters: the columns, the inquiry form and its hints all read them here.
# (The address's limit is models.user.EMAIL_MAX.)
INQUIRY_NAME_MAX = 120
INQUIRY_ORGANISATION_MAX = 160
INQUIRY_PHONE_MAX = 40
INQUIRY_PERIOD_MAX = 120
INQUIRY_MESSAGE_MIN = 20
INQUIRY_MESSAGE_MAX = 5_000
NOTE_MAX = 2_000  # an internal note in the inbox
# The per-render nonce signed into the inquiry form (views/sponsorship_forms.py).
SUBMISSION_KEY_MAX = 64

# (stored value, label) in the order the form offers them.
SPONSORSHIP_KINDS = [
    ("article", _l("Article sponsorisé")),
    ("rubrique", _l("Rubrique")),
    ("newsletter", _l("Newsletter")),
    ("evenement", _l("Événement")),
    ("autre", _l("Autre")),
]
# Budget ranges from smallest to largest: the order is what "sort by budget" means.
BUDGET_RANGES = [
    ("moins-2k", _l("Moins de 2 000 €")),
    ("2k-5k", _l("De 2 000 à 5 000 €")),
    ("5k-15k", _l("De 5 000 à 15 000 €")),
    ("15k-50k", _l("De 15 000 à 50 000 €")),
    ("plus-50k", _l("Plus de 50 000 €")),
    ("a-definir", _l("À définir ensemble")),
]


def label_for(choices, value: str) -> str:
    return str(dict(choices).get(value, value))


class SponsorshipInquiry(db.Model):
    __tablename__ = "sponsorship_inquiry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    name: Mapped[str] = mapped_column(String(INQUIRY_NAME_MAX))
    organisation: Mapped[str] = mapped_column(String(INQUIRY_ORGANISATION_MAX))
    # Stored in lower case: erasure and the per-email rate limit match on it.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), index=True)
    phone: Mapped[str] = mapped_column(String(INQUIRY_PHONE_MAX), default="")
    kind: Mapped[str] = mapped_column(String(24))
    budget: Mapped[str] = mapped_column(String(24))
    period: Mapped[str] = mapped_column(String(INQUIRY_PERIOD_MAX), default="")
    message: Mapped[str] = mapped_column(Text)
    consent_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=InquiryStatus.NEW, index=True)
    # When the status last changed: retention counts from there.
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Why the spam filter quarantined it, for the human who decides to release it.
    spam_reason: Mapped[str] = mapped_column(String(200), default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # What the inbox search reads: name, organisation, address and message folded
    # (search_key), kept up to date on every write by _fold_for_search below.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The nonce of the form this inquiry was sent with: unique, so that the same submission
    # received twice (a lost response and "Envoyer" pressed again, a client retry, two
    # workers at the same instant) is stored once. None when the form carried no valid
    # nonce (quarantined as spam anyway); NULLs never collide.
    submission_key: Mapped[str | None] = mapped_column(String(SUBMISSION_KEY_MAX), unique=True)

    assignee: Mapped[User | None] = relationship()
    notes: Mapped[list[InquiryNote]] = relationship(
        back_populates="inquiry", order_by="InquiryNote.created_at", cascade="all, delete-orphan"
    )
    outbox_messages: Mapped[list[OutboxMessage]] = relationship(
        back_populates="inquiry", order_by="OutboxMessage.id", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return InquiryStatus(self.status).label

    @property
    def kind_label(self) -> str:
        return label_for(SPONSORSHIP_KINDS, self.kind)

    @property
    def budget_label(self) -> str:
        return label_for(BUDGET_RANGES, self.budget)

    def change_status(self, status: InquiryStatus, by: User) -> bool:
        """Record a new status and who set it; False when nothing changed."""
        if self.status == status:
            return False
        self.notes.append(
            InquiryNote(
                author=by,
                kind=NoteKind.EVENT,
                body=f"{self.status_label} → {status.label}",
            )
        )
        self.status = status
        self.status_changed_at = utcnow()
        return True

    def assign(self, user: User | None, by: User) -> bool:
        if self.assignee_id == (user.id if user else None):
            return False
        self.assignee = user
        label = user.display_name if user else str(_l("personne"))
        self.notes.append(
            InquiryNote(
                author=by, kind=NoteKind.EVENT, body=str(_l("Assignée à %(name)s", name=label))
            )
        )
        return True

    @staticmethod
    def received(submission_key: str | None) -> bool:
        """Whether an inquiry sent with this form nonce is already stored (False for None)."""
        if not submission_key:
            return False
        return (
            db.session.scalar(
                select(SponsorshipInquiry.id).where(
                    SponsorshipInquiry.submission_key == submission_key
                )
            )
            is not None
        )

    def __repr__(self) -> str:
        return f"<SponsorshipInquiry {self.id} {self.email} {self.status}>"


def search_key(text: str) -> str:
    """Text as the inbox search compares it: "École  Supérieure" → "ecole superieure".

    models.text.fold (accents, case, ligatures, invisible characters), spaces collapsed.
    SQLite's lower() and LIKE fold ASCII letters only, so folding here, in Python, is
    what makes "Élodie Œuvrard" found as "elodie oeuvrard" on SQLite and PostgreSQL alike.
    """
    return " ".join(FORBIDDEN.sub("", fold(text)).split())  # no NUL for PostgreSQL either


def inquiry_search_text(name: str, organisation: str, email: str, message: str) -> str:
    """The folded search column of an inquiry: one line per field, so no match spans two."""
    return "\n".join(search_key(part or "") for part in (name, organisation, email, message))


@event.listens_for(SponsorshipInquiry, "before_insert")
@event.listens_for(SponsorshipInquiry, "before_update")
def _fold_for_search(_mapper, _connection, inquiry: SponsorshipInquiry) -> None:
    inquiry.search_text = inquiry_search_text(
        inquiry.name, inquiry.organisation, inquiry.email, inquiry.message
    )


class NoteKind(enum.StrEnum):
    NOTE = "note"  # written by a person
    EVENT = "event"  # a status change or an assignment, recorded by the app


class InquiryNote(db.Model):
    """An internal note on an inquiry: who wrote it and when. Never shown to the sender."""

    __tablename__ = "inquiry_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(
        ForeignKey("sponsorship_inquiry.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(8), default=NoteKind.NOTE)
    body: Mapped[str] = mapped_column(Text)  # at most NOTE_MAX characters when a person writes it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    inquiry: Mapped[SponsorshipInquiry] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its first try, or for a retry after a failure
    SENT = "sent"
    FAILED = "failed"  # gave up after OUTBOX_MAX_ATTEMPTS; a person may queue it again


OUTBOX_STATUS_LABELS = {
    OutboxStatus.QUEUED: _l("En attente d’envoi"),
    OutboxStatus.SENT: _l("Envoyé"),
    OutboxStatus.FAILED: _l("Échec"),
}


class OutboxFailure(enum.StrEnum):
    """Why a message was given up at its first try: retrying would fail the same way."""

    UNSAFE = "unsafe"  # its headers would not be exactly those Gazette set
    INVALID_ADDRESS = "invalid-address"  # an address that cannot be written in a header
    NO_SMTPUTF8 = "no-smtputf8"  # a non-ASCII local part, and the server lacks SMTPUTF8
    UNEXPECTED = "unexpected"  # a fault in Gazette itself; the traceback is in the log


OUTBOX_FAILURE_LABELS = {
    OutboxFailure.UNSAFE: _l(
        "Non envoyé : le texte saisi aurait modifié les en-têtes du courriel "
        "(tentative d’injection probable)."
    ),
    OutboxFailure.INVALID_ADDRESS: _l(
        "Non envoyé : une adresse de ce courriel ne peut pas être utilisée telle quelle."
    ),
    OutboxFailure.NO_SMTPUTF8: _l(
        "Non envoyé : le serveur d’envoi n’accepte pas les adresses dont la partie avant "
        "l’arobase contient des accents (extension SMTPUTF8). Écrivez à cette personne "
        "depuis une messagerie qui les accepte."
    ),
    OutboxFailure.UNEXPECTED: _l(
        "Non envoyé : erreur inattendue, consignée dans le journal du serveur."
    ),
}


class OutboxMessage(db.Model):
    """An email to send, written in the same transaction as what it is about."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int | None] = mapped_column(
        ForeignKey("sponsorship_inquiry.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(24))  # "notification" or "acknowledgement"
    to_address: Mapped[str] = mapped_column(String(1000))  # comma-separated
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # An OutboxFailure when the message was given up at once; "" otherwise.
    failure: Mapped[str] = mapped_column(String(24), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A sender claims a message until this time, so two senders never send it twice.
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    inquiry: Mapped[SponsorshipInquiry | None] = relationship(back_populates="outbox_messages")

    @property
    def status_label(self) -> str:
        return str(OUTBOX_STATUS_LABELS[OutboxStatus(self.status)])

    @property
    def failure_label(self) -> str:
        """Why the message was given up, in the reader's language; "" if it was not."""
        try:
            return str(OUTBOX_FAILURE_LABELS[OutboxFailure(self.failure)])
        except ValueError:
            return ""


# ---------------------------------------------------------------------------------------
# Queries and data protection: one place for each rule.

INBOX_SORTS = {
    "recent": lambda: SponsorshipInquiry.created_at.desc(),
    "ancien": lambda: SponsorshipInquiry.created_at.asc(),
    "budget-haut": lambda: (_budget_rank().desc(), SponsorshipInquiry.created_at.desc()),
    "budget-bas": lambda: (_budget_rank().asc(), SponsorshipInquiry.created_at.desc()),
}
SEARCH_MAX_LENGTH = 100


def _budget_rank():
    # "À définir" has no amount: it sorts below every range.
    ranks = {value: rank for rank, (value, _label) in enumerate(BUDGET_RANGES[:-1], start=1)}
    return case(ranks, value=SponsorshipInquiry.budget, else_=0)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def inbox_query(status: str | None = None, search: str = "", sort: str = "recent"):
    """Inquiries matching the inbox filters; without a status, everything but spam.

    `search` is found in the name, organisation, address or message, typed with or
    without accents and in any case ("elodie oeuvrard" finds "Élodie Œuvrard").
    """
    query = select(SponsorshipInquiry)
    if status:
        query = query.where(SponsorshipInquiry.status == status)
    else:
        query = query.where(SponsorshipInquiry.status != InquiryStatus.SPAM)
    search = search_key(search[:SEARCH_MAX_LENGTH])
    if search:
        # Folded on both sides (search_key): no accent, no capital left to compare, so
        # LIKE means the same on both engines. A substring match reads every row of the
        # inbox: hundreds to a few thousand inquiries, well under a millisecond each.
        pattern = f"%{_escape_like(search)}%"
        query = query.where(SponsorshipInquiry.search_text.like(pattern, escape="\\"))
    order = INBOX_SORTS.get(sort, INBOX_SORTS["recent"])()
    order = order if isinstance(order, tuple) else (order,)
    return query.order_by(*order, SponsorshipInquiry.id.desc())


def status_counts() -> dict[str, int]:
    rows = db.session.execute(
        select(SponsorshipInquiry.status, func.count()).group_by(SponsorshipInquiry.status)
    )
    counts = dict.fromkeys(InquiryStatus, 0)
    counts.update({InquiryStatus(status): count for status, count in rows})
    return counts


def count_new() -> int:
    return db.session.scalar(
        select(func.count()).where(SponsorshipInquiry.status == InquiryStatus.NEW)
    )


def _delete_inquiries(ids: list[int]) -> int:
    """Delete inquiries with their notes and emails (explicitly: no reliance on cascades)."""
    if not ids:
        return 0
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        db.session.execute(delete(InquiryNote).where(InquiryNote.inquiry_id.in_(chunk)))
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.inquiry_id.in_(chunk)))
        db.session.execute(delete(SponsorshipInquiry).where(SponsorshipInquiry.id.in_(chunk)))
    return len(ids)


# Journal actions for an erasure: from the inbox's erase page (its endpoint) and the CLI.
ERASE_FROM_INBOX = "inbox.erase"
ERASE_FROM_CLI = "inquiries.erase"


def erase_email(
    email: str,
    *,
    action: str = ERASE_FROM_INBOX,
    by: User | None = None,
    ip: str = "",
    origin: dict[str, str] | None = None,
) -> dict[str, int]:
    """Erase everything held about one address (GDPR art. 17): its inquiries, their notes,
    the emails about them or to it; commit, with one journal entry in the same transaction.

    Returns {"inquiries": n, "notes": n, "emails": n}. The journal entry (models/audit.py)
    says who (`by`, None from the command line), when, from where (`ip`, `origin`: a small
    dict of non-personal facts, e.g. the system account) and those three counts, and
    nothing of what was erased: no address, no name, no inquiry number to link to.
    """
    email = normalise_email(email)
    ids = list(
        db.session.scalars(
            select(SponsorshipInquiry.id).where(func.lower(SponsorshipInquiry.email) == email)
        )
    )
    notes = (
        db.session.scalar(select(func.count()).where(InquiryNote.inquiry_id.in_(ids))) if ids else 0
    )
    emails = db.session.execute(
        delete(OutboxMessage).where(
            or_(OutboxMessage.inquiry_id.in_(ids), func.lower(OutboxMessage.to_address) == email)
        )
    ).rowcount
    inquiries = _delete_inquiries(ids)
    # French keys: the journal shows the detail as "key : value".
    detail = {"demandes": str(inquiries), "notes": str(notes), "courriels": str(emails)}
    audit.record(action, user_id=by.id if by else None, detail={**detail, **(origin or {})}, ip=ip)
    db.session.commit()
    return {"inquiries": inquiries, "notes": notes, "emails": emails}


def purge_expired(spam_days: int, closed_days: int, now: datetime | None = None) -> dict[str, int]:
    """Apply the retention policy: old spam, and inquiries closed (won or lost) long ago."""
    now = now or utcnow()
    spam_ids = list(
        db.session.scalars(
            select(SponsorshipInquiry.id).where(
                SponsorshipInquiry.status == InquiryStatus.SPAM,
                SponsorshipInquiry.status_changed_at < now - timedelta(days=spam_days),
            )
        )
    )
    closed_ids = list(
        db.session.scalars(
            select(SponsorshipInquiry.id).where(
                SponsorshipInquiry.status.in_(CLOSED_STATUSES),
                SponsorshipInquiry.status_changed_at < now - timedelta(days=closed_days),
            )
        )
    )
    result = {"spam": _delete_inquiries(spam_ids), "closed": _delete_inquiries(closed_ids)}
    db.session.commit()
    return result


def staff_who_can_be_assigned() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_(("admin", "editor")), User.active.is_(True))
            .order_by(User.display_name)
        )
    )
