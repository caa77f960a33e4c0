"""Junk everywhere: malformed values to every route and form never make a 500.

Route variables get negative, huge and unknown values; query strings and form bodies get
wrong types, 1 MB strings, NUL bytes and invalid UTF-8 (percent-encoded and raw); every
request is sent anonymously and as an editor, as a page and as an htmx request. Bodies
over MAX_CONTENT_LENGTH get 413 on every POST route.
"""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest

from tests.hardening_helpers import (
    build_world,
    headers_for,
    log_in_as,
    post_data,
    routes,
    url_values,
)

MEGABYTE = "é" * (512 * 1024)  # 1 MB once encoded
# Per converter: values a route variable should answer with a 4xx, not a 500.
JUNK_BY_CONVERTER = {
    "int": ["-1", "0", "2147483648", "9223372036854775808", "99999999999999999999"],
    "default": ["inconnu", "%00", "a%00b", "%FF%FE", "%C3%28", "x" * 1000, "..%2F..%2Fetc"],
    "path": ["inconnu/sous-rubrique", "%00/%FF", "../../etc/passwd"],
}
JUNK_QUERY = (
    "page=-1&page=99999999999999999999&avant=%FF%00&apres=zz_1&avant=2024-13-45T99:99:99_x"
    "&q=%00%FF%FE<script>&statut=%00&tri[]=1&apres=99999999999999999999&amp;=&%FF=%FF"
)
# Form values that are not what any field expects.
JUNK_VALUES = [
    "",
    "\x00",
    "a\x00b",
    "-1",
    "99999999999999999999",
    "<script>alert(1)</script>",
    "[]",
]
RAW_BODIES = [
    b"\xff\xfe\xfd=\xff\x00",
    b"email=\xff\xfe%00&password=\xc3\x28&body=%FF&html=\x00&csrf_token=\xff",
    b"%%%&&&===",
]
PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def junk_urls(app, rule, arguments: dict) -> list[str]:
    """The rule's URL with, in turn, each variable replaced by junk (the others real)."""
    real = {
        name: quote(str(value), safe="/")
        for name, value in url_values(app, rule, arguments).items()
    }
    urls = []
    for match in PLACEHOLDER.finditer(rule.rule):
        converter = match["converter"] if match["converter"] in JUNK_BY_CONVERTER else "default"
        for junk in JUNK_BY_CONVERTER[converter]:
            values = {**real, match["name"]: junk}
            urls.append(PLACEHOLDER.sub(lambda m, v=values: v[m["name"]], rule.rule))
    real_url = PLACEHOLDER.sub(lambda m: real[m["name"]], rule.rule)
    return urls + [f"{real_url}?{JUNK_QUERY}"]


def real_url(app, rule, arguments: dict) -> str:
    values = url_values(app, rule, arguments)
    return PLACEHOLDER.sub(lambda m: quote(str(values[m["name"]]), safe="/"), rule.rule)


def junk_forms(endpoint: str, world, arguments: dict) -> list[dict]:
    """Valid data with each field in turn set to each junk value; then every field junk."""
    valid = post_data(endpoint, world, arguments) or {"champ": "valeur"}
    forms = [{**valid, field: junk} for field in valid for junk in JUNK_VALUES]
    forms.append({field: ["un", "deux"] for field in valid})  # a list where one value is due
    forms.append({field: MEGABYTE for field in valid})
    return forms


def failures(client, method, url, headers, **kwargs) -> dict:
    response = client.open(url, method=method, headers=headers, buffered=True, **kwargs)
    return {} if response.status_code < 500 else {(method, url[:120]): response.status_code}


@pytest.mark.parametrize("role", ["anon", "editor"])
def test_junk_in_urls_never_makes_a_500(app, client, role):
    world = build_world()
    log_in_as(client, world, role)
    problems = {}
    for method, rule in routes(app):
        for url in junk_urls(app, rule, world.arguments(role)):
            for headers in ({}, {"HX-Request": "true"}):
                problems |= failures(client, method, url, headers)
    assert sorted(problems) == []


@pytest.mark.parametrize("role", ["anon", "editor"])
def test_junk_in_forms_never_makes_a_500(app, client, role):
    world = build_world()
    log_in_as(client, world, role)
    problems = {}
    for method, rule in routes(app):
        if method != "POST":
            continue
        arguments = world.arguments(role)
        url = real_url(app, rule, arguments)
        for data in junk_forms(rule.endpoint, world, arguments):
            problems |= failures(client, "POST", url, headers_for(rule), data=data)
        for body in RAW_BODIES:
            problems |= failures(
                client, "POST", url, headers_for(rule),
                data=body, content_type="application/x-www-form-urlencoded",
            )  # fmt: skip
        # A multipart body with a file where text is expected.
        problems |= failures(
            client, "POST", url, headers_for(rule),
            data={"html": (io.BytesIO(b"\x89PNG\x00"), "x.png"), "body": "x"},
            content_type="multipart/form-data",
        )  # fmt: skip
        log_in_as(client, world, role)  # a junk login or logout may have changed the session
    assert sorted(problems) == []


@pytest.mark.parametrize("role", ["anon", "editor"])
def test_oversized_bodies_get_413_on_every_post_route(app, client, role):
    """As in production, the CSRF check reads every POST body first, so the size is checked
    before any view runs. A small limit stands in for MAX_CONTENT_LENGTH (16 MB: the 413
    page itself is tested at full size in test_security_headers.py)."""
    world = build_world()
    app.config.update(WTF_CSRF_ENABLED=True, MAX_CONTENT_LENGTH=4096)
    log_in_as(client, world, role)
    statuses = {}
    for method, rule in routes(app):
        if method == "POST":
            url = real_url(app, rule, world.arguments(role))
            response = client.post(url, headers=headers_for(rule), data={"message": "x" * 5000})
            statuses[rule.endpoint] = response.status_code
    assert len(statuses) > 20
    assert {endpoint for endpoint, status in statuses.items() if status != 413} == set()


# Bodies declared as JSON: malformed, of every JSON type, and a well-formed object whose
# fields are the form's own. No route takes JSON; Flask-WTF used to read it as form data.
JSON_BODIES = [b"{", b"", b"1", b"null", b'"x"', b"[1, 2]", b'{"a": {"b": []}}']
JSON_TYPES = ["application/json", "application/json; charset=utf-8", "application/ld+json"]


@pytest.mark.parametrize("role", ["anon", "editor"])
@pytest.mark.parametrize("csrf", [False, True], ids=["no-csrf-check", "csrf-check"])
def test_json_bodies_get_a_french_400_on_every_post_route(app, client, caplog, role, csrf):
    """Issue 12, item 11: `{` to /sponsoring gave a 500 and a traceback in the log."""
    import json
    import logging

    from tests.hardening_helpers import changed_tables, database_fingerprint

    world = build_world()
    app.config.update(WTF_CSRF_ENABLED=csrf, PROPAGATE_EXCEPTIONS=False)
    before = database_fingerprint()
    wrong = {}
    posts = 0
    with caplog.at_level(logging.WARNING):
        for method, rule in routes(app):
            if method != "POST":
                continue
            log_in_as(client, world, role)
            arguments = world.arguments(role)
            url = real_url(app, rule, arguments)
            as_form = json.dumps(post_data(rule.endpoint, world, arguments)).encode()
            sent = [(body, JSON_TYPES[0]) for body in [*JSON_BODIES, as_form]]
            sent += [(b"{", content_type) for content_type in JSON_TYPES[1:]]
            for body, content_type in sent:
                for headers in ({}, {"HX-Request": "true"}):
                    response = client.post(
                        url, data=body, content_type=content_type, headers=headers
                    )
                    posts += 1
                    page = response.get_data(as_text=True)
                    if response.status_code != 400 or "n’a pas pu aboutir" not in page:
                        wrong[(rule.endpoint, body[:20], content_type)] = response.status_code
    assert posts > 500
    assert wrong == {}
    assert changed_tables(before, database_fingerprint()) == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
