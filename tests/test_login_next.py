"""The login's `next`: only a clean path on this site is followed, and no value gives a 500.

Issue 12 item 10: a CR/LF in `next` made the redirect after a successful login a 500.
The kinds tried here: control characters (CR, LF, tab, NUL), backslashes, another host
("//evil", "/\\evil", "https:evil"), percent-encoded variants of each, very long values
and non-ASCII text; a property test then throws arbitrary text at the one function and
at the login itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extensions import limiter
from tests.factories import make_user
from views.auth import NEXT_MAX, safe_next_url

PASSWORD = "correct horse battery"
EMAIL = "ed@gazette.example"

REFUSED = [
    "/a\r\nLocation: https://evil.example/",
    "/a\rb",
    "/a\nb",
    "/\tevil.example",
    "/a\x00b",
    "/a\x7fb",
    "/\\evil.example",
    "/\\\\evil.example",
    "\\\\evil.example",
    "//evil.example",
    "///evil.example",
    "https:evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
    " /rubrique",
    "/rubrique ",
    "/a b",
    "/%0d%0aSet-Cookie:x=1",
    "/%0D%0A",
    "/%09/evil.example",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/%252F/evil.example",
    "/%25252F/evil.example",
    "/%00",
    "/%zz",
    "/%",
    "/rubrique/société",
    "/\u2028",
    "/\ufeff",
    "/" + "a" * NEXT_MAX,
]
FOLLOWED = [
    "/",
    "/rubrique/france",
    "/rubrique/france?page=2&tri=date",
    "/article/un-titre#commentaires",
    "/recherche?q=caf%C3%A9",
    "/redaction/articles/12",
    "/" + "a" * (NEXT_MAX - 1),
]


@pytest.mark.parametrize("target", REFUSED)
def test_unclean_next_values_are_refused(target):
    assert safe_next_url(target) is None


@pytest.mark.parametrize("target", FOLLOWED)
def test_clean_paths_are_kept_as_they_are(target):
    assert safe_next_url(target) == target


@pytest.mark.parametrize("target", [None, 12, b"/rubrique", ["/"]])
def test_non_strings_are_refused(target):
    assert safe_next_url(target) is None


def login(client, target, environ=None):
    return client.post(
        "/connexion",
        data={"email": EMAIL, "password": PASSWORD, "next": target},
        environ_base=environ or {},
    )


def test_a_login_with_an_unclean_next_lands_on_the_dashboard(app):
    """One value of each kind through the whole login (each costs a password check)."""
    make_user(email=EMAIL, password=PASSWORD)
    landed = {}
    for target in REFUSED[:5] + REFUSED[6:12:2] + REFUSED[19:35:3] + REFUSED[-1:]:
        limiter.reset()  # one address logs in many times here; the limit has its own tests
        response = login(app.test_client(), target)
        landed[target] = (response.status_code, response.headers.get("Location"))
    assert set(landed.values()) == {(302, "/redaction")}, landed


def test_an_unclean_next_in_the_login_address_is_never_put_in_the_form(client, app):
    for target in REFUSED:
        html = client.get("/connexion", query_string={"next": target}).get_data(as_text=True)
        assert 'name="next" type="hidden" value=""' in html, target


def off_site(location: str) -> bool:
    """Whether a browser would leave the site for this Location (WHATWG URL parsing
    drops tabs and newlines and reads a backslash as a slash)."""
    seen = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    parts = urlsplit(seen)
    return bool(parts.scheme or parts.netloc) or not seen.startswith("/")


# Text meant to find the cracks: URL punctuation, control and non-ASCII characters,
# escapes of the dangerous ones, and anything else.
PIECES = st.sampled_from(
    ["/", "//", "\\", "%", "%0d", "%0a", "%2f", "%5c", "%25", ":", "?", "#", "@", ".", "\t"]
    + ["\r", "\n", "\x00", " ", "é", "evil.example", "https:", "a", "\u2028", "\ufeff"]
)
NEXT_VALUES = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=12).map("".join),
    st.builds(lambda n: "/" + "a" * n, st.integers(NEXT_MAX - 5, NEXT_MAX + 5)),
)


@given(target=NEXT_VALUES)
@settings(max_examples=400)
def test_property_the_one_function_never_lets_an_unclean_value_through(target):
    kept = safe_next_url(target)
    assert kept is None or kept == target
    if kept is not None:
        assert not off_site(kept)
        assert kept.isascii() and kept.isprintable() and " " not in kept and "\\" not in kept


FIXTURES_ONCE = [HealthCheck.function_scoped_fixture]


@given(target=NEXT_VALUES)
@settings(max_examples=25, deadline=None, suppress_health_check=FIXTURES_ONCE)
def test_property_no_next_gives_a_500_or_leaves_the_site(app, target):
    """The whole login, with a real password check (about 0.5 s each), for any `next`."""
    if not hasattr(app, "next_account"):
        app.next_account = make_user(email=EMAIL, password=PASSWORD)
    limiter.reset()  # the per-address limit has its own tests
    response = login(app.test_client(), target)
    assert response.status_code == 302
    assert not off_site(response.headers["Location"])


@given(target=NEXT_VALUES)
@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURES_ONCE)
def test_property_logged_in_the_login_page_follows_only_clean_paths(app, target):
    """Logged in, GET /connexion?next=… redirects at once: the same rule, many more values."""
    if not hasattr(app, "next_client"):
        make_user(email=EMAIL, password=PASSWORD)
        app.next_client = app.test_client()
        assert login(app.next_client, "/").status_code == 302
    response = app.next_client.get("/connexion", query_string={"next": target})
    assert response.status_code == 302 and not off_site(response.headers["Location"])
    assert response.headers["Location"] in (target, "/redaction")
