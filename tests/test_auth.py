"""Logging in and out: sessions renewed at login, dead after logout, brute force slowed."""

from __future__ import annotations

import pytest

from tests.factories import make_user

PASSWORD = "correct horse battery"


def login(client, email, password=PASSWORD, **extra):
    return client.post("/connexion", data={"email": email, "password": password, **extra})


def test_login_page_is_french_and_accessible_markup(client, app):
    html = client.get("/connexion").get_data(as_text=True)
    assert '<h1 class="page-title">Connexion</h1>' in html
    assert 'autocomplete="current-password"' in html
    assert '<label class="field-label" for="email">Adresse électronique</label>' in html


def test_login_then_logout(client, app):
    user = make_user(email="ed@gazette.example", role="editor", password=PASSWORD)
    response = login(client, "ED@gazette.example")
    assert response.status_code == 302 and response.headers["Location"] == "/redaction"
    assert user.display_name in client.get("/").get_data(as_text=True)
    response = client.post("/deconnexion")
    assert response.status_code == 302
    assert "account-bar" not in client.get("/").get_data(as_text=True)


def test_wrong_password_gets_a_french_message(client, app):
    make_user(email="ed@gazette.example", password=PASSWORD)
    response = login(client, "ed@gazette.example", "mauvais mot de passe")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Adresse ou mot de passe incorrect." in html
    assert 'value="ed@gazette.example"' in html  # what was typed is kept


def test_inactive_account_cannot_log_in(client, app):
    make_user(email="old@gazette.example", password=PASSWORD, active=False)
    assert login(client, "old@gazette.example").status_code == 401


def test_empty_form_gets_field_errors(client, app):
    response = client.post("/connexion", data={"email": "", "password": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Indiquez votre adresse électronique." in html and "Indiquez votre mot de passe." in html


def test_session_is_renewed_at_login(client, app):
    make_user(email="ed@gazette.example", password=PASSWORD)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, "ed@gazette.example")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_a_copied_cookie_is_dead_after_logout(app):
    make_user(email="ed@gazette.example", role="editor", password=PASSWORD)
    browser, thief = app.test_client(), app.test_client()
    login(browser, "ed@gazette.example")
    stolen = browser.get_cookie("session").value
    thief.set_cookie("session", stolen)
    assert "account-bar" in thief.get("/").get_data(as_text=True)
    browser.post("/deconnexion")
    assert "account-bar" not in thief.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]
)
def test_next_never_leaves_the_site(client, app, target):
    make_user(email="ed@gazette.example", password=PASSWORD)
    response = login(client, "ed@gazette.example", next=target)
    assert response.headers["Location"] == "/redaction"


def test_next_inside_the_site_is_followed(client, app):
    make_user(email="ed@gazette.example", password=PASSWORD)
    response = login(client, "ed@gazette.example", next="/rubrique/france")
    assert response.headers["Location"] == "/rubrique/france"


def test_login_is_rate_limited_per_account(client, app):
    # The growing delay itself is tested in tests/test_login_throttle.py.
    make_user(email="target@gazette.example", password=PASSWORD)
    statuses = [login(client, "target@gazette.example", "nope").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    html = login(client, "target@gazette.example").get_data(as_text=True)
    assert "Trop de tentatives pour ce compte" in html
    # Another account from the same address is not locked by this one's limit.
    make_user(email="other@gazette.example", password=PASSWORD)
    assert login(client, "other@gazette.example").status_code == 302


def test_login_is_rate_limited_per_address(client, app):
    statuses = [login(client, f"u{n}@gazette.example", "nope").status_code for n in range(31)]
    assert statuses[-1] == 429 and statuses[-2] == 401


def test_csrf_is_enforced_on_login_and_logout(client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user(email="ed@gazette.example", password=PASSWORD)
    assert login(client, "ed@gazette.example").status_code == 400


def test_reader_pages_stay_cookie_free_after_staff_logout(client, app):
    make_user(email="ed@gazette.example", password=PASSWORD)
    login(client, "ed@gazette.example")
    client.post("/deconnexion")
    fresh = app.test_client()
    assert "Set-Cookie" not in fresh.get("/").headers
