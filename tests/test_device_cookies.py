"""Device cookies (OWASP): guessing at a staff address no longer locks its owner out.

Issue 12 item 6: three wrong guesses on a public staff address made the right password
get a 429 for up to 15 minutes, renewable forever. Now the owner logs in from a browser
where they logged in before; guesses from anywhere else stay slowed; a forged, expired or
other account's cookie opens nothing; a device cookie that fails too often is slowed
itself; the owner gets one French e-mail per lockout, not one per guess.

The clock is models.login_throttle.utcnow, moved by the tests: nothing sleeps.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

import models.login_throttle as throttle
from models import db
from models.sponsorship import OutboxMessage
from tests.factories import make_user
from tests.test_login_throttle import Clock

PASSWORD = "correct horse battery"
EMAIL = "owner@gazette.example"
COOKIE = "gazette-device"


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(throttle, "utcnow", clock)
    return clock


def login(client, email=EMAIL, password=PASSWORD, **kwargs):
    return client.post("/connexion", data={"email": email, "password": password}, **kwargs)


def known_browser(app, email=EMAIL):
    """A browser where the account's owner logged in (and out) before."""
    browser = app.test_client()
    assert login(browser, email).status_code == 302
    assert browser.get_cookie(COOKIE) is not None
    browser.post("/deconnexion")
    return browser


def lock_from_elsewhere(app, email=EMAIL):
    attacker = app.test_client()
    assert [login(attacker, email, "faux").status_code for _ in range(3)] == [401, 401, 401]
    assert login(attacker, email).status_code == 429  # even the right password now waits
    return attacker


def alerts() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.purpose == "login_alert")
    ).all()


def test_the_owner_logs_in_from_a_known_browser_while_guesses_elsewhere_wait(app, clock):
    owner = make_user(email=EMAIL, password=PASSWORD, display_name="Olga Owner")
    browser = known_browser(app)
    attacker = lock_from_elsewhere(app)

    response = login(browser)
    assert response.status_code == 302
    assert "account-bar" in browser.get("/").get_data(as_text=True)
    browser.post("/deconnexion")

    # The owner's success does not hand whoever guesses a fresh set of free attempts.
    assert login(attacker).status_code == 429
    assert login(attacker, password="faux").status_code == 429
    assert throttle.failures_for(EMAIL) == 3

    [alert] = alerts()
    assert alert.to_address == owner.email and alert.inquiry_id is None
    assert "tentatives de connexion" in alert.subject
    assert "Bonjour Olga Owner," in alert.body and "au moins trois fois" in alert.body
    assert "faux" not in alert.body and PASSWORD not in alert.body  # nothing typed
    assert "http" not in alert.body  # no link to follow from a mail about an attack


def test_a_device_cookie_that_fails_too_often_is_slowed_itself(app, clock):
    make_user(email=EMAIL, password=PASSWORD)
    browser = known_browser(app)
    assert [login(browser, password="faux").status_code for _ in range(3)] == [401, 401, 401]
    assert login(browser).status_code == 429  # the cookie's own count, same growing delay
    assert throttle.failures_for(EMAIL) == 0  # the address was never counted
    clock.advance(1)
    assert login(browser).status_code == 302
    # Guesses with a device cookie tell no one: the owner is the one typing.
    assert alerts() == []


def test_the_cookie_is_bound_to_its_account(app, clock):
    make_user(email=EMAIL, password=PASSWORD)
    make_user(email="colleague@gazette.example", password=PASSWORD)
    colleagues_browser = known_browser(app, "colleague@gazette.example")
    lock_from_elsewhere(app)
    assert login(colleagues_browser).status_code == 429  # their cookie names another account


@pytest.mark.parametrize(
    "value",
    [
        "forged",
        "WzEsICJub25jZSJd.ZmFrZQ.c2lnbmF0dXJl",  # the shape of a real one, signed by nobody
        "",
    ],
)
def test_a_forged_cookie_opens_nothing(app, clock, value):
    make_user(email=EMAIL, password=PASSWORD)
    attacker = lock_from_elsewhere(app)
    attacker.set_cookie(COOKIE, value)
    assert login(attacker).status_code == 429


def test_a_cookie_signed_with_another_key_or_tampered_opens_nothing(app, clock):
    from itsdangerous import URLSafeTimedSerializer

    owner = make_user(email=EMAIL, password=PASSWORD)
    genuine = known_browser(app).get_cookie(COOKIE).value
    attacker = lock_from_elsewhere(app)
    other_key = URLSafeTimedSerializer("another-secret-key-" + "y" * 32, salt="login-device")
    for value in (
        other_key.dumps([owner.id, "nonce"]),
        genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),
        genuine.replace(genuine.split(".")[0], "WzEsICJ4Il0"),
    ):
        attacker.set_cookie(COOKIE, value)
        assert login(attacker).status_code == 429, value


def test_an_expired_cookie_opens_nothing(app, clock, monkeypatch):
    import itsdangerous.timed

    from views.auth import DEVICE_COOKIE_MAX_AGE, _device_cookies

    owner = make_user(email=EMAIL, password=PASSWORD)
    attacker = lock_from_elsewhere(app)
    now = itsdangerous.timed.time.time()
    with app.test_request_context(), monkeypatch.context() as patched:
        patched.setattr(
            itsdangerous.timed.time,
            "time",
            lambda: now - DEVICE_COOKIE_MAX_AGE.total_seconds() - 60,
        )
        old = _device_cookies().dumps([owner.id, "an-old-nonce"])
    attacker.set_cookie(COOKIE, old)
    assert login(attacker).status_code == 429
    # The same cookie within its age would have let the owner in: the test can fail.
    with app.test_request_context():
        fresh = _device_cookies().dumps([owner.id, "a-fresh-nonce"])
    attacker.set_cookie(COOKIE, fresh)
    assert login(attacker).status_code == 302


def test_the_owner_is_told_once_per_lockout_not_per_guess(app, clock):
    make_user(email=EMAIL, password=PASSWORD)
    attacker = app.test_client()
    for _ in range(8):  # each guess waits out its delay: every one is checked, and fails
        assert login(attacker, password="faux").status_code == 401
        clock.advance(15 * 60)
    assert len(alerts()) == 1
    # Still guessing (the count holds: never a quiet day) half a day later: not told again.
    clock.advance(12 * 3600)
    assert login(attacker, password="faux").status_code == 401
    assert len(alerts()) == 1
    # A day after the owner was told, guesses still going on: told again, once.
    clock.advance(12 * 3600)
    assert login(attacker, password="faux").status_code == 401
    assert login(attacker).status_code == 429
    assert len(alerts()) == 2


def test_a_new_lockout_after_a_quiet_day_is_told_again(app, clock):
    make_user(email=EMAIL, password=PASSWORD)
    lock_from_elsewhere(app)
    clock.advance(24 * 3600 + 1)
    lock_from_elsewhere(app)
    assert len(alerts()) == 2


def test_no_mail_for_an_unknown_address_or_before_the_lock(app, clock):
    make_user(email=EMAIL, password=PASSWORD)
    client = app.test_client()
    login(client, "nobody@gazette.example", "faux")
    login(client, "nobody@gazette.example", "faux")
    login(client, password="faux")
    login(client, password="faux")
    assert alerts() == []
    assert login(client, "nobody@gazette.example", "faux").status_code == 401  # locks it
    assert login(client, "nobody@gazette.example", "faux").status_code == 429
    assert alerts() == []


def test_the_alert_is_french_and_queued_through_the_outbox(app, clock):
    make_user(email=EMAIL, password=PASSWORD, locale=None)
    lock_from_elsewhere(app)
    [alert] = alerts()
    assert alert.status == "queued" and alert.reply_to == ""
    assert "navigateur où vous vous êtes déjà connecté" in alert.body


def test_the_cookie_is_httponly_lax_and_set_by_the_login_response_only(app, clock):
    make_user(email=EMAIL, password=PASSWORD)
    browser = app.test_client()
    header = login(browser).headers.getlist("Set-Cookie")
    [device] = [h for h in header if h.startswith(COOKIE + "=")]
    assert "HttpOnly" in device and "SameSite=Lax" in device and "Path=/" in device
    assert "Secure" not in device  # plain HTTP in tests: a Secure cookie would be dropped
    assert "Max-Age=15552000" in device  # 180 days
    for path in ("/", "/connexion", "/redaction"):
        assert not [h for h in browser.get(path).headers.getlist("Set-Cookie") if COOKIE in h], path
    # A failed login sets none.
    assert not [
        h
        for h in login(app.test_client(), password="faux").headers.getlist("Set-Cookie")
        if COOKIE in h
    ]


def test_over_https_the_cookie_is_host_prefixed_and_secure(app, clock):
    app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_NAME="__Host-session")
    make_user(email=EMAIL, password=PASSWORD)
    https = {"base_url": "https://localhost"}
    browser = app.test_client()
    headers = login(browser, **https).headers.getlist("Set-Cookie")
    [device] = [h for h in headers if h.startswith("__Host-gazette-device=")]
    assert "Secure" in device and "Path=/" in device and "Domain" not in device
    browser.post("/deconnexion", **https)
    attacker = app.test_client()
    for _ in range(3):
        login(attacker, password="faux", **https)
    assert login(attacker, **https).status_code == 429
    assert login(browser, **https).status_code == 302


def test_reader_pages_are_served_from_the_page_cache_with_a_device_cookie(app, clock):
    """The device cookie is not a session: it does not make a reader a logged-in user."""
    make_user(email=EMAIL, password=PASSWORD)
    browser = known_browser(app)
    response = browser.get("/")
    assert response.status_code == 200 and "account-bar" not in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_a_device_for_another_account_counts_against_the_address(app, clock):
    """The model's rule alone: a Device counts only for the account it names."""
    owner = make_user(email=EMAIL, password=PASSWORD)
    other = make_user(email="other@gazette.example", password=PASSWORD)
    mine = throttle.Device(owner.id, "n1")
    theirs = throttle.Device(other.id, "n2")
    assert throttle.attempt_login(EMAIL, "faux", device=theirs).trusted is False
    assert throttle.failures_for(EMAIL) == 1
    attempt = throttle.attempt_login(EMAIL, "faux", device=mine)
    assert attempt.trusted is True and throttle.failures_for(EMAIL) == 1
