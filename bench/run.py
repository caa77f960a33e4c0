"""`make bench`: reader pages against a bare-Flask baseline, and sponsorship inquiries.

Run from the project root (the Makefile does this):

    .venv/bin/python bench/run.py
    BENCH_DURATION=5s .venv/bin/python bench/run.py      # shorter run
    BENCH_ONLY=inquiries .venv/bin/python bench/run.py   # one part only (read|inquiries|editing)
    BENCH_ONLY=caching BENCH_SIZES=1000 BENCH_DURATION=5s make bench   # issue 16, quick

How the app runs (issue 16): always under the shipped gunicorn config, `gunicorn -c
deploy/gunicorn.conf.py 'app:create_app()'`, with GAZETTE_WORKERS=BENCH_WORKERS and
GAZETTE_ACCESS_LOG empty (no access log), GAZETTE_BIND on a free port, its own
GAZETTE_SHARED_DIR and XDG_RUNTIME_DIR (gunicorn's control socket) in the run's temporary
folder, in two configurations (start_app): "sans Redis" (in-process page cache and the
memory-mapped generations file) and "avec Redis" (REDIS_URL=BENCH_REDIS_URL, its database
emptied with FLUSHDB before each server starts). The baseline (bench/baseline_app.py) runs
under bench/gunicorn_baseline.conf.py: the shipped file's server settings (workers, worker
class, keepalive, timeouts, max_requests) without its when_ready hook, no access log
either. Everything else the shipped file sets applies to the app too: max_requests (5000,
jitter 500) recycles workers during long runs; the tables say how often.

This is a benchmark, not a test: it prints numbers and never fails on them, with one
exception: the inquiry scenario exits non-zero if an accepted inquiry is missing from the
database (or one appears that was not acknowledged), or if the app answers a 5xx other
than 503, and the editing scenario if a save is not saved (a conflict or an error), because
those are correctness failures, not timings. One run:

1. creates a temporary SQLite database (`flask db upgrade` + `flask demo load`);
2. read path, cold (GAZETTE_PAGE_CACHE=0): the app sans Redis, the app avec Redis and
   the baseline serving the bytes of each page (article, front, section, author), kept
   running while wrk measures each page on the three in BENCH_ROUNDS interleaved rounds
   (bench/caching.py's measure_database, the same code as the 1,000/100,000 measure);
3. inquiries: the app sans Redis (page cache on); concurrent senders post valid
   sponsorship inquiries for the same duration (bench/inquiries.py, after the same
   warm-up), then the rows are counted directly in the database;
4. editing: the save round trip (bench/editing.py) on the app sans Redis, then on the
   app avec Redis, page cache on;
5. inquiries again on a throwaway PostgreSQL database (created, migrated, loaded with
   the demo, dropped at the end), app sans Redis; skipped with a message if PostgreSQL
   is unreachable;
6. prints the tables and writes them as JSON to bench/results/latest.json;
7. with BENCH_ONLY=all, the caching part (bench/caching.py: 1,000 and 100,000 articles,
   cold and warm, sans and avec Redis, nginx);
8. stops every process it started and removes the temporary directory.

Reader pages (wrk), what the columns mean (bench/caching.py has the details):

    r/s          requests per second over a measured run (wrk "Requests/sec"), median
                 of the rounds, for the baseline (base), the app sans / avec Redis
    p50          latency median in milliseconds, as wrk measured it (--latency), median
                 of the rounds
    %            the app's req/s as a % of the baseline's req/s in the same round,
                 median of the rounds. The baseline costs gunicorn + Flask routing +
                 sending the same bytes, so this is the share of the machine's throughput
                 left once the app does its real work (database, templates).
    target       issue 16: cold >= 30 % (search >= 15 %), warm >= 95 %; "met" or
                 "NOT MET" for each configuration
    non-2xx      responses with status >= 400 (wrk's "Non-2xx or 3xx responses") on the
                 three servers, plus socket errors in brackets if any; both should be 0,
                 otherwise the req/s of that row is measuring error pages or failures.

wrk and gunicorn share the machine's cores; that is the same for the baseline and the
app, so the ratio is more meaningful than the absolute numbers, which vary by machine.

Sponsorship inquiries (issue 4), what the columns mean:

    subm/s       POSTs answered per second, whatever the answer (all "accepted" if
                 the "other" column is empty)
    p50 / p99    latency of those POSTs in milliseconds, as the client measured them
    accepted     answers 303 to /sponsoring/merci: the inquiry was committed
    stored       rows added to sponsorship_inquiry during the run, counted with
                 sqlite3 / psycopg; must equal accepted (MISMATCH otherwise)
    other        every other answer, by status (503 = database busy, allowed but
                 reported; 500 must never happen) or by client-side error

The senders are Python threads on the same cores as gunicorn: these numbers measure the
server through a Python client, whose own CPU time is part of the cost. The app runs
with SPONSORSHIP_MIN_FILL_SECONDS=0 (so the fast posts take the real path, not the spam
quarantine), per-address and per-email limits raised out of the way, and MAIL_SERVER
empty (notifications wait in the outbox; nothing is sent, no background thread starts).

Settings (environment variables):

    BENCH_DURATION     measured run per page/database, wrk syntax (10s, 1m)  default 10s
    BENCH_WARMUP       warm-up per page/database before measuring (0: none)   default 2s
    BENCH_CONNECTIONS  concurrent connections (wrk -c)                      default 16
    BENCH_THREADS      wrk threads (wrk -t)                                 default 2
    BENCH_WORKERS      gunicorn workers, app and baseline (GAZETTE_WORKERS)  default 2
    BENCH_ROUNDS       interleaved rounds per page (read, caching)           default 3
    BENCH_REDIS_URL    Redis database of "avec Redis" (FLUSHDB: bench only)
                       default redis://127.0.0.1:6379/9
    BENCH_SENDERS      concurrent inquiry senders (threads)                 default 16
    BENCH_ONLY         read | inquiries | editing | caching | all           default all
    BENCH_SIZES        caching part: archive sizes (bench/caching.py)  default 1000,100000
    BENCH_NGINX        caching part: 0 skips the nginx measure               default 1
    BENCH_KEEP_WORKDIR 1: keep the temporary folder (servers' logs) in /tmp    default 0
    BENCH_POSTGRES_URL server for the throwaway database (trust auth)
                       default postgresql://postgres@127.0.0.1:5432/postgres

Editing (issue 3): the save round trip of a paragraph edit (POST to the returned partial),
idle and while wrk reads the article page with BENCH_CONNECTIONS connections; see
bench/editing.py for what is timed. Target: p50 under 25 ms under read load, in both
configurations (issue 16); marked "met" or "NOT MET".

Adding a scenario: anything that produces a `Result` can be appended to the read results
(e.g. a save round-trip with its own load generator); a database other than SQLite only
needs another `prepare_*` function returning the app's environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import editing  # bench/editing.py
import inquiries  # bench/inquiries.py: this script's folder comes first on sys.path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
RESULTS_FILE = BENCH_DIR / "results" / "latest.json"
VENV_BIN = ROOT / ".venv" / "bin"

ARTICLE_PATH = "/article/poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"
SECTION_PATH = "/rubrique/international"

PARTS = ("read", "inquiries", "editing", "caching", "all")
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# A Redis database of its own: it is emptied (FLUSHDB) before each "avec Redis" server.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"

# The app always runs under the shipped gunicorn settings; the baseline under the same
# server settings without the app (bench/gunicorn_baseline.conf.py).
DEPLOY_CONF = ROOT / "deploy" / "gunicorn.conf.py"
BASELINE_CONF = BENCH_DIR / "gunicorn_baseline.conf.py"
APP_SPEC = "app:create_app()"
# The app's two configurations on one machine: the default in-process page cache with
# the memory-mapped generations file, or everything shared in Redis (REDIS_URL).
SANS_REDIS = "sans Redis"
AVEC_REDIS = "avec Redis"
CONFIGURATIONS = (SANS_REDIS, AVEC_REDIS)

# The app's settings for the inquiry scenario: fast posts take the real path (not the spam
# quarantine), the rate limits stay out of the way, and no email leaves the machine.
# (OUTBOX_SEND_AFTER_RESPONSE is not read from the environment; without MAIL_SERVER the
# app never starts a background send, so it does not matter here.)
INQUIRY_APP_ENVIRONMENT = {
    "SPONSORSHIP_MIN_FILL_SECONDS": "0",
    "SPONSORSHIP_LIMIT_PER_ADDRESS": "1000000 per hour",
    "SPONSORSHIP_LIMIT_PER_EMAIL": "1000000 per hour",
    "MAIL_SERVER": "",
}

STARTUP_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Settings:
    duration_s: int
    warmup_s: int
    connections: int
    threads: int
    workers: int
    senders: int
    only: str  # one of PARTS
    postgres_url: str
    rounds: int = 3
    redis_url: str = DEFAULT_REDIS_URL

    @classmethod
    def from_env(cls) -> Settings:
        only = os.environ.get("BENCH_ONLY", "all").strip().lower() or "all"
        if only not in PARTS:
            raise SystemExit(f"bench: BENCH_ONLY={only!r} inconnu ({', '.join(PARTS)})")
        return cls(
            duration_s=parse_duration(os.environ.get("BENCH_DURATION", "10s")),
            warmup_s=parse_duration(os.environ.get("BENCH_WARMUP", "2s")),
            connections=int(os.environ.get("BENCH_CONNECTIONS", "16")),
            threads=int(os.environ.get("BENCH_THREADS", "2")),
            workers=int(os.environ.get("BENCH_WORKERS", "2")),
            senders=int(os.environ.get("BENCH_SENDERS", "16")),
            only=only,
            postgres_url=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
            rounds=max(1, int(os.environ.get("BENCH_ROUNDS", "3"))),
            redis_url=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        )

    def runs(self, part: str) -> bool:
        return self.only in (part, "all")


def parse_duration(text: str) -> int:
    """'10s', '10', '1m', '1h' -> seconds (wrk's own duration syntax)."""
    match = re.fullmatch(r"\s*(\d+)\s*([smh]?)\s*", text)
    if not match:
        raise SystemExit(f"bench: durée invalide {text!r} (exemples : 10s, 1m)")
    return int(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[match[2]]


# --------------------------------------------------------------------------- processes


@dataclass
class Server:
    """A gunicorn master running in its own process group, and where to reach it."""

    name: str
    url: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(pas de journal)"

    def stop(self) -> None:
        stop_process_group(self.process)


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGINT (gunicorn's quick shutdown) to the whole group, then SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGINT, STOP_TIMEOUT_S), (signal.SIGKILL, STOP_TIMEOUT_S)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait_s)
            break
        except subprocess.TimeoutExpired:
            continue
    # Workers left behind by a master that died first would still hold the group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    app_spec: str,
    env: dict[str, str],
    workers: int = 2,
    *,
    name: str,
    cwd: Path = ROOT,
    log_dir: Path,
    conf: Path | None = None,
) -> Server:
    """Start gunicorn on a free port; wait until it answers.

    Without `conf`: `gunicorn -w WORKERS -b … app_spec` (sync workers, gunicorn's defaults).
    With `conf`: `gunicorn -c CONF app_spec`, the address, the worker count and "no access
    log" given as GAZETTE_BIND, GAZETTE_WORKERS and GAZETTE_ACCESS_LOG (config.py's
    gunicorn_settings), every other setting as the file has it.
    """
    port = free_port()
    log_path = log_dir / f"gunicorn-{name}.log"
    if conf is None:
        options = ["-w", str(workers), "-b", f"127.0.0.1:{port}"]
    else:
        options = ["-c", str(conf)]
        # gunicorn >= 24 opens a control socket in $XDG_RUNTIME_DIR (else ~/.gunicorn/): one
        # folder per server, so that servers running side by side do not share one path.
        runtime = log_dir / f"runtime-{name}"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env = {
            **env,
            "GAZETTE_BIND": f"127.0.0.1:{port}",
            "GAZETTE_WORKERS": str(workers),
            "GAZETTE_ACCESS_LOG": "",
            "XDG_RUNTIME_DIR": str(runtime),
        }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), *options, app_spec],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: killed as a whole, immune to Ctrl-C
        )
    server = Server(name=name, url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        wait_until_up(server)
    except BaseException:
        server.stop()
        raise
    return server


def start_app(env: dict[str, str], settings: Settings, *, config: str, name: str, log_dir: Path):
    """The app under deploy/gunicorn.conf.py, in one of CONFIGURATIONS.

    Each server gets its own GAZETTE_SHARED_DIR (generations file, rate-limit counters)
    and page-cache folder in log_dir; "avec Redis" empties its Redis database first.
    """
    env = {key: value for key, value in env.items() if key != "REDIS_URL"}
    folder = log_dir / f"shared-{name}"
    env |= {"GAZETTE_SHARED_DIR": str(folder), "GAZETTE_CACHE_DIR": str(folder / "page-cache")}
    if config == AVEC_REDIS:
        flush_redis(settings.redis_url)
        env["REDIS_URL"] = settings.redis_url
    elif config != SANS_REDIS:
        raise ValueError(f"configuration inconnue : {config!r}")
    return start_gunicorn(
        APP_SPEC, env, settings.workers, name=name, log_dir=log_dir, conf=DEPLOY_CONF
    )


def flush_redis(url: str) -> None:
    """FLUSHDB on the bench's own Redis database; RuntimeError if Redis cannot be reached."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=5)
        client.flushdb()
        client.close()
    except redis.RedisError as error:
        raise RuntimeError(f"Redis injoignable ({url}) : {error}") from None


def worker_boots(server: Server) -> int:
    """How many workers the master has started so far (workers at start + recycled ones)."""
    try:
        return server.log_path.read_text(errors="replace").count("Booting worker")
    except OSError:
        return 0


def wait_until_up(server: Server, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"gunicorn ({server.name}) s’est arrêté au démarrage :\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(server.url + "/", timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers, even if not with a 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn ({server.name}) ne répond pas après {timeout_s} s :\n{server.log_tail()}"
    )


# --------------------------------------------------------------------------- database


def run_flask(args: list[str], env: dict[str, str]) -> None:
    completed = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "app", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"`flask --app app {' '.join(args)}` a échoué ({completed.returncode}) :\n"
            f"{completed.stdout}{completed.stderr}"
        )


def app_environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        **INQUIRY_APP_ENVIRONMENT,
        "DATABASE_URL": database_url,
        "SECRET_KEY": os.urandom(32).hex(),
    }


def load_demo(env: dict[str, str]) -> None:
    run_flask(["db", "upgrade"], env)
    run_flask(["demo", "load"], env)


def prepare_sqlite(workdir: Path) -> dict[str, str]:
    """A fresh SQLite database with the demo content; returns the app's environment."""
    env = app_environment(f"sqlite:///{workdir / 'gazette.db'}")
    load_demo(env)
    return env


def sqlite_path(env: dict[str, str]) -> str:
    return env["DATABASE_URL"].removeprefix("sqlite:///")


class PostgresUnavailable(Exception):
    """The PostgreSQL server cannot be reached or refuses to create a database."""


def create_postgres_database(admin_url: str) -> tuple[str, str]:
    """CREATE DATABASE gazette_bench_<random> on the server; (its name, its URL)."""
    import psycopg

    name = f"gazette_bench_{os.urandom(4).hex()}"
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        raise PostgresUnavailable(str(error).strip().splitlines()[0]) from None
    return name, urllib.parse.urlsplit(admin_url)._replace(path=f"/{name}").geturl()


def drop_postgres_database(admin_url: str, name: str) -> None:
    """DROP DATABASE … WITH (FORCE): gone even if a connection lingers."""
    import psycopg

    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except psycopg.Error as error:
        print(f"bench : impossible de supprimer la base {name} : {error}", file=sys.stderr)


# --------------------------------------------------------------------------- pages


@dataclass
class Page:
    status: int
    content_type: str
    body: bytes
    page_cache: str = ""  # the X-Page-Cache header ("hit", "miss" or absent)


def fetch(url: str) -> Page:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            headers = response.headers
            body = response.read()
            return Page(response.status, headers.get("Content-Type", ""), body,
                        headers.get("X-Page-Cache", ""))  # fmt: skip
    except urllib.error.HTTPError as error:
        return Page(error.code, error.headers.get("Content-Type", ""), error.read(),
                    error.headers.get("X-Page-Cache", ""))  # fmt: skip


def author_path(article_html: str, env: dict[str, str]) -> str:
    """The article's author page, as linked from the article (the demo author's slug may change)."""
    match = re.search(r'href="(/auteur/[^"?#]+)"', article_html)
    if match:
        return match[1]
    # No byline link: ask the database who wrote the article.
    import sqlite3

    with sqlite3.connect(sqlite_path(env)) as connection:
        row = connection.execute(
            'SELECT u.slug FROM "user" u JOIN article a ON a.author_id = u.id WHERE a.slug = ?',
            (ARTICLE_PATH.rsplit("/", 1)[1],),
        ).fetchone()
    if row is None:
        raise RuntimeError("impossible de trouver l’auteur de l’article de démonstration")
    return f"/auteur/{row[0]}"


# --------------------------------------------------------------------------- wrk


@dataclass
class Result:
    page: str
    url: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    requests: int
    duration_s: float
    body_bytes: int | None = None
    ratio_to_baseline: float | None = None  # filled in by main(), in %
    extra: dict = field(default_factory=dict)


TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def to_ms(value: str, unit: str) -> float:
    return float(value) * TIME_UNITS_MS[unit]


def run_wrk(
    url: str, duration_s: int, connections: int, threads: int = 2, *, page: str = ""
) -> Result:
    """One wrk run with --latency; the parsed numbers."""
    command = [
        wrk_binary(),
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{duration_s}s",
        "--latency",
        url,
    ]
    completed = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(
            f"wrk a échoué ({completed.returncode}) :\n{completed.stdout}{completed.stderr}"
        )
    try:
        return parse_wrk(completed.stdout, page=page or url, url=url)
    except ValueError as error:
        raise RuntimeError(f"sortie de wrk illisible ({error}) :\n{completed.stdout}") from None


def parse_wrk(output: str, *, page: str, url: str) -> Result:
    """Parse `wrk --latency` output. wrk omits the error lines when there are none."""

    def required(pattern: str) -> re.Match:
        match = re.search(pattern, output, re.MULTILINE)
        if not match:
            raise ValueError(f"motif introuvable : {pattern}")
        return match

    unit = r"(us|ms|s|m|h)"
    p50 = required(rf"^\s*50(?:\.0+)?%\s+([\d.]+){unit}\s*$")
    p99 = required(rf"^\s*99(?:\.0+)?%\s+([\d.]+){unit}\s*$")
    rps = required(r"^Requests/sec:\s+([\d.]+)")
    total = required(rf"^\s*(\d+) requests in ([\d.]+){unit}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return Result(
        page=page,
        url=url,
        requests_per_s=float(rps[1]),
        p50_ms=to_ms(p50[1], p50[2]),
        p99_ms=to_ms(p99[1], p99[2]),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
        requests=int(total[1]),
        duration_s=to_ms(total[2], total[3]) / 1000,
    )


def wrk_binary() -> str:
    path = shutil.which("wrk") or ("/usr/bin/wrk" if Path("/usr/bin/wrk").exists() else None)
    if path is None:
        raise SystemExit("bench: wrk est introuvable (apt-get install -y wrk)")
    return path


def measure(page: str, url: str, settings: Settings) -> Result:
    """Warm up, then the measured wrk run; the page's body size comes from one plain GET."""
    body = fetch(url)
    if body.status != 200:
        print(f"  ! {page} répond {body.status}, mesuré quand même", file=sys.stderr)
    if settings.warmup_s:
        run_wrk(url, settings.warmup_s, settings.connections, settings.threads, page=page)
    print(f"  {page:<10} {url}", file=sys.stderr, flush=True)
    result = run_wrk(url, settings.duration_s, settings.connections, settings.threads, page=page)
    result.body_bytes = len(body.body)
    return result


# --------------------------------------------------------------------------- read path


def measure_read_path(env: dict[str, str], settings: Settings, workdir: Path, cleanup) -> dict:
    """Issue 2's pages on the demo database, cold (no page cache): the baseline and the app
    sans and avec Redis, interleaved in rounds, as bench/caching.py measures every size."""
    import caching

    pages = [
        ("article", ARTICLE_PATH),
        ("front", "/"),
        ("section", SECTION_PATH),
        ("author", author_path("", env)),
    ]
    print(
        f"wrk -t{settings.threads} -c{settings.connections} -d{settings.duration_s}s "
        f"(warm-up {settings.warmup_s}s), {settings.rounds} tours, "
        f"gunicorn -c deploy/gunicorn.conf.py, {settings.workers} workers :",
        file=sys.stderr,
        flush=True,
    )
    return caching.measure_database(
        env, pages, settings, workdir, cleanup, label="démo", modes=("cold",)
    )


# --------------------------------------------------------------------------- inquiries


def measure_inquiry_path(
    database: str, app: Server, settings: Settings, count_rows
) -> inquiries.InquiryResult:
    print(
        f"demandes de sponsoring ({database}) : {settings.senders} expéditeurs, "
        f"{settings.duration_s}s (warm-up {settings.warmup_s}s)",
        file=sys.stderr,
        flush=True,
    )
    return inquiries.measure_inquiries(
        database,
        app.url,
        senders=settings.senders,
        duration_s=settings.duration_s,
        warmup_s=settings.warmup_s,
        count_rows=count_rows,
    )


# --------------------------------------------------------------------------- editing


def measure_editing_path(app: Server, settings: Settings, config: str) -> list:
    """Paragraph saves by one editor, idle then under wrk's read load (bench/editing.py)."""
    print(
        f"enregistrements d’un paragraphe ({config}) : {settings.duration_s}s seul, puis "
        f"{settings.duration_s}s pendant wrk -c{settings.connections} sur la page article",
        file=sys.stderr,
        flush=True,
    )
    url = app.url + ARTICLE_PATH
    return editing.measure_editing(
        app.url,
        ARTICLE_PATH,
        duration_s=settings.duration_s,
        warmup_s=settings.warmup_s,
        read_load=lambda seconds: run_wrk(
            url, seconds, settings.connections, settings.threads, page="article"
        ),
        config=config,
    )


def run_postgres(settings: Settings, workdir: Path, report: Report, cleanup) -> None:
    """The inquiry scenario on a throwaway PostgreSQL database, dropped at the end."""
    try:
        name, url = create_postgres_database(settings.postgres_url)
    except PostgresUnavailable as error:
        report.skipped.append(f"PostgreSQL skipped: {settings.postgres_url} ({error})")
        return
    # Registered before the server, so the server stops first, then the database goes.
    cleanup.callback(drop_postgres_database, settings.postgres_url, name)
    print(f"Base PostgreSQL {name}…", file=sys.stderr, flush=True)
    env = app_environment(url)
    load_demo(env)
    app = start_app(env, settings, config=SANS_REDIS, name="app-postgres", log_dir=workdir)
    cleanup.callback(app.stop)
    count_rows = inquiries.postgres_row_counter(url)
    report.inquiry_results.append(measure_inquiry_path("PostgreSQL", app, settings, count_rows))


def run_sqlite(settings: Settings, workdir: Path, report: Report, cleanup) -> None:
    """Read path, inquiries, then edits in both configurations, on a fresh SQLite database.

    Every app runs under deploy/gunicorn.conf.py (start_app). Inquiries run sans Redis
    (page cache on, as shipped); edits run sans Redis then avec Redis, page cache on.
    """
    print("Base SQLite de démonstration…", file=sys.stderr, flush=True)
    env = prepare_sqlite(workdir)
    if settings.runs("read"):
        # Issue 2's measure: every page rendered, no page cache (the caching part
        # measures the cache, cold and warm, at 1,000 and 100,000 articles).
        report.read = measure_read_path(env, settings, workdir, cleanup)
    if settings.runs("editing"):
        editing.create_editor(VENV_BIN / "flask", ROOT, env)
    for config in CONFIGURATIONS:
        wanted = settings.runs("editing") or (config == SANS_REDIS and settings.runs("inquiries"))
        if not wanted:
            continue
        app = start_app(env, settings, config=config, name=f"app-{config[:4]}", log_dir=workdir)
        cleanup.callback(app.stop)
        if config == SANS_REDIS and settings.runs("inquiries"):
            count_rows = inquiries.sqlite_row_counter(sqlite_path(env))
            report.inquiry_results.append(measure_inquiry_path("SQLite", app, settings, count_rows))
        if settings.runs("editing"):
            report.editing += measure_editing_path(app, settings, config)
        app.stop()


# --------------------------------------------------------------------------- report


@dataclass
class Report:
    read: dict = field(default_factory=dict)  # caching.measure_database's entry
    inquiry_results: list[inquiries.InquiryResult] = field(default_factory=list)
    editing: list[editing.EditingResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def failures(self) -> list[str]:
        """Correctness failures of the inquiry and editing scenarios, one line each."""
        lines = []
        for r in self.inquiry_results:
            if r.accepted != r.stored:
                lines.append(f"MISMATCH ({r.database}): {r.accepted} accepted, {r.stored} stored")
            warmup = r.warmup
            if warmup.get("accepted") != warmup.get("stored"):
                lines.append(
                    f"MISMATCH ({r.database}, warm-up): {warmup['accepted']} accepted, "
                    f"{warmup['stored']} stored"
                )
            if r.server_errors:
                lines.append(f"SERVER ERRORS ({r.database}): {r.server_errors} réponses 5xx")
        return lines + editing.failures(self.editing)


def format_table(headers: tuple[str, ...], rows: list[tuple]) -> list[str]:
    """First column left-aligned, the others right-aligned, two spaces between."""
    widths = [max(len(str(row[i])) for row in (headers, *rows)) for i in range(len(headers))]

    def line(cells) -> str:
        first, *rest = cells
        return "  ".join(
            [f"{first:<{widths[0]}}"] + [f"{c:>{w}}" for c, w in zip(rest, widths[1:], strict=True)]
        )

    return [line(headers), line("-" * w for w in widths), *(line(row) for row in rows)]


def print_inquiry_table(results: list[inquiries.InquiryResult]) -> None:
    headers = ("database", "senders", "subm/s", "p50 ms", "p99 ms", "accepted", "stored", "other")
    rows = [
        (
            r.database,
            str(r.senders),
            f"{r.submissions_per_s:.1f}",
            f"{r.p50_ms:.2f}",
            f"{r.p99_ms:.2f}",
            str(r.accepted),
            str(r.stored),
            ", ".join(f"{key}: {n}" for key, n in r.other.items()) or "0",
        )
        for r in results
    ]
    print("\n".join(format_table(headers, rows)))
    for r in results:
        quarantined = r.stored_by_status.get("spam", 0)
        if quarantined:
            print(f"Attention ({r.database}) : {quarantined} demandes rangées en spam.")


def print_report(report: Report, settings: Settings) -> None:
    if report.read:
        import caching

        title = "Pages de lecture, base de démonstration (sans cache de pages)"
        caching.print_entry(title, report.read, None, settings.workers)
    if report.inquiry_results or report.skipped:
        print("\nDemandes de sponsoring")
    if report.inquiry_results:
        print_inquiry_table(report.inquiry_results)
    for line in report.skipped + report.failures():
        print(line)
    if report.editing:
        print(
            "\nEnregistrement d’un paragraphe (SQLite, deploy/gunicorn.conf.py ; "
            "lectures : wrk sur la page article)"
        )
        editing.print_editing_table(report.editing, format_table)


def git_commit() -> str | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return None
    return completed.stdout.strip() or None


def write_json(report: Report, settings: Settings, path: Path = RESULTS_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {**asdict(settings), "postgres_url": None},  # no address in results
        "results": report.read,
        "inquiries": [
            {**asdict(r), "mismatch": r.mismatch, "server_errors": r.server_errors}
            for r in report.inquiry_results
        ],
        "editing": [asdict(r) for r in report.editing],
        "skipped": report.skipped,
        "failures": report.failures(),
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- main


def main() -> int:
    settings = Settings.from_env()
    if settings.only == "caching":  # page cache, 100,000 articles, nginx: bench/caching.py
        import caching

        return caching.main()
    if settings.runs("read") or settings.runs("editing"):
        wrk_binary()
    # Ctrl-C raises KeyboardInterrupt; make `kill` unwind through the finally blocks too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    cleanup = contextlib.ExitStack()  # servers to stop, databases to drop (last in, first out)
    workdir = Path(tempfile.mkdtemp(prefix="gazette-bench-"))
    if os.environ.get("BENCH_KEEP_WORKDIR") != "1":  # 1: keep the servers' logs
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
    report = Report()
    try:
        run_sqlite(settings, workdir, report, cleanup)
        if settings.runs("inquiries"):
            run_postgres(settings, workdir, report, cleanup)
        print_report(report, settings)
        write_json(report, settings)
        print(f"\n-> {RESULTS_FILE.relative_to(ROOT)}")
        if settings.only == "all":
            import caching

            caching.measure_caching(settings, workdir, cleanup)
        return 1 if report.failures() else 0
    except KeyboardInterrupt:
        print("\nInterrompu.", file=sys.stderr)
        return 130
    except RuntimeError as error:
        print(f"\nbench : {error}", file=sys.stderr)
        return 1
    finally:
        # Cleanup must finish: a second Ctrl-C or a `kill` must not leave servers behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cleanup.close()


if __name__ == "__main__":
    sys.exit(main())
