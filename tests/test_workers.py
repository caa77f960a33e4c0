"""Plain `gunicorn -w 2 'app:create_app()'`, without Redis and with it.

Whatever the process model, what one worker changes holds on the others (issues 12, 16):
- an article unpublished, trashed or corrected through one worker is so on every worker
  at once, though each answers its hits from its own memory through the WSGI fast path,
  checked against shared generations: a memory-mapped file without Redis, Redis with it
  (services/generations.py);
- the login limit (30 per 10 minutes per address) counts across workers, not per worker
  (services/shared_limits.py without Redis).

gunicorn's access log names the worker (its pid) that answered each request, and whether
it was a cache hit, so the tests check that both workers took part: otherwise they could
pass with one worker. SQLite database, folders in tmp_path; needs gunicorn, and Redis at
TEST_REDIS_URL for the second run (skipped without it, a failure under CI=true).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.test_instances import (
    PASSWORD,
    REDIS_URL,
    VENV_BIN,
    Browser,
    free_port,
    log_in,
    stop,
    unavailable,
    wait_until_answering,
)

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "workers-test-secret-" + "k" * 32
WORKERS = 2
# What an editor does to a published article on one worker, each on an article of its own.
CHANGES = {
    "unpublish": "Le sommet retiré",
    "trash": "Le sommet jeté",
    "correction": "Le sommet corrigé",
}
CORRECTION = "Le sommet avait lieu mardi, non lundi."
# What every reader gets next: an unpublished article is not found, a trashed one gone.
AFTER = {"unpublish": 404, "trash": 410, "correction": 200}


def clean_environment(**settings: str) -> dict[str, str]:
    """The machine's environment without any Gazette setting, plus `settings`."""
    import os

    import config

    return {k: v for k, v in os.environ.items() if k not in config.SETTINGS} | settings


@pytest.fixture(scope="module", params=["mmap", "redis"])
def server(request, tmp_path_factory):
    """gunicorn -w 2 on a fresh SQLite database, its generations in the machine's
    memory-mapped file or in Redis: (base URL, access log path, newsroom ids)."""
    import subprocess

    folder = tmp_path_factory.mktemp("workers")
    env = clean_environment(
        DATABASE_URL=f"sqlite:///{folder / 'gazette.db'}",
        SECRET_KEY=SECRET_KEY,
        GAZETTE_SHARED_DIR=str(folder / "shared"),
    )
    if request.param == "redis":
        env["REDIS_URL"] = REDIS_URL
        empty_redis()
    migrated = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "app", "db", "upgrade"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr
    ids = make_newsroom(folder)
    port = free_port()
    access_log, log = folder / "access.log", folder / "gunicorn.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "-w", str(WORKERS),
                "-b", f"127.0.0.1:{port}",
                "--access-logfile", str(access_log),
                "--access-logformat", "%(p)s %(m)s %(U)s %(s)s %({x-page-cache}o)s",
                "app:create_app()",
            ],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(url, process, log)
        yield url, access_log, ids
    finally:
        stop(process)
        if request.param == "redis":
            empty_redis()
    assert "Traceback" not in log.read_text(errors="replace")


def empty_redis() -> None:
    """FLUSHDB the test Redis database (skips, or fails under CI, if it is unreachable)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.RedisError as error:
        unavailable(f"Redis at {REDIS_URL} is not usable: {error}")
    finally:
        client.close()


def make_newsroom(folder: Path) -> dict:
    """An editor and three published articles (one per change the tests make), written
    through the ORM into the shared database: {change: {"id", "version", "slug"}}."""
    from app import create_app
    from models import db
    from tests.factories import make_article, make_section, make_user

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'gazette.db'}",
            "SECRET_KEY": SECRET_KEY,
            "PAGE_CACHE_GENERATIONS_FILE": str(folder / "shared" / "page-cache-generations"),
        }
    )
    with app.app_context():
        section = make_section("Politique", slug="politique")
        editor = make_user("Élise Éditrice", role="editor", password=PASSWORD,
                           email="elise@gazette.example", slug="elise")  # fmt: skip
        ids = {}
        for change, headline in CHANGES.items():
            article = make_article(headline, section=section, author=editor, slug=change)
            ids[change] = {"id": article.id, "version": article.version, "slug": change}
        db.session.remove()
        db.engine.dispose()
    return ids


def workers_that_answered(
    access_log: Path, path: str, since: int = 0, cache: str | None = None
) -> set[str]:
    """The pids that answered `path`, from the access log's lines after the first `since`;
    only the answers whose X-Page-Cache was `cache` ("hit", "miss") if given."""
    lines = [line.split() for line in access_log.read_text().splitlines()[since:]]
    return {
        fields[0] for fields in lines if fields[2] == path and (cache is None or fields[4] == cache)
    }


def log_length(access_log: Path) -> int:
    return len(access_log.read_text().splitlines()) if access_log.exists() else 0


def read_many(url: str, count: int) -> list[tuple[int, str, str]]:
    """`count` anonymous GETs, four at a time: [(status, X-Page-Cache, body)]."""

    def one(_):
        status, headers, body = Browser().request(url)
        return status, headers.get("X-Page-Cache", ""), body

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, range(count)))


def until_every_worker_answered(
    send, access_log: Path, path: str, least: int, cache: str | None = None
) -> list:
    """Call `send(n)` (a batch of n requests, returning their results) until at least
    `least` requests went out and every worker answered one of them (with X-Page-Cache
    `cache`, if given): [results].

    Which worker accepts a connection is the kernel's choice, and cached pages are
    fast enough for one worker to take 40 in a row; rather than hope, keep going
    (up to 50 batches) until the access log shows both pids.
    """
    start, results = log_length(access_log), []
    for _ in range(50):
        results += send(least if not results else 20)
        if len(workers_that_answered(access_log, path, start, cache)) == WORKERS:
            return results
    raise AssertionError(
        f"one worker answered all {len(results)} requests: the test would prove nothing"
    )


@pytest.fixture(scope="module")
def editor(server) -> Browser:
    """The editor, logged in once (logins count against the login limit)."""
    base, _, _ = server
    browser = Browser()
    assert log_in(browser, base) == 302
    return browser


def make_the_change(editor: Browser, base: str, change: str, article: dict) -> None:
    """Unpublish, trash or correct `article` through the app, as the editor would."""
    token = editor.csrf_token(f"{base}/article/{article['slug']}")
    htmx = {"X-CSRFToken": token, "HX-Request": "true"}
    root = f"{base}/redaction/articles/{article['id']}"
    if change == "unpublish":
        form = {"publication-state": "draft", "publication-version": str(article["version"])}
        assert editor.request(root + "/publication", form, headers=htmx)[0] == 200
    elif change == "trash":
        assert editor.request(root + "/corbeille", {"csrf_token": token})[0] == 302
    else:
        assert editor.request(root + "/corrections", {"text": CORRECTION}, headers=htmx)[0] == 200


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_on_one_worker_is_seen_on_every_worker_at_once(server, editor, change):
    """Both workers answer the article from their own memory (fast-path hits); after the
    change is saved through one of them, no read on any worker gets the old page."""
    base, access_log, ids = server
    article = ids[change]
    path = f"/article/{article['slug']}"
    before = until_every_worker_answered(
        lambda n: read_many(base + path, n), access_log, path, least=40, cache="hit"
    )
    assert {status for status, _, _ in before} == {200}
    assert not any(CORRECTION in body for _, _, body in before)

    make_the_change(editor, base, change, article)

    after = until_every_worker_answered(
        lambda n: read_many(base + path, n), access_log, path, least=60
    )
    assert {status for status, _, _ in after} == {AFTER[change]}
    if change == "correction":
        assert all(CORRECTION in body for _, _, body in after)


def test_the_login_limit_counts_across_workers(server):
    """30 login POSTs per 10 minutes per address, whichever worker answers them.

    Each attempt types another address, so the per-account login throttle (in the
    database) never steps in: only the rate limiter can refuse.
    """
    from views.auth import LIMIT_PER_ADDRESS

    base, access_log, _ = server
    allowed = int(LIMIT_PER_ADDRESS.split()[0])
    attacker = Browser()
    token = attacker.csrf_token(base + "/connexion")
    lock, counter = threading.Lock(), iter(range(10_000))

    def attempt(_):
        with lock:
            n = next(counter)
        wrong = {"csrf_token": token, "email": f"cible{n}@gazette.example", "password": "x" * 12}
        return attacker.request(base + "/connexion", wrong)[0]

    def send(n):
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(attempt, range(n)))

    statuses = until_every_worker_answered(send, access_log, "/connexion", least=allowed + 20)
    # At most `allowed` let through (fewer if an earlier test logged in from here too);
    # counted per worker, every one of them would have been.
    assert statuses.count(401) <= allowed, statuses
    assert statuses.count(429) >= 20 and set(statuses) == {401, 429}, statuses
