"""Login throttling per account: after a few failures, each attempt waits longer; a browser
where the account's owner logged in before keeps a way in of its own.

The rule, in one place: after FREE_FAILURES failed attempts on an address, the next
attempt must wait 2^(n - FREE_FAILURES) seconds (n = failures so far), at most
MAX_DELAY; an attempt inside that wait is refused before the password is even checked.
A success forgets the failures; so does a day without any attempt.

The state is kept per typed address, whether or not an account has it, so the answers
(and the time they take) never tell whether an account exists. It lives in the database,
where every instance sees it. Addresses are stored as digests: this table does not keep
a list of what strangers typed.

Each attempt is counted *before* the password is checked, with a compare-and-set on the
failure count, so a burst of parallel guesses cannot all slip in before the first one is
recorded: only one of them wins the count, the others are told to wait.

Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): the
addresses of the staff are public (author pages), so anyone could keep an account
throttled by guessing. After a successful login the browser gets a signed device cookie
naming the account (views/auth.py signs and reads it; here it is a Device). An attempt
that carries a valid one for the account it tries is counted against that cookie alone,
under the same growing delay, not against the address: the owner gets in while guesses
from elsewhere stay slowed, and a device cookie that fails too often is itself slowed
down. The first time guesses lock an account for other browsers, and then at most once
a NOTIFY_EVERY while they go on, the caller's `alert` is given the account, to tell its
owner.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from models import audit, db
from models.time import utcnow
from models.user import User, normalise_email

FREE_FAILURES = 3
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)
# The owner is told when guessing first locks their account, then at most this often.
NOTIFY_EVERY = FORGET_AFTER


def delay_after(failures: int) -> timedelta:
    """How long the next attempt waits after `failures` failed ones."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    exponent = failures - FREE_FAILURES
    if exponent >= 20:  # 2^20 s is far beyond the cap already
        return MAX_DELAY
    return min(timedelta(seconds=2**exponent), MAX_DELAY)


def address_key(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def device_key(nonce: str) -> str:
    """The throttle's key for one device cookie (its random nonce, never stored in clear)."""
    return hashlib.sha256(f"device:{nonce}".encode()).hexdigest()


class LoginThrottle(db.Model):
    """Failed logins for one typed address (known account or not)."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # address_key(email)
    failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[datetime | None] = mapped_column()
    last_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # When the account's owner was last told of the failures (None: not yet).
    notified_at: Mapped[datetime | None] = mapped_column()


@dataclass(frozen=True)
class Device:
    """A browser where an account's owner logged in before: what its signed cookie says."""

    user_id: int
    nonce: str  # random, new at each login; the cookie's own throttle key


@dataclass(frozen=True)
class LoginAttempt:
    user: User | None  # the account, when address and password are right
    wait_seconds: int = 0  # > 0: refused unchecked, try again after this long
    trusted: bool = False  # counted against the browser's device cookie, not the address


def attempt_login(
    email: str,
    password: str,
    now: datetime | None = None,
    *,
    ip: str = "",
    device: Device | None = None,
    alert: Callable[[User], None] | None = None,
) -> LoginAttempt:
    """The whole login rule: throttle, check the password, remember the outcome.

    ip: the client's address, kept in the journal with the outcome.
    device: the browser's device cookie, already verified (signature, age) by the caller;
    it counts only when it names the account this address belongs to.
    alert: called with the account, before the commit, when its owner should be told of
    repeated failures (see the module's docstring); whatever it adds to the session is
    committed with the attempt.
    Commits.
    """
    now = now or utcnow()
    trusted = device is not None and device.user_id == _account_id(email)
    key = device_key(device.nonce) if trusted else address_key(email)
    wait = _claim(key, now)
    if wait:
        return LoginAttempt(None, wait, trusted)
    user = User.authenticate(email, password)
    if user is None:
        audit.record_login_failure(email, ip=ip)
        if not trusted:
            _alert_once(email, now, alert)
    else:
        # A trusted login leaves the address's count alone: it would otherwise hand
        # whoever is guessing a fresh set of free attempts.
        _forget(key)
        audit.record("auth.login", user_id=user.id, target=f"compte:{user.id}", ip=ip)
    db.session.commit()
    return LoginAttempt(user, trusted=trusted)


def _account_id(email: str) -> int | None:
    user = User.by_email(email)
    return user.id if user is not None else None


def _alert_once(email: str, now: datetime, alert: Callable[[User], None] | None) -> None:
    """Call `alert` with the account if this failure locks it and its owner was not told
    within NOTIFY_EVERY; a compare-and-set on notified_at makes it once across workers."""
    key = address_key(email)
    row = db.session.get(LoginThrottle, key, populate_existing=True)
    if row is None or row.failures < FREE_FAILURES:
        return
    if row.notified_at is not None and now - row.notified_at < NOTIFY_EVERY:
        return
    unchanged = (
        LoginThrottle.notified_at.is_(None)
        if row.notified_at is None
        else LoginThrottle.notified_at == row.notified_at
    )
    claimed = db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, unchanged)
        .values(notified_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    owner = User.by_email(email)
    if claimed == 1 and owner is not None and owner.active and alert is not None:
        alert(owner)


def claim_attempt(email: str, now: datetime | None = None) -> int:
    """Count an attempt for this address: 0 if it may go on, else seconds left to wait.

    The attempt is recorded as a failure until a successful login forgets it (_forget).
    Commits: the count must hold even if the password check is slow or the process dies.
    """
    return _claim(address_key(email), now or utcnow())


def _claim(key: str, now: datetime) -> int:
    """claim_attempt() for any throttle key: an address's or a device cookie's."""
    for _ in range(3):  # another attempt on the same key may change the row meanwhile
        row = db.session.get(LoginThrottle, key, populate_existing=True)
        if row is None:
            if _insert_first_failure(key, now):
                return 0
            continue
        failures = 0 if now - row.last_attempt_at > FORGET_AFTER else row.failures
        if row.blocked_until and row.blocked_until > now and failures:
            return _seconds_until(row.blocked_until, now)
        if _compare_and_count(row, failures, now):
            return 0
    # Still racing after three tries: a burst on this key; it can wait a second.
    db.session.rollback()
    return 1


def _insert_first_failure(key: str, now: datetime) -> bool:
    # A new row is the moment the table grows: clear the rows nobody has used for a day.
    db.session.execute(
        delete(LoginThrottle).where(LoginThrottle.last_attempt_at < now - FORGET_AFTER)
    )
    db.session.add(
        LoginThrottle(key=key, failures=1, blocked_until=now + delay_after(1), last_attempt_at=now)
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _compare_and_count(row: LoginThrottle, failures: int, now: datetime) -> bool:
    changed = db.session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == row.key, LoginThrottle.failures == row.failures)
        .values(
            failures=failures + 1,
            blocked_until=now + delay_after(failures + 1),
            last_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return changed == 1


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _forget(key: str) -> None:
    """A successful login: the next mistake on this key starts from zero (caller commits)."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def failures_for(email: str) -> int:
    """For tests and support: how many failures count against this address now."""
    return (
        db.session.scalar(
            select(LoginThrottle.failures).where(LoginThrottle.key == address_key(email))
        )
        or 0
    )
