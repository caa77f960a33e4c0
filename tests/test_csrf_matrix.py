"""CSRF on every state change, and no state change on any GET.

For every POST rule in app.url_map, as the least privileged role the authorisation table
lets in: without a token, or with a forged one, the answer is 400 and the database is
exactly as before; with a real token (from the editor's /redaction/jeton, or from the login
page for visitors), sent as the form field or as the X-CSRFToken header htmx uses, the
request goes through.
"""

from __future__ import annotations

import re

import pytest

from tests.hardening_helpers import (
    FRAGMENT_ENDPOINTS,
    ROLES,
    build_world,
    call,
    changed_tables,
    database_fingerprint,
    log_in_as,
    outcome,
    post_data,
    reset_world,
    route_key,
    routes,
)
from tests.hardening_helpers import (
    url_values as _url_values,
)
from tests.test_authz_matrix import EXPECTED

# Writes no role of the world may make (the first-run form: the world has its
# administrator); their CSRF check is tested on a fresh site, in tests/test_first_run.py.
ONLY_ON_A_FRESH_SITE = {"POST auth.first_admin"}
POST_KEYS = sorted(
    key for key in EXPECTED if key.startswith("POST ") and key not in ONLY_ON_A_FRESH_SITE
)


def first_allowed_role(key: str) -> str:
    return next(role for role, want in zip(ROLES, EXPECTED[key], strict=True) if want == "ok")


def real_token(client, role: str) -> str:
    """A token as the browser gets it: the editor's endpoint, or a form on a public page."""
    if role == "anon":
        html = client.get("/connexion").get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]
    return client.get("/redaction/jeton").get_json()["csrf_token"]


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_every_post_route_is_covered(app):
    in_map = {route_key(method, rule) for method, rule in routes(app) if method == "POST"}
    assert in_map == set(POST_KEYS) | ONLY_ON_A_FRESH_SITE


def test_posts_refuse_missing_or_forged_tokens_and_accept_real_ones(csrf_on, client):
    app = csrf_on
    problems = {}
    for key in POST_KEYS:
        role = first_allowed_role(key)
        for rule in (r for m, r in routes(app) if route_key(m, r) == key):
            world = reset_world()
            log_in_as(client, world, role)
            before = database_fingerprint()
            for label, headers in (("none", {}), ("forged", {"X-CSRFToken": "forged.token"})):
                response = call(client, app, "POST", rule, world, role, headers=headers)
                if response.status_code != 400:
                    problems[(key, role, label)] = response.status_code
                changed = changed_tables(before, database_fingerprint())
                if changed:
                    problems[(key, role, label, "changed")] = changed
            token = real_token(client, role)
            if rule.endpoint in FRAGMENT_ENDPOINTS:
                response = call(
                    client, app, "POST", rule, world, role, headers={"X-CSRFToken": token}
                )
            else:
                data = {**_valid_data(app, rule, world, role), "csrf_token": token}
                response = call(client, app, "POST", rule, world, role, data=data)
            if response.status_code == 400 or outcome(response) != "ok":
                problems[(key, role, "real token")] = response.status_code
    assert problems == {}


def _valid_data(app, rule, world, role):
    return post_data(rule.endpoint, world, world.arguments(role))


@pytest.mark.parametrize("role", ROLES[:1] + ROLES[2:])
def test_no_get_changes_anything(app, client, role):
    """Every GET route as this role, with and without HX-Request: the database is unchanged.

    author_own and author_other are one account: its run visits both articles' URLs.
    """
    world = build_world()
    log_in_as(client, world, role)
    before = database_fingerprint()
    visited = 0
    for as_role in (role, "author_own") if role == "author_other" else (role,):
        for method, rule in routes(app):
            if method != "GET":
                continue
            for htmx in ("true", ""):
                call(client, app, "GET", rule, world, as_role, headers={"HX-Request": htmx})
                visited += 1
    assert visited > 50
    assert changed_tables(before, database_fingerprint()) == []


def test_a_stale_token_on_a_missing_object_is_a_404_not_a_500(csrf_on, client):
    """The CSRF handlers that give the form back must not abort() from inside themselves."""
    world = build_world()
    log_in_as(client, world, "editor")
    statuses = {}
    for method, rule in routes(csrf_on):
        if method == "POST" and rule.endpoint in FRAGMENT_ENDPOINTS and rule.arguments:
            missing = {**world.other, "article_id": 999999, "block_id": 999999}
            url = rule.build({**_url_values(csrf_on, rule, missing)}, append_unknown=False)[1]
            statuses[rule.endpoint] = client.post(url, headers={"HX-Request": "true"}).status_code
    # 400 (the token) or 404 (the object), whichever the route checks first; never a 500.
    assert statuses and set(statuses.values()) <= {400, 404}, statuses
    assert statuses["editor.save_block"] == 404  # gives its form back: needs the block
    log_in_as(client, world, "author_own")
    own_draft = f"/redaction/articles/{world.own['article_id']}/corrections"
    if "corrections.create" in statuses:
        assert client.post(own_draft, headers={"HX-Request": "true"}).status_code == 400
