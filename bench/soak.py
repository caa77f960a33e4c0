"""`make soak`: a bounded mixed load against gunicorn on PostgreSQL with Redis, then a check
that nothing acknowledged was lost.

    .venv/bin/python bench/soak.py                  # 60 s
    SOAK_SECONDS=20 .venv/bin/python bench/soak.py  # shorter

One run:
1. creates a throwaway PostgreSQL database (migrated, demo loaded, one editor account per
   editing client), and flushes the Redis database it uses (before and after);
2. starts the app under gunicorn (SOAK_WORKERS sync workers) with REDIS_URL set, so the
   page cache and the rate limits live in Redis as in production;
3. runs, all at once for SOAK_SECONDS: SOAK_READERS readers (article, front, section and
   search pages, anonymous), SOAK_EDITORS editors (logged in, each saving its own
   paragraph of the demo article through the editor's htmx endpoint, with CSRF tokens)
   and SOAK_SENDERS sponsorship-inquiry senders (bench/inquiries.py);
4. prints requests served, answers by status, p50/p99 per kind;
5. checks the database: every acknowledged save (200 with the saved text in the partial)
   is in the article's revisions, each block holds the last text that was committed, and
   every acknowledged inquiry (303 to the thanks page) is stored with its email queued;
6. exits non-zero on any 5xx or any lost write.

Editors never share a block, so conflicts (409) are not expected; if one happens it is
counted separately, as an expected outcome, not as an error.

The clients are Python threads with keep-alive http.client connections on the same cores
as gunicorn: on a 2-core machine the client's own CPU (and the GIL) caps throughput, so
the request rates measure "server + Python client", not the server alone.

Settings: SOAK_SECONDS (60), SOAK_READERS (32), SOAK_EDITORS (4), SOAK_SENDERS (4),
SOAK_WORKERS (2), SOAK_POSTGRES_URL (postgresql://postgres@127.0.0.1:5432/postgres),
SOAK_REDIS_URL (redis://127.0.0.1:6379/13: that Redis database is flushed).
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import inquiries  # noqa: E402  (bench/inquiries.py)
import run as bench  # noqa: E402  (bench/run.py: gunicorn, flask commands, databases)

ROOT = BENCH_DIR.parent
ARTICLE_SLUG = "poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"
READER_PATHS = (
    f"/article/{ARTICLE_SLUG}",
    "/",
    "/rubrique/international",
    "/recherche?q=sommet",
)
EDITOR_PASSWORD = "soak-editeur-mot-de-passe"
REQUEST_TIMEOUT_S = 30

# The app under load: inquiries take the real path (not the spam quarantine), limits are
# out of the way, no email leaves the machine.
LOAD_APP_ENVIRONMENT = {
    **bench.INQUIRY_APP_ENVIRONMENT,
    "GAZETTE_DB_POOL_SIZE": "5",
}


# --------------------------------------------------------------------------- what happened


@dataclass
class Ledger:
    """Every answer the clients got, and which writes were acknowledged."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    # block id -> texts in the order they were sent / acknowledged
    attempted_saves: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    acknowledged_saves: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    acknowledged_inquiries: list[str] = field(default_factory=list)  # emails
    # (time, kind, outcome) of every answer, to see what happened after a given moment
    timeline: list[tuple[float, str, str]] = field(default_factory=list)

    def note(self, kind: str, outcome: str, began: float) -> None:
        ended = time.perf_counter()
        with self.lock:
            self.latencies[kind].append(ended - began)
            self.statuses[kind][outcome] += 1
            self.timeline.append((ended, kind, outcome))

    def server_errors(self) -> int:
        return sum(
            n for counts in self.statuses.values() for key, n in counts.items() if key[0] == "5"
        )

    def served(self) -> int:
        return sum(sum(counts.values()) for counts in self.statuses.values())


# --------------------------------------------------------------------------- clients


class Browser:
    """One keep-alive connection with its cookies, as a browser tab would have."""

    def __init__(self, base_url: str):
        address = urllib.parse.urlsplit(base_url)
        self.host, self.port = address.hostname, address.port
        self.connection = http.client.HTTPConnection(
            self.host, self.port, timeout=REQUEST_TIMEOUT_S
        )
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None, headers=None):
        """(status, headers, body text); the connection is reopened after a failure."""
        headers = {"Accept": "text/html", **(headers or {})}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise
        for cookie in response.headers.get_all("Set-Cookie") or ():
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response.status, response.headers, payload.decode("utf-8", "replace")

    def close(self) -> None:
        self.connection.close()


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', html
    )
    if not match:
        raise RuntimeError(f"champ {name!r} introuvable")
    return match[1]


class Editor:
    """A logged-in editor saving one paragraph again and again (htmx save, CSRF header)."""

    def __init__(self, number: int, base_url: str, email: str, block_id: int, ledger: Ledger):
        self.number, self.email, self.block_id, self.ledger = number, email, block_id, ledger
        self.browser = Browser(base_url)
        self.saves = itertools.count(1)
        self.version: str | None = None
        self.csrf = ""

    def log_in(self) -> None:
        _status, _headers, page = self.browser.request("GET", "/connexion")
        fields = {
            "csrf_token": hidden_value(page, "csrf_token"),
            "email": self.email,
            "password": EDITOR_PASSWORD,
        }
        status, _headers, _body = self.browser.request("POST", "/connexion", fields)
        if status != 302:
            raise RuntimeError(f"connexion de {self.email} refusée ({status})")
        # Logging in starts a new session: the token comes from it.
        _status, _headers, body = self.browser.request("GET", "/redaction/jeton")
        self.csrf = json.loads(body)["csrf_token"]

    def htmx_headers(self) -> dict[str, str]:
        return {"HX-Request": "true", "X-CSRFToken": self.csrf}

    def load_version(self) -> None:
        path = f"/redaction/blocs/{self.block_id}/modifier"
        status, _headers, body = self.browser.request("GET", path, headers=self.htmx_headers())
        if status != 200:
            raise RuntimeError(f"formulaire du bloc {self.block_id} : statut {status}")
        self.version = hidden_value(body, f"bloc{self.block_id}-version")

    def save_once(self) -> None:
        """One save; on anything but a 200, read the block's version again before the next."""
        began = time.perf_counter()
        text = f"Paragraphe enregistré par l’éditeur {self.number}, sauvegarde {next(self.saves)}."
        marker = text.split(",")[1].strip()  # "sauvegarde N" appears in the returned partial
        with self.ledger.lock:
            self.ledger.attempted_saves[self.block_id].append(text)
        try:
            if self.version is None:
                self.load_version()
            status, _headers, body = self.browser.request(
                "POST",
                f"/redaction/blocs/{self.block_id}",
                {f"bloc{self.block_id}-html": text, f"bloc{self.block_id}-version": self.version},
                headers=self.htmx_headers(),
            )
        except (OSError, http.client.HTTPException, RuntimeError) as error:
            self.version = None
            self.ledger.note("save", f"error:{type(error).__name__}", began)
            return
        if status == 200 and marker in body and f"éditeur {self.number}" in body:
            with self.ledger.lock:
                self.ledger.acknowledged_saves[self.block_id].append(text)
            self.version = str(int(self.version) + 1)
            self.ledger.note("save", "acknowledged", began)
        else:
            self.version = None
            self.ledger.note("save", "conflict-409" if status == 409 else str(status), began)

    def close(self) -> None:
        self.browser.close()


class InquirySender(inquiries.Sender):
    """bench/inquiries.py's sender, remembering which inquiries were acknowledged."""

    def __init__(self, number: int, base_url: str, ledger: Ledger):
        address = urllib.parse.urlsplit(base_url)
        super().__init__(number + 1000, address.hostname, address.port)
        self.ledger = ledger
        self.last_email = ""

    def inquiry_fields(self) -> dict[str, str]:
        fields = super().inquiry_fields()
        self.last_email = fields["email"]
        return fields

    def send_once(self) -> None:
        if not self.next_form():  # each inquiry from its own rendered form
            self.ledger.note("inquiry", "error:form", time.perf_counter())
            return
        began = time.perf_counter()
        outcome = self.post_inquiry()
        if outcome == "accepted":
            with self.ledger.lock:
                self.ledger.acknowledged_inquiries.append(self.last_email)
            self.ledger.note("inquiry", "acknowledged", began)
        else:
            self.ledger.note("inquiry", outcome, began)


class Reader:
    """An anonymous reader going round the article, front, section and search pages."""

    def __init__(self, number: int, base_url: str, ledger: Ledger):
        self.browser, self.ledger = Browser(base_url), ledger
        self.paths = itertools.cycle(READER_PATHS[number % len(READER_PATHS) :] + READER_PATHS)

    def read_once(self) -> None:
        path = next(self.paths)
        kind = "read:" + (path.split("/")[1].split("?")[0] or "une")
        began = time.perf_counter()
        try:
            status, _headers, _body = self.browser.request("GET", path)
        except (OSError, http.client.HTTPException) as error:
            self.ledger.note(kind, f"error:{type(error).__name__}", began)
            return
        self.ledger.note(kind, "ok" if status == 200 else str(status), began)


def run_clients(actions, stop: threading.Event) -> list[threading.Thread]:
    """One thread per client action, looping until `stop` is set."""

    def loop(action):
        while not stop.is_set():
            action()

    threads = [threading.Thread(target=loop, args=(action,), daemon=True) for action in actions]
    for thread in threads:
        thread.start()
    return threads


# --------------------------------------------------------------------------- checking the data


def lost_writes(ledger: Ledger, database) -> list[str]:
    """What was acknowledged but is not in the database (empty list: nothing lost)."""
    problems = []
    revision_texts = set()
    for snapshot in database.revision_snapshots():
        for block in snapshot["blocks"]:
            html = block["data"].get("html")
            if html:
                revision_texts.add(html)
    blocks = database.block_texts()
    for block_id, texts in ledger.acknowledged_saves.items():
        missing = [t for t in texts if t not in revision_texts]
        if missing:
            problems.append(f"bloc {block_id} : {len(missing)} sauvegardes acquittées absentes")
        # The block holds the last acknowledged text, or a later one whose answer was lost.
        attempted = ledger.attempted_saves[block_id]
        last = texts[-1] if texts else None
        later = attempted[attempted.index(last) :] if last in attempted else attempted
        if blocks.get(block_id) not in later:
            problems.append(f"bloc {block_id} : texte final inattendu {blocks.get(block_id)!r}")
    stored = database.inquiry_emails_with_outbox()
    missing = [email for email in ledger.acknowledged_inquiries if email not in stored]
    if missing:
        problems.append(f"{len(missing)} demandes acquittées absentes (ex. {missing[0]})")
    without_email = [email for email in ledger.acknowledged_inquiries if stored.get(email) == 0]
    if without_email:
        problems.append(f"{len(without_email)} demandes sans courriel en attente")
    problems += database.integrity_problems()
    return problems


def history_lags_behind(database) -> bool:
    """True if the newest revision is not the article as stored: a save's snapshot was
    taken before a concurrent save of another block committed (restoring it would undo
    that other save). Reported, not counted as a lost write: each save is in its own
    revision."""
    rows = database._rows(LATEST_REVISION_SQL)
    if not rows:
        return False
    snapshot = rows[0][0] if isinstance(rows[0][0], dict) else json.loads(rows[0][0])
    in_history = [b["data"].get("html") for b in snapshot["blocks"] if b["kind"] == "paragraph"]
    stored = [row[0] for row in database._rows(PARAGRAPHS_SQL)]
    texts = database.block_texts()
    return in_history != [texts[block_id] for block_id in stored]


class PostgresDatabase:
    """Reads the run's results straight from PostgreSQL (not through the app)."""

    def __init__(self, url: str):
        self.url = url

    def _rows(self, sql: str):
        import psycopg

        with psycopg.connect(self.url) as connection:
            return connection.execute(sql).fetchall()

    def revision_snapshots(self) -> list[dict]:
        return [row[0] for row in self._rows("SELECT snapshot FROM revision")]

    def block_texts(self) -> dict[int, str]:
        return {row[0]: row[1].get("html") for row in self._rows("SELECT id, data FROM block")}

    def inquiry_emails_with_outbox(self) -> dict[str, int]:
        return dict(self._rows(INQUIRY_OUTBOX_SQL))

    def integrity_problems(self) -> list[str]:
        # Every row of the written tables must be readable, and the counts must agree.
        counts = self._rows(
            "SELECT (SELECT count(*) FROM revision), (SELECT count(*) FROM block),"
            " (SELECT count(*) FROM sponsorship_inquiry), (SELECT count(*) FROM outbox_message)"
        )[0]
        read = [len(self._rows(f"SELECT * FROM {table}")) for table in WRITTEN_TABLES]
        return [] if list(counts) == read else [f"comptes incohérents : {counts} / {read}"]


class SqliteDatabase:
    def __init__(self, path: str):
        self.path = path

    def _rows(self, sql: str):
        import sqlite3

        connection = sqlite3.connect(self.path, timeout=30)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    def revision_snapshots(self) -> list[dict]:
        return [json.loads(row[0]) for row in self._rows("SELECT snapshot FROM revision")]

    def block_texts(self) -> dict[int, str]:
        return {
            row[0]: json.loads(row[1]).get("html")
            for row in self._rows("SELECT id, data FROM block")
        }

    def inquiry_emails_with_outbox(self) -> dict[str, int]:
        return dict(self._rows(INQUIRY_OUTBOX_SQL))

    def integrity_problems(self) -> list[str]:
        result = self._rows("PRAGMA integrity_check")
        return [] if result == [("ok",)] else [f"PRAGMA integrity_check : {result[:5]}"]


LATEST_REVISION_SQL = "SELECT snapshot FROM revision ORDER BY id DESC LIMIT 1"
WRITTEN_TABLES = ("revision", "block", "sponsorship_inquiry", "outbox_message")
INQUIRY_OUTBOX_SQL = (
    "SELECT i.email, count(o.id) FROM sponsorship_inquiry i"
    " LEFT JOIN outbox_message o ON o.inquiry_id = i.id GROUP BY i.email"
)


# --------------------------------------------------------------------------- setting up


def paragraph_block_ids(database_rows) -> list[int]:
    return [row[0] for row in database_rows]


PARAGRAPHS_SQL = (
    "SELECT b.id FROM block b JOIN article a ON a.id = b.article_id"
    f" WHERE a.slug = '{ARTICLE_SLUG}' AND b.kind = 'paragraph' ORDER BY b.position"
)


def create_editors(env: dict[str, str], count: int) -> list[str]:
    emails = [f"editeur-{n}@soak.gazette.fr" for n in range(count)]
    for email in emails:
        completed = subprocess.run(
            [str(bench.VENV_BIN / "flask"), "--app", "app", "users", "create", email]
            + ["--role", "editor", "--password-stdin"],
            cwd=ROOT,
            env=env,
            input=EDITOR_PASSWORD + "\n",
            capture_output=True,
            text=True,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"création de {email} : {completed.stdout}{completed.stderr}")
    return emails


def start_load(base_url: str, emails: list[str], block_ids: list[int], ledger, readers, senders):
    """Log everyone in, then start every client; returns (stop event, threads, clients)."""
    if len(block_ids) < len(emails):
        raise RuntimeError(f"{len(emails)} éditeurs mais {len(block_ids)} paragraphes")
    editors = [Editor(n, base_url, email, block_ids[n], ledger) for n, email in enumerate(emails)]
    for editor in editors:
        editor.log_in()
        editor.load_version()
    inquiry_senders = [InquirySender(n, base_url, ledger) for n in range(senders)]
    for sender in inquiry_senders:
        sender.open_form()
    reading = [Reader(n, base_url, ledger) for n in range(readers)]
    stop = threading.Event()
    actions = (
        [e.save_once for e in editors]
        + [s.send_once for s in inquiry_senders]
        + [r.read_once for r in reading]
    )
    threads = run_clients(actions, stop)
    clients = [*editors, *inquiry_senders, *(r.browser for r in reading)]
    return stop, threads, clients


def stop_load(stop: threading.Event, threads, clients) -> None:
    stop.set()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT_S + 5)
    for client in clients:
        client.close()


# --------------------------------------------------------------------------- report


def print_report(ledger: Ledger, seconds: float, problems: list[str], lagging=False) -> None:
    served = ledger.served()
    print(f"\nRequêtes servies : {served} en {seconds:.0f} s ({served / seconds:.0f}/s)")
    headers = ("kind", "requests", "p50 ms", "p99 ms", "answers")
    rows = []
    for kind in sorted(ledger.statuses):
        samples = ledger.latencies[kind]
        answers = ", ".join(f"{k}: {n}" for k, n in sorted(ledger.statuses[kind].items()))
        rows.append(
            (
                kind,
                str(len(samples)),
                f"{inquiries.percentile_ms(samples, 50):.1f}",
                f"{inquiries.percentile_ms(samples, 99):.1f}",
                answers,
            )
        )
    print("\n".join(bench.format_table(headers, rows)))
    saves = sum(len(t) for t in ledger.acknowledged_saves.values())
    print(
        f"\nSauvegardes acquittées : {saves} ; demandes acquittées : "
        f"{len(ledger.acknowledged_inquiries)} ; réponses 5xx : {ledger.server_errors()}"
    )
    print(
        "Écritures perdues : aucune" if not problems else "PROBLÈMES :\n- " + "\n- ".join(problems)
    )
    if lagging:
        print(
            "Attention : la dernière révision de l’article ne reflète pas son état enregistré "
            "(sauvegardes simultanées de blocs différents)."
        )


# --------------------------------------------------------------------------- main


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def main() -> int:
    seconds = int(os.environ.get("SOAK_SECONDS", "60"))
    readers = int(os.environ.get("SOAK_READERS", "32"))
    editor_count = int(os.environ.get("SOAK_EDITORS", "4"))
    senders = int(os.environ.get("SOAK_SENDERS", "4"))
    workers = int(os.environ.get("SOAK_WORKERS", "2"))
    admin_url = os.environ.get("SOAK_POSTGRES_URL", bench.DEFAULT_POSTGRES_URL)
    redis_url = os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/13")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    cleanup = contextlib.ExitStack()
    workdir = Path(tempfile.mkdtemp(prefix="gazette-soak-"))
    cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
    try:
        try:
            name, url = bench.create_postgres_database(admin_url)
        except bench.PostgresUnavailable as error:
            print(f"soak : PostgreSQL injoignable ({error})", file=sys.stderr)
            return 1
        cleanup.callback(bench.drop_postgres_database, admin_url, name)
        flush_redis(redis_url)
        cleanup.callback(flush_redis, redis_url)
        env = {**bench.app_environment(url), **LOAD_APP_ENVIRONMENT, "REDIS_URL": redis_url}
        bench.load_demo(env)
        emails = create_editors(env, editor_count)
        database = PostgresDatabase(url)
        block_ids = [row[0] for row in database._rows(PARAGRAPHS_SQL)]
        server = bench.start_gunicorn(
            "app:create_app()", env, workers, name="soak", log_dir=workdir
        )
        cleanup.callback(server.stop)
        print(
            f"soak : {seconds} s, {readers} lecteurs, {editor_count} éditeurs, "
            f"{senders} expéditeurs, gunicorn {workers} workers, PostgreSQL + Redis"
        )
        ledger = Ledger()
        began = time.perf_counter()
        load = start_load(server.url, emails, block_ids, ledger, readers, senders)
        time.sleep(seconds)
        stop_load(*load)
        elapsed = time.perf_counter() - began
        server.stop()
        problems = lost_writes(ledger, database)
        print_report(ledger, elapsed, problems, history_lags_behind(database))
        return 1 if problems or ledger.server_errors() else 0
    except KeyboardInterrupt:
        print("\nInterrompu.", file=sys.stderr)
        return 130
    except RuntimeError as error:
        print(f"\nsoak : {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        cleanup.close()


if __name__ == "__main__":
    sys.exit(main())
