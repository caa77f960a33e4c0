"""Login throttling per account: a growing wait after a few failures, reset by a success.

The clock is models.login_throttle.utcnow, moved by the tests: nothing sleeps.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

import models.login_throttle as throttle
from models.time import utcnow
from tests.factories import make_user

PASSWORD = "correct horse battery"
EMAIL = "target@gazette.example"


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(throttle, "utcnow", clock)
    return clock


def login(client, email=EMAIL, password=PASSWORD):
    return client.post("/connexion", data={"email": email, "password": password})


def wait_message(seconds: int) -> str:
    unit = "seconde" if seconds == 1 else "secondes"
    return f"Trop de tentatives pour ce compte : réessayez dans {seconds} {unit}."


def test_delays_grow_exponentially_and_stop_at_fifteen_minutes():
    assert [throttle.delay_after(n).total_seconds() for n in range(8)] == [
        0,
        0,
        0,
        1,
        2,
        4,
        8,
        16,
    ]
    assert throttle.delay_after(13) == timedelta(minutes=15)
    assert throttle.delay_after(10_000) == timedelta(minutes=15)


def test_three_failures_are_free_then_each_attempt_waits_longer(client, app, clock):
    make_user(email=EMAIL, password=PASSWORD)
    assert [login(client, password="faux").status_code for _ in range(3)] == [401, 401, 401]

    refused = login(client)  # the right password, but too soon: not even checked
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert wait_message(1) in html
    assert f'value="{EMAIL}"' in html  # what was typed is kept

    clock.advance(1)
    assert login(client, password="faux").status_code == 401  # 4th failure: wait 2 s
    clock.advance(1)
    assert wait_message(1) in login(client).get_data(as_text=True)
    clock.advance(1)
    assert login(client, password="faux").status_code == 401  # 5th failure: wait 4 s
    assert wait_message(4) in login(client).get_data(as_text=True)
    assert throttle.failures_for(EMAIL) == 5  # refused attempts do not add to the count


def test_the_wait_is_capped_at_fifteen_minutes(client, app, clock):
    make_user(email=EMAIL, password=PASSWORD)
    for _ in range(20):
        login(client, password="faux")
        clock.advance(20 * 60)
    response = login(client, password="faux")
    assert response.status_code == 401
    assert wait_message(900) in login(client).get_data(as_text=True)


def test_a_success_resets_the_count(client, app, clock):
    make_user(email=EMAIL, password=PASSWORD)
    for _ in range(4):
        login(client, password="faux")
        clock.advance(2)
    assert login(client).status_code == 302
    client.post("/deconnexion")
    assert throttle.failures_for(EMAIL) == 0
    # Three fresh mistakes are free again.
    assert [login(client, password="faux").status_code for _ in range(3)] == [401, 401, 401]


def test_failures_are_forgotten_after_a_quiet_day(client, app, clock):
    make_user(email=EMAIL, password=PASSWORD)
    for _ in range(6):
        login(client, password="faux")
        clock.advance(60)
    clock.advance(24 * 3600 + 1)
    assert login(client, password="faux").status_code == 401
    assert throttle.failures_for(EMAIL) == 1


def test_the_address_is_compared_without_case_or_spaces(client, app, clock):
    make_user(email=EMAIL, password=PASSWORD)
    for typed in (EMAIL, EMAIL.upper(), f"  {EMAIL}  "):
        login(client, typed, "faux")
    assert login(client, "Target@Gazette.Example").status_code == 429


def test_one_account_s_wait_does_not_lock_another(client, app, clock):
    make_user(email=EMAIL, password=PASSWORD)
    make_user(email="other@gazette.example", password=PASSWORD)
    for _ in range(3):
        login(client, password="faux")
    assert login(client).status_code == 429
    assert login(client, "other@gazette.example").status_code == 302


def test_unknown_addresses_get_the_same_answers(client, app, clock):
    """Nothing tells an account that exists from one that does not."""
    make_user(email=EMAIL, password=PASSWORD)

    def answers(email):
        responses = [login(client, email, "faux") for _ in range(4)]
        clock.advance(1)
        responses.append(login(client, email, "faux"))
        return [(r.status_code, visible_text(r)) for r in responses]

    def visible_text(response):
        return response.get_data(as_text=True).replace(EMAIL, "@").replace("nobody@x.fr", "@")

    assert answers(EMAIL) == answers("nobody@x.fr")


def test_unknown_addresses_are_not_stored_in_clear(client, app, clock):
    login(client, "secret-person@example.org", "faux")
    from models import LoginThrottle, db

    keys = db.session.scalars(db.select(LoginThrottle.key)).all()
    assert len(keys) == 1 and "secret" not in keys[0] and len(keys[0]) == 64


def test_an_unknown_address_still_costs_a_password_check(client, app, clock, monkeypatch):
    import models.user

    checked = []
    real = models.user.check_password_hash
    monkeypatch.setattr(
        models.user, "check_password_hash", lambda *args: checked.append(1) or real(*args)
    )
    login(client, "nobody@x.fr", "faux")
    assert checked == [1]


def test_parallel_guesses_cannot_all_slip_in(app, clock):
    """Attempts are counted before the password is checked, by compare-and-set."""
    for _ in range(3):
        assert throttle.claim_attempt(EMAIL) == 0
    # A fourth attempt at the same instant is refused, whatever its password.
    assert throttle.claim_attempt(EMAIL) == 1
    clock.advance(1)
    assert throttle.claim_attempt(EMAIL) == 0
    assert throttle.claim_attempt(EMAIL) == 2


def test_the_per_address_limit_still_applies(client, app, clock):
    statuses = [login(client, f"u{n}@gazette.example", "faux").status_code for n in range(31)]
    assert statuses[-1] == 429 and statuses[-2] == 401
