"""First run: a one-time link to create the first administrator.

A fresh site has no account that can log in (the demo's author has no password), and
WordPress's and Ghost's answer, an open install page, lets whoever finds the site first
take it over. Here, while no administrator can log in, starting the server prints a
link on the console (cli/users.py), and only that link opens the page that creates the
first administrator (views/setup.py): only someone who sees the server's console, or
may run `flask users setup-link`, can create it.

A link is a random token (256 bits); only its SHA-256 digest is stored, so a copy of
the database holds no usable link. A link works once, until `expires_at`, and only
while no administrator can log in: creating the first one uses the link, retires every
other link, and creates the account in one transaction (create_first_admin).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.time import utcnow
from models.user import Role, User

# The token's length in bytes of randomness (43 URL-safe characters).
TOKEN_BYTES = 32
# Tokens are URL-safe base64: anything longer or with other characters is no token.
TOKEN_MAX = 64
DIGEST_LENGTH = 64  # hex SHA-256


class LinkState(enum.StrEnum):
    """What a link is worth now."""

    VALID = "valid"
    UNKNOWN = "unknown"  # never issued here (forged, mistyped, or from another site)
    EXPIRED = "expired"
    USED = "used"  # used, or retired when another link created the first administrator
    SETTLED = "settled"  # an administrator who can log in exists: no link works any more


class SetupLinkRefused(Exception):
    """The link cannot create the first administrator; `state` says why."""

    def __init__(self, state: LinkState):
        super().__init__(state.value)
        self.state = state


class SetupLink(db.Model):
    """One link printed on the console, by its token's digest."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


def digest(token: str) -> str:
    """The stored form of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def site_has_admin() -> bool:
    """Whether an administrator can log in: role admin, active, with a password.

    The demo's author (no password) and a deactivated admin do not count: with only
    them, nobody could ever log in to create accounts.
    """
    return (
        db.session.scalar(
            select(User.id)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.password_hash != "")
            .limit(1)
        )
        is not None
    )


def issue(lifetime: timedelta, now: datetime | None = None) -> str:
    """A new link's token, valid for `lifetime` from `now` (default: now, UTC).

    Adds the link to the session (the caller commits) and returns the token, which is
    stored nowhere: the caller prints it. Raises SetupLinkRefused(SETTLED) when an
    administrator can already log in.
    """
    if site_has_admin():
        raise SetupLinkRefused(LinkState.SETTLED)
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(SetupLink(token_digest=digest(token), created_at=now, expires_at=now + lifetime))
    return token


def state_of(token: str, now: datetime | None = None) -> LinkState:
    """What `token` is worth at `now` (default: now, UTC); reads only."""
    if site_has_admin():
        return LinkState.SETTLED
    if not _looks_like_a_token(token):
        return LinkState.UNKNOWN
    link = db.session.scalar(select(SetupLink).filter_by(token_digest=digest(token)))
    if link is None:
        return LinkState.UNKNOWN
    if link.used_at is not None:
        return LinkState.USED
    if link.expires_at <= (now or utcnow()):
        return LinkState.EXPIRED
    return LinkState.VALID


def create_first_admin(
    token: str, email: str, display_name: str, password: str, now: datetime | None = None
) -> User:
    """Use the link `token` to create the first administrator; returns the new account.

    In the caller's transaction, in this order: the link is marked used by a
    compare-and-set (an UPDATE that matches only an unused, unexpired link), so of two
    requests with the same link only one goes on (PostgreSQL makes the second wait for
    the first's commit, then finds the link used; SQLite lets one writer at a time);
    then no administrator may exist yet; then every other unused link is retired (two
    different links used at once cannot both win either: each waits on the other's
    rows); then the account is created by User.create (the address and password
    policies). The caller commits, or rolls back on any exception.

    Raises SetupLinkRefused (UNKNOWN, EXPIRED, USED, SETTLED) and ValueError (French
    message: invalid or taken address, name too long, password refused by the policy).
    """
    now = now or utcnow()
    state = state_of(token, now)
    if state != LinkState.VALID:
        raise SetupLinkRefused(state)
    claimed = db.session.execute(
        update(SetupLink)
        .where(
            SetupLink.token_digest == digest(token),
            SetupLink.used_at.is_(None),
            SetupLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise SetupLinkRefused(LinkState.USED)  # another request used it first
    if site_has_admin():
        raise SetupLinkRefused(LinkState.SETTLED)
    db.session.execute(
        update(SetupLink)
        .where(SetupLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return User.create(email, Role.ADMIN, display_name=display_name, password=password)


def _looks_like_a_token(token: str) -> bool:
    return (
        0 < len(token) <= TOKEN_MAX
        and token.isascii()
        and all(c.isalnum() or c in "-_" for c in token)
    )
