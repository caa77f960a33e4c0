"""Login throttling per account: after a few failures, each attempt waits longer.

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
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from models import audit, db
from models.time import utcnow
from models.user import User

FREE_FAILURES = 3
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(days=1)


def delay_after(failures: int) -> timedelta:
    """How long the next attempt waits after `failures` failed ones."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    exponent = failures - FREE_FAILURES
    if exponent >= 20:  # 2^20 s is far beyond the cap already
        return MAX_DELAY
    return min(timedelta(seconds=2**exponent), MAX_DELAY)


def address_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class LoginThrottle(db.Model):
    """Failed logins for one typed address (known account or not)."""

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # address_key(email)
    failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[datetime | None] = mapped_column()
    last_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


@dataclass(frozen=True)
class LoginAttempt:
    user: User | None  # the account, when address and password are right
    wait_seconds: int = 0  # > 0: refused unchecked, try again after this long


def attempt_login(
    email: str, password: str, now: datetime | None = None, *, ip: str = ""
) -> LoginAttempt:
    """The whole login rule: throttle, check the password, remember the outcome.

    ip: the client's address, kept in the journal with the outcome.
    """
    wait = claim_attempt(email, now)
    if wait:
        return LoginAttempt(None, wait)
    user = User.authenticate(email, password)
    if user is None:
        audit.record_login_failure(email, ip=ip)
    else:
        forget_failures(email)
        audit.record("auth.login", user_id=user.id, target=f"compte:{user.id}", ip=ip)
    db.session.commit()
    return LoginAttempt(user)


def claim_attempt(email: str, now: datetime | None = None) -> int:
    """Count an attempt for this address: 0 if it may go on, else seconds left to wait.

    The attempt is recorded as a failure until forget_failures() says it succeeded.
    Commits: the count must hold even if the password check is slow or the process dies.
    """
    now = now or utcnow()
    key = address_key(email)
    for _ in range(3):  # another attempt on the same address may change the row meanwhile
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
    # Still racing after three tries: a burst on this address; it can wait a second.
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


def forget_failures(email: str) -> None:
    """A successful login: the next mistake starts from zero again (commit is the caller's)."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == address_key(email)))


def failures_for(email: str) -> int:
    """For tests and support: how many failures count against this address now."""
    return (
        db.session.scalar(
            select(LoginThrottle.failures).where(LoginThrottle.key == address_key(email))
        )
        or 0
    )
