"""Plain `gunicorn -w 2 'app:create_app()'`: no Redis, no deploy/gunicorn.conf.py.

Whatever the process model, what one worker changes holds on the others (issue 12):
- an article unpublished through one worker is gone on every worker at once, though
  each keeps its pages in its own memory (services/generations.py, item 4);
- the login limit (30 per 10 minutes per address) counts across workers, not per worker
  (services/shared_limits.py, item 5).

gunicorn's access log names the worker (its pid) that answered each request, so the
tests check that both workers took part: otherwise they could pass with one worker.
SQLite database, folders in tmp_path; needs nothing but gunicorn.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.test_instances import (
    PASSWORD,
    VENV_BIN,
    Browser,
    free_port,
    stop,
    wait_until_answering,
)

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "workers-test-secret-" + "k" * 32
WORKERS = 2


def clean_environment(**settings: str) -> dict[str, str]:
    """The machine's environment without any Gazette setting, plus `settings`."""
    import os

    import config

    return {k: v for k, v in os.environ.items() if k not in config.SETTINGS} | settings


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn -w 2 on a fresh SQLite database: (base URL, access log path, newsroom ids)."""
    import subprocess

    folder = tmp_path_factory.mktemp("workers")
    env = clean_environment(
        DATABASE_URL=f"sqlite:///{folder / 'gazette.db'}",
        SECRET_KEY=SECRET_KEY,
        GAZETTE_SHARED_DIR=str(folder / "shared"),
    )
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
                "--access-logformat", "%(p)s %(m)s %(U)s %(s)s",
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
    assert "Traceback" not in log.read_text(errors="replace")


def make_newsroom(folder: Path) -> dict:
    """An editor and a published article, written through the ORM into the shared database."""
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
        article = make_article("Le sommet retiré", section=section, author=editor, slug="sommet")
        ids = {"article": article.id, "version": article.version}
        db.session.remove()
        db.engine.dispose()
    return ids


def workers_that_answered(access_log: Path, path: str, since: int = 0) -> set[str]:
    """The pids that answered `path`, from the access log's lines after the first `since`."""
    lines = access_log.read_text().splitlines()[since:]
    return {line.split()[0] for line in lines if f" {path} " in line}


def log_length(access_log: Path) -> int:
    return len(access_log.read_text().splitlines()) if access_log.exists() else 0


def read_many(url: str, count: int) -> list[tuple[int, str]]:
    """`count` anonymous GETs, four at a time: [(status, X-Page-Cache)]."""

    def one(_):
        status, headers, body = Browser().request(url)
        return status, headers.get("X-Page-Cache", "")

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, range(count)))


def until_every_worker_answered(send, access_log: Path, path: str, least: int) -> list:
    """Call `send(n)` (a batch of n requests, returning their results) until at least
    `least` requests went out and every worker answered one of them: [results].

    Which worker accepts a connection is the kernel's choice, and cached pages are
    fast enough for one worker to take 40 in a row; rather than hope, keep going
    (up to 50 batches) until the access log shows both pids.
    """
    start, results = log_length(access_log), []
    for _ in range(50):
        results += send(least if not results else 20)
        if len(workers_that_answered(access_log, path, start)) == WORKERS:
            return results
    raise AssertionError(
        f"one worker answered all {len(results)} requests: the test would prove nothing"
    )


def test_an_article_unpublished_on_one_worker_is_gone_on_every_worker(server):
    base, access_log, ids = server
    page = base + "/article/sommet"
    before = until_every_worker_answered(
        lambda n: read_many(page, n), access_log, "/article/sommet", least=40
    )
    assert {status for status, _ in before} == {200}
    assert "hit" in {cache for _, cache in before}

    editor = Browser()
    token = editor.csrf_token(base + "/connexion")
    login = {"csrf_token": token, "email": "elise@gazette.example", "password": PASSWORD}
    assert editor.request(base + "/connexion", login)[0] == 302
    token = editor.csrf_token(page)
    status, _, _ = editor.request(
        f"{base}/redaction/articles/{ids['article']}/publication",
        {"publication-state": "draft", "publication-version": str(ids["version"])},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert status == 200

    after = until_every_worker_answered(
        lambda n: read_many(page, n), access_log, "/article/sommet", least=60
    )
    assert {status for status, _ in after} == {404}


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
