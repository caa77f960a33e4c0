"""Two app instances (gunicorn with deploy/gunicorn.conf.py) sharing PostgreSQL and Redis.

An edit saved through instance A is seen on instance B at once (the page cache and its
invalidations live in Redis), a rate limit hit on A holds on B, a login on A is valid
on B. Under CI=true a missing PostgreSQL or Redis fails instead of skipping.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import TEST_DATABASE_URL, _postgres_database

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
IN_CI = os.environ.get("CI") == "true"
SECRET_KEY = "instances-test-secret-" + "k" * 32
PASSWORD = "un-mot-de-passe-solide"


def unavailable(message: str):
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def redis_db():
    """The Redis database both instances share, emptied before and after."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        unavailable(f"Redis at {REDIS_URL} is not usable: {error}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def database(redis_db):
    """A throwaway PostgreSQL database, migrated with `flask db upgrade`."""
    if not TEST_DATABASE_URL:
        unavailable("TEST_DATABASE_URL is not set: two instances need a shared PostgreSQL")
    generator = _postgres_database(TEST_DATABASE_URL)
    url = next(generator)
    env = instance_environment(url)
    completed = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    yield url
    next(generator, None)


def instance_environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": SECRET_KEY,
        "GAZETTE_WORKERS": "2",
        "GAZETTE_ACCESS_LOG": "",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_instance(database_url: str, log: Path) -> tuple[str, subprocess.Popen]:
    port = free_port()
    env = instance_environment(database_url) | {"GAZETTE_BIND": f"127.0.0.1:{port}"}
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "app:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(url, process, log)
    except BaseException:
        stop(process)  # never leave a server behind, whatever went wrong
        raise
    return url, process


def wait_until_answering(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90  # a busy CI machine starts two workers slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn stopped at start:\n{log.read_text(errors='replace')}")
        try:
            urllib.request.urlopen(url + "/robots.txt", timeout=10).close()
            return
        except OSError:  # refused, reset or timed out while the workers boot
            time.sleep(0.2)
    pytest.fail(f"gunicorn does not answer:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def instances(database, tmp_path_factory):
    """(A, B): two gunicorn instances on different ports, same database, same Redis."""
    logs = tmp_path_factory.mktemp("instances")
    started = []
    try:
        for name in ("a", "b"):
            started.append(start_instance(database, logs / f"gunicorn-{name}.log"))
        yield tuple(url for url, _ in started)
    finally:
        for _, process in started:
            stop(process)


@pytest.fixture(scope="module")
def newsroom(database):
    """An editor and a published article, written through the ORM with the shared Redis."""
    from app import create_app
    from models import db
    from tests.factories import make_article, make_section, make_user

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database.replace("postgresql://", "postgresql+psycopg://"),
            "SECRET_KEY": SECRET_KEY,
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": REDIS_URL,
        }
    )
    with app.app_context():
        section = make_section("Politique", slug="politique")
        editor = make_user("Élise Éditrice", role="editor", password=PASSWORD,
                           email="elise@gazette.example", slug="elise")  # fmt: skip
        article = make_article("Titre d’origine", section=section, author=editor, slug="sommet")
        ids = {"article": article.id, "version": article.version}
        db.session.remove()
        db.engine.dispose()
    return ids


class Browser:
    """Cookies and no redirects: enough of a browser to log in and save a form."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, url: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers=dict(headers or {}))
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            response = opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return response.status, response.headers, response.read().decode()

    def csrf_token(self, url: str) -> str:
        """The token from a page's form (anonymous) or its <body hx-headers> (logged in)."""
        _, _, page = self.request(url)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r"hx-headers='([^']+)'", page
        )
        assert match, "no CSRF token on " + url
        value = html.unescape(match[1])
        return json.loads(value)["X-CSRFToken"] if value.startswith("{") else value


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def log_in(browser: Browser, base: str) -> int:
    token = browser.csrf_token(base + "/connexion")
    status, _, _ = browser.request(
        base + "/connexion",
        {"csrf_token": token, "email": "elise@gazette.example", "password": PASSWORD},
    )
    return status


def test_login_on_a_is_valid_on_b(instances, newsroom):
    a, b = instances
    browser = Browser()
    assert log_in(browser, a) == 302
    status, _, page = browser.request(b + "/redaction")
    assert status == 200
    assert "Élise Éditrice" in page or "Tableau de bord" in page


def test_edit_saved_through_a_is_seen_on_b_at_once(instances, newsroom):
    a, b = instances
    reader = Browser()
    reader.request(b + "/article/sommet")
    status, headers, page = reader.request(b + "/article/sommet")
    assert headers["X-Page-Cache"] == "hit" and "Titre d’origine" in page

    editor = Browser()
    assert log_in(editor, a) == 302
    token = editor.csrf_token(a + "/article/sommet")
    status, _, _ = editor.request(
        f"{a}/redaction/articles/{newsroom['article']}/titre",
        {"titre-headline": "Titre changé sur A", "titre-version": str(newsroom["version"])},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert status == 200

    status, headers, page = reader.request(b + "/article/sommet")
    assert status == 200
    assert "Titre changé sur A" in page
    assert headers["X-Page-Cache"] == "miss"


def test_rate_limit_hit_on_a_holds_on_b(instances, newsroom, redis_db):
    """Login POSTs per address (Flask-Limiter, in Redis): 30 on A, the next one on B is refused.

    Each attempt types another address, so the per-address login throttle (in the
    database, models/login_throttle.py) never steps in: only the shared limiter can.
    """
    from views.auth import LIMIT_PER_ADDRESS

    a, b = instances
    allowed = int(LIMIT_PER_ADDRESS.split()[0])
    redis_db.flushdb()  # earlier tests of this module logged in from this address too
    attacker = Browser()
    token = attacker.csrf_token(a + "/connexion")

    def attempt(base: str, n: int) -> int:
        wrong = {"csrf_token": token, "email": f"cible{n}@gazette.example", "password": "x" * 12}
        return attacker.request(base + "/connexion", wrong)[0]

    assert [attempt(a, n) for n in range(allowed)] == [401] * allowed
    assert attempt(b, allowed) == 429
