"""Security headers on every response (pages, partials, files, error pages) and the
session cookie's attributes, in development and behind HTTPS."""

from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy.exc import OperationalError

from app import create_app
from tests.conftest import IsolatedClient, base_config
from tests.hardening_helpers import (
    ACCOUNT_EMAILS,
    PASSWORD,
    build_world,
    call,
    log_in_as,
    routes,
)
from tests.sponsorship_factories import form_data

# Directives the policy must hold, with their exact values.
REQUIRED_DIRECTIVES = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
HSTS = "Strict-Transport-Security"


def header_problems(response, https: bool = False) -> list[str]:
    """Everything wrong with a response's security headers; empty when all is well."""
    headers, problems = response.headers, []
    csp = headers.get("Content-Security-Policy", "")
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip()
    )
    for name, value in REQUIRED_DIRECTIVES.items():
        if directives.get(name) != value:
            problems.append(f"CSP {name} is {directives.get(name)!r}")
    for forbidden in ("unsafe-inline", "unsafe-eval", "unsafe-hashes", "*"):
        if forbidden in csp.replace("'", "").split():
            problems.append(f"CSP allows {forbidden}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    # no-referrer is stricter still: previews (views/preview.py) keep their secret address.
    if headers.get("Referrer-Policy") not in ("strict-origin-when-cross-origin", "no-referrer"):
        problems.append(f"Referrer-Policy {headers.get('Referrer-Policy')!r}")
    permissions = headers.get("Permissions-Policy", "")
    if not all(
        f"{feature}=()" in permissions for feature in ("camera", "microphone", "geolocation")
    ):
        problems.append(f"Permissions-Policy {permissions!r}")
    if https and not headers.get(HSTS, "").startswith("max-age=31536000"):
        problems.append(f"HSTS {headers.get(HSTS)!r}")
    if not https and HSTS in headers:
        problems.append("HSTS over plain HTTP")
    return problems


def test_the_checker_catches_a_weak_policy(app, client):
    response = client.get("/robots.txt")
    assert header_problems(response) == []
    response.headers["Content-Security-Policy"] = "default-src 'self' 'unsafe-inline'"
    del response.headers["X-Content-Type-Options"]
    assert len(header_problems(response)) == 7  # 4 missing directives, 2 for default-src, nosniff


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_every_route_carries_the_headers(app, client, https):
    """GET every route as each role (as a page and as an htmx partial); POST every route
    anonymously and as an editor."""
    world = build_world()
    base_url = "https://localhost" if https else "http://localhost"
    problems, seen = {}, 0
    for role in ("anon", "author_own", "editor", "admin"):
        log_in_as(client, world, role)
        for method, rule in routes(app):
            if method == "POST" and role not in ("anon", "editor"):
                continue
            for htmx in ("true", ""):
                response = call(
                    client, app, method, rule, world, role,
                    headers={"HX-Request": htmx}, base_url=base_url,
                )  # fmt: skip
                seen += 1
                if found := header_problems(response, https=https):
                    problems[(method, rule.rule, role, htmx, response.status_code)] = found
    assert seen > 200
    assert problems == {}


@pytest.fixture
def no_propagation(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a bug becomes the 500 page, as in production
    return app


def _replace_view(app, monkeypatch, endpoint, behaviour):
    def view(*args, **kwargs):
        return behaviour()

    monkeypatch.setitem(app.view_functions, endpoint, view)


def _raise(error):
    def behaviour():
        raise error

    return behaviour


@pytest.mark.parametrize(
    "status, behaviour",
    [
        (429, lambda: abort(429)),
        (500, _raise(RuntimeError("panne"))),
        (503, _raise(OperationalError("SELECT 1", {}, ConnectionError("base arrêtée")))),
    ],
)
def test_error_pages_raised_by_views_carry_the_headers(
    no_propagation, client, monkeypatch, status, behaviour
):
    _replace_view(no_propagation, monkeypatch, "reading.front_page", behaviour)
    for base_url in ("http://localhost", "https://localhost"):
        response = client.get("/", base_url=base_url)
        assert response.status_code == status
        assert "<html" in response.get_data(as_text=True)
        assert header_problems(response, https=base_url.startswith("https")) == []


def test_400_404_405_413_and_rate_limit_pages_carry_the_headers(app, client):
    assert client.get("/cette-page-n-existe-pas").status_code == 404
    responses = {
        404: client.get("/cette-page-n-existe-pas"),
        405: client.get("/deconnexion"),
        413: client.post(
            "/sponsoring", data={"message": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}
        ),
    }
    # A host that is not the site's, and a body declared as JSON: both a 400 page.
    responses[400] = client.get("/", headers={"Host": "evil.example"})
    responses["400 json"] = client.post("/sponsoring", data="{", content_type="application/json")
    app.config["SPONSORSHIP_LIMIT_PER_ADDRESS"] = "1 per hour"
    client.post("/sponsoring", data=form_data(email="a@exemple.fr"))
    responses[429] = client.post("/sponsoring", data=form_data(email="b@exemple.fr"))
    for status, response in responses.items():
        assert response.status_code == int(str(status).split()[0])
        assert header_problems(response) == [], status
        assert response.headers["Cache-Control"] == "private, no-store", status


# --------------------------------------------------------------------------- the session cookie


def log_in(client, base_url="http://localhost"):
    return client.post(
        "/connexion",
        data={"email": ACCOUNT_EMAILS["editor"], "password": PASSWORD},
        base_url=base_url,
    )


def session_cookie_header(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if "session=" in value]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def attributes(cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}


def test_session_cookie_in_development(app, client):
    build_world()
    response = log_in(client)
    assert response.status_code == 302
    cookie = session_cookie_header(response)
    assert cookie.startswith("session=")
    assert {"httponly", "path"} <= attributes(cookie) and "secure" not in attributes(cookie)
    assert "SameSite=Lax" in cookie


def test_session_cookie_behind_https_is_secure_and_host_prefixed(app, database_url, monkeypatch):
    build_world()
    monkeypatch.setenv("GAZETTE_HTTPS", "1")
    production = create_app(base_config(database_url))
    production.test_client_class = IsolatedClient
    client = production.test_client()
    response = log_in(client, base_url="https://localhost")
    assert response.status_code == 302
    cookie = session_cookie_header(response)
    assert cookie.startswith("__Host-session=")
    # __Host- means: Secure, Path=/ and no Domain, or browsers drop the cookie.
    assert {"secure", "httponly", "path"} <= attributes(cookie)
    assert "Path=/" in cookie and "domain" not in attributes(cookie)
    assert "SameSite=Lax" in cookie
    assert header_problems(response, https=True) == []


def test_readers_pages_set_no_cookie(app, client):
    world = build_world()
    for url in ("/", f"/article/{world.other['article_slug']}", "/recherche?q=sommet", "/flux.rss"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers.getlist("Set-Cookie") == [], url
