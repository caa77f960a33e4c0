"""Faults: the database going away (and coming back), a locked SQLite file, a gunicorn
worker killed in the middle of saves and inquiries, an SMTP server that hangs.

The PostgreSQL tests never touch the shared server: the app talks to a throwaway
database through a small TCP proxy that the test cuts (every connection closed, new ones
refused) and restores.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, select, text

from app import create_app
from config import engine_options
from demo.load import load_demo
from models import Block, OutboxMessage, SponsorshipInquiry, db
from services import outbox
from tests.conftest import IN_CI, TEST_DATABASE_URL, IsolatedClient, _postgres_database, base_config
from tests.factories import HX, make_user
from tests.sponsorship_factories import form_data

BENCH_DIR = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH_DIR))
import run as bench  # noqa: E402  (bench/run.py: gunicorn and flask commands)
import soak  # noqa: E402  (bench/soak.py: editors, senders and the lost-writes check)

PASSWORD = "correct horse battery"
UNAVAILABLE = "Service momentanément indisponible"
TYPED = "Nous souhaitons parrainer la rubrique Sciences pendant tout l’automne, merci."

needs_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL and not IN_CI, reason="TEST_DATABASE_URL non défini"
)


# --------------------------------------------------------------------------- a cuttable link


class CuttableProxy:
    """Forwards 127.0.0.1:<port> to the database server until cut; restores on demand."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = bench.free_port()
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while self.listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self.lock:
                self.sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                self._close(end)

    def _close(self, end: socket.socket) -> None:
        with self.lock:
            self.sockets.discard(end)
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    def cut(self) -> None:
        """The database is gone: open connections die, new ones are refused."""
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.close()
        with self.lock:
            open_sockets = list(self.sockets)
        for end in open_sockets:
            self._close(end)

    def restore(self) -> None:
        self.start()


# --------------------------------------------------------------------------- PostgreSQL going away


@pytest.fixture(scope="module")
def throwaway_postgres():
    if not TEST_DATABASE_URL:
        pytest.fail("TEST_DATABASE_URL is required")  # only reached under CI=true
    database = _postgres_database(TEST_DATABASE_URL)
    url = next(database)
    yield url
    next(database, None)


@pytest.fixture
def cut_app(throwaway_postgres):
    """The app on PostgreSQL through the proxy, with production's pool settings."""
    server = urlsplit(throwaway_postgres)
    proxy = CuttableProxy((server.hostname, server.port or 5432))
    proxy.start()
    netloc = (
        f"{server.username}@127.0.0.1:{proxy.port}"
        if server.username
        else f"127.0.0.1:{proxy.port}"
    )
    proxied = urlunsplit(server._replace(netloc=netloc))
    app = create_app(
        {
            **base_config(proxied),
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options("postgresql://"),
            "GAZETTE_PAGE_CACHE": False,  # what happens to the database, not to a cached copy
            "SPONSORSHIP_MIN_FILL_SECONDS": 0,
        }
    )
    app.test_client_class = IsolatedClient

    @app.get("/_test/coupure-pendant-la-requete")
    def cut_during_request():
        db.session.execute(text("SELECT 1"))  # a pooled connection is in use…
        proxy.cut()  # …and dies before the next query
        db.session.execute(text("SELECT 1"))
        return "inaccessible"

    with app.app_context():
        upgrade()
        load_demo()
        yield app, proxy
        if proxy.listener is None:
            proxy.restore()
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()
        proxy.cut()


def demo_paragraph() -> Block:
    return db.session.scalars(select(Block).filter_by(kind="paragraph").order_by(Block.id)).first()


def save(client, block_id: int, version: int, html: str):
    return client.post(
        f"/redaction/blocs/{block_id}",
        headers=HX,
        data={f"bloc{block_id}-html": html, f"bloc{block_id}-version": str(version)},
    )


@needs_postgres
def test_postgres_cut_then_back_readers_forms_and_saves(cut_app):
    app, proxy = cut_app
    client = app.test_client()
    editor = make_user(role="editor", password=PASSWORD)
    assert (
        client.post("/connexion", data={"email": editor.email, "password": PASSWORD}).status_code
        == 302
    )
    block = demo_paragraph()
    block_id, version = block.id, block.version
    article_path = f"/article/{block.article.slug}"
    db.session.remove()  # the test's own connection goes back to the pool too
    assert client.get(article_path).status_code == 200

    proxy.cut()
    reader = app.test_client().get(article_path)
    assert reader.status_code == 503 and UNAVAILABLE in reader.get_data(as_text=True)
    assert reader.headers["Retry-After"] == "30"
    assert app.test_client().get("/").status_code == 503

    inquiry = app.test_client().post("/sponsoring", data=form_data(message=TYPED))
    assert inquiry.status_code == 503
    assert TYPED in inquiry.get_data(as_text=True)  # the form comes back as typed

    # An htmx save gets a 503, which htmx does not swap: the form and its text stay on
    # the page (editor.js says so); nothing was half-written, so the same save works later.
    refused = save(client, block_id, version, "Texte tapé pendant la panne")
    assert refused.status_code == 503 and "Traceback" not in refused.get_data(as_text=True)

    proxy.restore()  # no restart: the pool replaces its dead connections by itself
    assert app.test_client().get(article_path).status_code == 200
    saved = save(client, block_id, version, "Texte tapé pendant la panne")
    assert saved.status_code == 200 and "Texte tapé pendant la panne" in saved.get_data(
        as_text=True
    )
    assert app.test_client().post("/sponsoring", data=form_data(message=TYPED)).status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(SponsorshipInquiry.message)) == TYPED


@needs_postgres
def test_postgres_connection_dying_in_the_middle_of_a_request(cut_app):
    app, proxy = cut_app
    client = app.test_client()
    db.session.remove()
    response = client.get("/_test/coupure-pendant-la-requete")
    assert response.status_code == 503 and UNAVAILABLE in response.get_data(as_text=True)
    proxy.restore()
    assert client.get("/").status_code == 200
    assert client.get("/sponsoring").status_code == 200


# --------------------------------------------------------------------------- SQLite locked


@pytest.fixture
def sqlite_app(tmp_path):
    path = tmp_path / "verrou.db"
    app = create_app({**base_config(f"sqlite:///{path}"), "SPONSORSHIP_MIN_FILL_SECONDS": 0})
    app.test_client_class = IsolatedClient
    with app.app_context():
        # Writers wait 0.2 s for a lock here, not production's 5 s: same path, faster test.
        event.listen(
            db.engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA busy_timeout=200")
        )
        upgrade()
        load_demo()
        yield app, path
        db.session.remove()
        db.engine.dispose()


def test_sqlite_write_lock_held_elsewhere_is_a_503_and_readers_go_on(sqlite_app):
    """Another process (a backup, a long command) holds the write lock too long."""
    app, path = sqlite_app
    client = app.test_client()
    editor = make_user(role="editor", password=PASSWORD)
    client.post("/connexion", data={"email": editor.email, "password": PASSWORD})
    block = demo_paragraph()
    block_id, version, slug = block.id, block.version, block.article.slug
    db.session.remove()

    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the write lock, held
    try:
        assert app.test_client().get(f"/article/{slug}").status_code == 200  # WAL: reads go on
        inquiry = app.test_client().post("/sponsoring", data=form_data(message=TYPED))
        assert inquiry.status_code == 503 and TYPED in inquiry.get_data(as_text=True)
        refused = save(client, block_id, version, "Pendant le verrou")
        assert refused.status_code == 503 and UNAVAILABLE in refused.get_data(as_text=True)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert save(client, block_id, version, "Après le verrou").status_code == 200


# --------------------------------------------------------------------------- SMTP hanging


def test_a_hanging_smtp_server_never_delays_the_thanks(client, app):
    """The server accepts the connection and says nothing: the inquiry is kept, queued."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1], MAIL_TIMEOUT=0.5)
    try:
        response = client.post("/sponsoring", data=form_data())
        assert response.status_code == 303  # answered before any SMTP exchange
        outbox.wait_for_background_sends()
    finally:
        silent.close()
    message = db.session.scalars(select(OutboxMessage)).one()
    db.session.refresh(message)
    assert message.status == "queued" and message.attempts == 1
    assert "timed out" in message.last_error or "Timeout" in message.last_error


# --------------------------------------------------------------------------- kill -9 a worker


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
def gunicorn_site(request, tmp_path):
    """gunicorn (2 sync workers) on a migrated database with the demo and editors."""
    cleanup = []
    if request.param == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'gazette.db'}"
        database = soak.SqliteDatabase(str(tmp_path / "gazette.db"))
    else:
        name, database_url = bench.create_postgres_database(TEST_DATABASE_URL)
        cleanup.append(lambda: bench.drop_postgres_database(TEST_DATABASE_URL, name))
        database = soak.PostgresDatabase(database_url)
    env = {**bench.app_environment(database_url), **soak.LOAD_APP_ENVIRONMENT}
    env.pop("REDIS_URL", None)
    try:
        bench.load_demo(env)
        emails = soak.create_editors(env, 2)
        block_ids = [row[0] for row in database._rows(soak.PARAGRAPHS_SQL)]
        server = bench.start_gunicorn("app:create_app()", env, 2, name="kill", log_dir=tmp_path)
        cleanup.append(server.stop)
        yield server, database, emails, block_ids
    finally:
        for step in reversed(cleanup):
            step()


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def test_a_worker_killed_mid_run_loses_nothing_acknowledged(gunicorn_site):
    server, database, emails, block_ids = gunicorn_site
    ledger = soak.Ledger()
    load = soak.start_load(server.url, emails, block_ids, ledger, readers=2, senders=2)
    try:
        wait_for(lambda: len(ledger.timeline) > 40)
        victim = worker_pids(server.process.pid)[0]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.perf_counter()
        wait_for(lambda: acknowledged_after(ledger, killed_at) >= 20)
    finally:
        soak.stop_load(*load)
    server.stop()

    assert victim not in worker_pids_or_empty(server.process.pid)
    assert acknowledged_after(ledger, killed_at, "save") and acknowledged_after(
        ledger, killed_at, "inquiry"
    )
    assert ledger.server_errors() == 0, dict(ledger.statuses)
    assert soak.lost_writes(ledger, database) == []


def acknowledged_after(ledger, moment: float, kind: str | None = None) -> int:
    with ledger.lock:
        return sum(
            1
            for when, what, outcome in ledger.timeline
            if when > moment and outcome in ("acknowledged", "ok") and kind in (None, what)
        )


def worker_pids_or_empty(master_pid: int) -> list[int]:
    try:
        return worker_pids(master_pid)
    except OSError:
        return []


def wait_for(condition, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition jamais atteinte")
        time.sleep(0.05)
