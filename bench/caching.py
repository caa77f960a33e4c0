"""Reader pages at 1,000 and 100,000 articles, cold and warm: baseline, app sans / avec Redis.

    BENCH_ONLY=caching BENCH_SIZES=1000 BENCH_DURATION=5s make bench     # quick: ~1k only
    BENCH_ONLY=caching .venv/bin/python bench/run.py                   # the same, no make
    .venv/bin/python bench/caching.py                                  # the same, directly

`make bench` (BENCH_ONLY=all) runs this part after the others.

What runs (issue 16): every app measurement is the app under the shipped gunicorn config,
`gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`, with GAZETTE_WORKERS=BENCH_WORKERS
(2) and GAZETTE_ACCESS_LOG empty (no access log), in two configurations:

    sans Redis   the default on one machine: page cache in each worker's memory, checked
                 against the memory-mapped generations file (GAZETTE_SHARED_DIR, one
                 folder per server in the run's temporary directory)
    avec Redis   REDIS_URL=BENCH_REDIS_URL (default redis://127.0.0.1:6379/9, a database
                 of its own: FLUSHDB before each server starts)

next to the bare-Flask baseline (bench/baseline_app.py) under bench/gunicorn_baseline.conf.py:
the shipped file's server settings (workers, sync worker class, keepalive, timeouts, worker
recycling, no access log) without its when_ready hook. Per-page baselines: the baseline
serves, at each measured address, the exact bytes the app sent for it (fetched once from
the "sans Redis" server when the servers start), so each page's ratio compares the app
with bare Flask sending that page's body.

For each size (BENCH_SIZES, default 1000,100000):

1. a SQLite database: `flask db upgrade`, `demo load`, `demo generate --articles N
   --seed 1` (tags: one per 20 articles, so 5,000 at 100,000). Generating 100,000
   articles takes minutes, so the file is kept in bench/.cache/ (git-ignored), named
   after the migrations and the generator's code and phrase banks;
2. for each mode, cold (GAZETTE_PAGE_CACHE=0: every request renders) then warm (page
   cache on), the three servers are started once and kept running for the whole mode;
3. for each page: article, front (curated: `demo generate` pins a lead and featured
   stories and picks section blocks when nobody has), section (first page, and the 500th
   page or the last one when the section has fewer), tag (the most used: first page and
   500th or last page), author (the most prolific), search (a broad word):
   - on each server, one GET (status), then a wrk warm-up of BENCH_WARMUP, then one GET
     whose X-Page-Cache header must say "hit" when warm (a warning is printed otherwise,
     and again if a GET after the rounds does not say it), and must not when cold;
   - BENCH_ROUNDS rounds (default 3), each one wrk run of BENCH_DURATION on the baseline,
     then the app sans Redis, then the app avec Redis;
4. the table: the median over the rounds of req/s and p50 for each server, and for each
   configuration the median over the rounds of its req/s as a % of the baseline's req/s
   measured in the same round; the target of the page and whether each configuration
   meets it; at sizes above 1,000 the page's p50 over its p50 at 1,000 (same mode and
   configuration; target at most 1.2x). When 1,000 is not part of this run, the 1,000
   numbers come from bench/results/caching-1000.json (the last run that measured it; its
   date and commit are printed);
5. peak RSS (VmHWM) of each configuration's workers, and how many workers the masters
   started (more than BENCH_WORKERS means workers were recycled during the mode: the
   shipped max_requests; an in-process cache starts empty in a recycled worker).

Then, once, the article page through the sample nginx config (deploy/nginx/gazette.conf,
proxy_cache in front of the warm app sans Redis) against nginx serving a static copy of
the same bytes (BENCH_NGINX=0 skips it).

Targets (issue 16), printed next to the numbers, "met" or "NOT MET"; nothing fails the
bench on a timing:

    cold   article, front, section, tag, author pages (deep pages too) >= 30 % of baseline
           search >= 15 %
           at 100,000 articles, each page's p50 within 1.2x of its p50 at 1,000
    warm   every reader page >= 95 % of baseline, in both configurations

Settings (environment variables, with run.py's BENCH_DURATION, BENCH_WARMUP,
BENCH_CONNECTIONS, BENCH_THREADS, BENCH_WORKERS):

    BENCH_SIZES       archive sizes, comma-separated             default 1000,100000
    BENCH_ROUNDS      interleaved rounds per page                default 3
    BENCH_REDIS_URL   Redis database of the "avec Redis" servers default redis://127.0.0.1:6379/9
    BENCH_NGINX       0: skip the nginx measure                  default 1

Time: per size, 2 modes x 8 pages x 3 servers x (BENCH_WARMUP + BENCH_ROUNDS x
BENCH_DURATION), plus server starts: with 5s and 3 rounds, about 15 minutes per size.
Results: printed, and under the "caching" key of bench/results/latest.json and in
bench/results/caching-<size>.json.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import run  # bench/run.py: processes, wrk, baseline, tables

ROOT = run.ROOT
CACHE_DIR = run.BENCH_DIR / ".cache"
NGINX_SAMPLE = ROOT / "deploy" / "nginx" / "gazette.conf"
DEEP_PAGE = 500
SEARCH_WORD = "gouvernement"
SEED = "1"
REFERENCE_SIZE = 1000  # "p50 vs 1k"
SCALE_TARGET = 1.2
BASELINE = "baseline"
MODES = ("cold", "warm")

sys.path.insert(0, str(ROOT))
from models.listing import Cursor  # noqa: E402


def sizes_from_env() -> list[int]:
    raw = os.environ.get("BENCH_SIZES", "1000,100000")
    try:
        return sorted({int(part) for part in raw.split(",") if part.strip()})
    except ValueError:
        raise SystemExit(f"bench: BENCH_SIZES={raw!r} invalide (exemple : 1000,100000)") from None


# --------------------------------------------------------------------------- databases


@functools.cache  # once per run: other work may add a migration while this one runs
def schema_fingerprint() -> str:
    """Changes when a migration or the generator changes: then the cached file is rebuilt."""
    digest = hashlib.blake2b(digest_size=6)
    files = sorted((ROOT / "migrations" / "versions").glob("*.py"))
    files += [ROOT / "demo" / name for name in ("generate.py", "load.py", "phrases.json")]
    for path in files:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def prepared_database(size: int, workdir: Path) -> Path:
    """A copy (in workdir) of the generated database of this size, built once and kept."""
    kept = CACHE_DIR / f"gazette-{schema_fingerprint()}-{size}.db"
    if not kept.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        for older in CACHE_DIR.glob(f"gazette-*-{size}.db"):
            older.unlink()  # built for migrations that have changed since
        building = kept.with_suffix(".building")
        building.unlink(missing_ok=True)
        print(f"Génération de {size} articles (gardée dans {kept.name})…", file=sys.stderr)
        env = run.app_environment(f"sqlite:///{building}")
        run.load_demo(env)
        run.run_flask(["demo", "generate", "--articles", str(size), "--seed", SEED], env)
        with sqlite3.connect(building) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        building.rename(kept)
        for leftover in CACHE_DIR.glob("*.building*"):
            leftover.unlink()
    copy = workdir / f"gazette-{size}.db"
    shutil.copyfile(kept, copy)
    return copy


def targets(database: Path, per_page: int = 10) -> list[tuple[str, str]]:
    """(name, path) of each page to measure, read from the database."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    live = "a.status = 'published' AND a.published_at <= ?"
    with sqlite3.connect(database) as connection:
        author = connection.execute(
            f'SELECT u.slug FROM article a JOIN "user" u ON u.id = a.author_id WHERE {live} '
            "GROUP BY u.id ORDER BY count(*) DESC LIMIT 1",
            (now,),
        ).fetchone()[0]
        section_id, section_slug = connection.execute(
            "SELECT s.id, s.slug FROM section s WHERE s.parent_id IS NULL ORDER BY "
            f"(SELECT count(*) FROM article a WHERE a.section_id = s.id AND {live}) DESC LIMIT 1",
            (now,),
        ).fetchone()
        ids = [section_id] + [
            row[0]
            for row in connection.execute(
                "SELECT id FROM section WHERE parent_id = ?", (section_id,)
            )
        ]
        marks = ",".join("?" * len(ids))
        section_page, section_cursor = deep_page(
            connection,
            f"FROM article a WHERE a.section_id IN ({marks}) AND {live}",
            "a.published_at",
            "a.id",
            (*ids, now),
            per_page,
        )
        # The most used tag: the one whose page reads the longest range of article_tag.
        tag_id, tag_slug = connection.execute(
            "SELECT t.id, t.slug FROM tag t JOIN article_tag x ON x.tag_id = t.id "
            f"JOIN article a ON a.id = x.article_id WHERE {live} "
            "GROUP BY t.id ORDER BY count(*) DESC, t.id LIMIT 1",
            (now,),
        ).fetchone()
        tag_page, tag_cursor = deep_page(
            connection,
            f"FROM article_tag x JOIN article a ON a.id = x.article_id WHERE x.tag_id = ? AND {live}",
            "x.published_at",
            "x.article_id",
            (tag_id, now),
            per_page,
        )
    return [
        ("article", run.ARTICLE_PATH),
        ("front", "/"),
        ("section", f"/rubrique/{section_slug}"),
        (f"section p{section_page}", f"/rubrique/{section_slug}?avant={section_cursor}"),
        ("tag", f"/sujet/{tag_slug}"),
        (f"tag p{tag_page}", f"/sujet/{tag_slug}?avant={tag_cursor}"),
        ("author", f"/auteur/{author}"),
        ("search", f"/recherche?q={SEARCH_WORD}"),
    ]


def deep_page(connection, rows_sql: str, at: str, key: str, params: tuple, per_page: int):
    """(page number, cursor) of the DEEP_PAGE-th page of a list, or of its last page when
    it has fewer: the cursor is the last row of the page before, as "Articles plus anciens"
    links to it. `rows_sql` is the list's FROM … WHERE, `at`/`key` its keyset columns."""
    count = connection.execute(f"SELECT count(*) {rows_sql}", params).fetchone()[0]
    page = max(2, min(DEEP_PAGE, (count + per_page - 1) // per_page))
    published_at, article_id = connection.execute(
        f"SELECT {at}, {key} {rows_sql} ORDER BY {at} DESC, {key} DESC LIMIT 1 OFFSET ?",
        (*params, (page - 1) * per_page - 1),
    ).fetchone()
    return page, Cursor(datetime.fromisoformat(published_at), article_id)


# --------------------------------------------------------------------------- targets


def target_pct(mode: str, page: str) -> float:
    """Issue 16: cold >= 30 % (search >= 15 %), warm >= 95 % of the baseline."""
    if mode == "warm":
        return 95.0
    return 15.0 if page == "search" else 30.0


def mark(met: bool) -> str:
    return "met" if met else "NOT MET"


# --------------------------------------------------------------------------- measuring


def slug(config: str) -> str:
    return config.replace(" ", "-").lower()


def start_servers(env, pages, settings, workdir: Path, cleanup, *, label: str, mode: str):
    """The app sans Redis, the app avec Redis, then the baseline serving the bytes the app
    sans Redis sent for each page: ({name: Server} in measuring order, restart), where
    restart(name) starts that server again, the same way (after a stop from outside)."""
    env = env | {"GAZETTE_PAGE_CACHE": "0" if mode == "cold" else "1"}
    starts = {name: 0 for name in (BASELINE, *run.CONFIGURATIONS)}
    bodies = []

    def start(name: str):
        starts[name] += 1
        again = f"-{starts[name]}" if starts[name] > 1 else ""
        if name == BASELINE:
            server = start_baseline(
                bodies, settings, workdir, name=f"baseline-{label}-{mode}{again}"
            )
        else:
            server = run.start_app(env, settings, config=name, log_dir=workdir,
                                   name=f"{label}-{mode}-{slug(name)}{again}")  # fmt: skip
        cleanup.callback(server.stop)
        return server

    apps = {config: start(config) for config in run.CONFIGURATIONS}
    for name, path in pages:
        page = run.fetch(apps[run.SANS_REDIS].url + path)
        if page.status != 200:
            print(f"  ! {name} répond {page.status}, mesuré quand même", file=sys.stderr)
        bodies.append((path, page))
    return {BASELINE: start(BASELINE), **apps}, start


def start_baseline(bodies: list[tuple[str, run.Page]], settings, workdir: Path, *, name: str):
    """bench/baseline_app.py under bench/gunicorn_baseline.conf.py, serving each page's bytes
    at its address; checks that it sends them back."""
    folder = workdir / name
    folder.mkdir(exist_ok=True)
    index = []
    for number, (path, page) in enumerate(bodies):
        body_file = folder / f"page-{number}.html"
        body_file.write_bytes(page.body)
        index.append([path, str(body_file), page.content_type])
    (folder / "pages.json").write_text(json.dumps(index))
    env = dict(os.environ, BENCH_BASELINE_PAGES=str(folder / "pages.json"))
    server = run.start_gunicorn(
        "baseline_app:app",
        env,
        settings.workers,
        name=name,
        cwd=run.BENCH_DIR,
        log_dir=workdir,
        conf=run.BASELINE_CONF,
    )
    for path, page in bodies:
        if run.fetch(server.url + path).body != page.body:
            server.stop()
            raise RuntimeError(f"la baseline ne renvoie pas les mêmes octets que {path}")
    return server


class ServerGone(RuntimeError):
    """A server of the run has exited (stopped from outside: nothing here stops it early)."""

    def __init__(self, name: str, server: run.Server):
        super().__init__(f"{server.name} s’est arrêté :\n{server.log_tail(5)}")
        self.name = name
        self.server = server


def why(server: run.Server) -> str:
    """The log line saying which signal stopped the master, else the log's last line."""
    lines = server.log_tail(40).splitlines() or ["(journal vide)"]
    signals = [line for line in lines if "Handling signal" in line]
    return (signals or lines)[-1].strip()


def check_alive(servers: dict) -> None:
    for name, server in servers.items():
        if server.process.poll() is not None:
            raise ServerGone(name, server)


RETRIES = 2  # a page is measured again, on a restarted server, at most this many times


def measure_mode(env, pages, settings, workdir: Path, cleanup, *, label: str, mode: str):
    """Every page of one mode, the three servers interleaved; (page summaries, server facts).

    A server that exits during a page (a signal from another process: the log says
    "Handling signal") is started again and the page measured again from its warm-up;
    each such restart is listed in the facts ("restarts") and printed with the table.
    """
    servers, start = start_servers(env, pages, settings, workdir, cleanup, label=label, mode=mode)
    restarts: list[str] = []
    try:
        print(f"  — {label}, {mode}", file=sys.stderr, flush=True)
        rows = []
        for name, path in pages:
            for attempt in range(RETRIES + 1):
                try:
                    rows.append(measure_page(name, path, servers, settings, mode))
                    break
                except ServerGone as gone:
                    note = f"{gone.server.name} arrêté pendant « {name} » ({why(gone.server)})"
                    print(f"  ! {note} ; redémarré, page mesurée à nouveau",
                          file=sys.stderr, flush=True)  # fmt: skip
                    restarts.append(note)
                    if attempt == RETRIES:
                        raise
                    gone.server.stop()
                    servers[gone.name] = start(gone.name)
        facts = {
            "worker_peak_rss_kib": {
                config: worker_peak_rss_kib(servers[config].process.pid)
                for config in run.CONFIGURATIONS
            },
            "worker_boots": {name: run.worker_boots(server) for name, server in servers.items()},
            "restarts": restarts,
        }
    finally:
        for server in servers.values():
            server.stop()
    return rows, facts


def measure_page(page: str, path: str, servers: dict, settings, mode: str) -> dict:
    """Warm-up and cache check on each server, then BENCH_ROUNDS rounds of one wrk run each."""
    seen: dict[str, str] = {}
    statuses: dict[str, int] = {}
    for name, server in servers.items():
        url = server.url + path
        check_alive(servers)
        statuses[name] = run.fetch(url).status
        if settings.warmup_s:
            wrk_checked(servers, url, settings.warmup_s, settings)
        if name != BASELINE:
            check_alive(servers)
            seen[name] = check_page_cache(page, name, url, mode, when="avant")
    runs: dict[str, list[run.Result]] = {name: [] for name in servers}
    for number in range(1, settings.rounds + 1):
        print(f"  {page:<12} {mode} tour {number}/{settings.rounds}", file=sys.stderr, flush=True)
        for name, server in servers.items():
            url = server.url + path
            runs[name].append(
                wrk_checked(servers, url, settings.duration_s, settings, page=f"{page} ({name})")
            )
    check_alive(servers)
    after = {
        name: check_page_cache(page, name, servers[name].url + path, mode, when="après")
        for name in servers
        if name != BASELINE
    }
    return summarise(page, path, mode, runs, statuses, {"before": seen, "after": after})


def wrk_checked(servers: dict, url: str, seconds: int, settings, page: str = "") -> run.Result:
    """One wrk run; ServerGone if a server exited meanwhile (its numbers would be wrong)."""
    try:
        result = run.run_wrk(url, seconds, settings.connections, settings.threads, page=page)
    except RuntimeError:
        check_alive(servers)
        raise
    check_alive(servers)
    return result


def check_page_cache(page: str, config: str, url: str, mode: str, *, when: str) -> str:
    """The X-Page-Cache header of one GET; a warning when it is not what the mode expects."""
    header = run.fetch(url).page_cache or "(absent)"
    if mode == "warm" and header != "hit":
        print(f"  ! {page} ({config}, warm, {when} les tours) : X-Page-Cache {header}, pas hit",
              file=sys.stderr, flush=True)  # fmt: skip
    if mode == "cold" and header == "hit":
        print(f"  ! {page} ({config}, cold) : X-Page-Cache hit alors que le cache est coupé",
              file=sys.stderr, flush=True)  # fmt: skip
    return header


def summarise(page, path, mode, runs: dict[str, list[run.Result]], statuses, page_cache) -> dict:
    """Medians over the rounds; each configuration's ratio to the baseline of the same round."""
    servers = {}
    for name, results in runs.items():
        servers[name] = {
            "requests_per_s": statistics.median(r.requests_per_s for r in results),
            "p50_ms": statistics.median(r.p50_ms for r in results),
            "p99_ms": statistics.median(r.p99_ms for r in results),
            "non_2xx": sum(r.non_2xx for r in results),
            "socket_errors": sum(r.socket_errors for r in results),
            "status": statuses[name],
            "rounds": [asdict(r) for r in results],
        }
    target = target_pct(mode, page)
    vs_baseline = {}
    for config in run.CONFIGURATIONS:
        ratios = [
            100 * app.requests_per_s / base.requests_per_s if base.requests_per_s else 0.0
            for app, base in zip(runs[config], runs[BASELINE], strict=True)
        ]
        vs_baseline[config] = statistics.median(ratios)
    return {
        "page": page,
        "path": path,
        "mode": mode,
        "servers": servers,
        "vs_baseline_pct": vs_baseline,
        "target_pct": target,
        "met": {config: vs_baseline[config] >= target for config in run.CONFIGURATIONS},
        "page_cache": page_cache,
    }


def measure_database(env, pages, settings, workdir: Path, cleanup, *, label: str, modes=MODES):
    """One database, each mode: {"modes": {mode: [page summaries]}, "facts": {mode: …}}."""
    entry: dict = {"modes": {}, "facts": {}}
    for mode in modes:
        rows, facts = measure_mode(env, pages, settings, workdir, cleanup, label=label, mode=mode)
        entry["modes"][mode] = rows
        entry["facts"][mode] = facts
    return entry


def measure_size(size: int, settings, workdir: Path, cleanup) -> dict:
    began = time.monotonic()
    database = prepared_database(size, workdir)
    pages = targets(database)
    env = run.app_environment(f"sqlite:///{database}")
    entry = measure_database(env, pages, settings, workdir, cleanup, label=f"{size}")
    entry |= {
        "size": size,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": run.git_commit(),
        "seconds": round(time.monotonic() - began),
    }
    return entry


def worker_peak_rss_kib(master_pid: int) -> list[int]:
    """VmHWM (peak resident memory) of each gunicorn worker, in KiB."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        if match:
            peaks.append(int(match[1]))
    return peaks


def measure_nginx(size: int, settings, workdir: Path) -> dict:
    """The article page through the sample nginx config vs nginx serving the same bytes."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        return {"skipped": "nginx introuvable"}
    database = prepared_database(size, workdir)
    env = run.app_environment(f"sqlite:///{database}") | {"GAZETTE_PAGE_CACHE": "1"}
    app = run.start_app(env, settings, config=run.SANS_REDIS, name="app-nginx", log_dir=workdir)
    process = None
    try:
        body = run.fetch(app.url + run.ARTICLE_PATH).body
        copy = workdir / "static-copy.html"
        copy.write_bytes(body)
        proxy_port, static_port = run.free_port(), run.free_port()
        config = nginx_config(workdir, app.url.rsplit(":", 1)[1], proxy_port, static_port, copy,
                              settings.workers)  # fmt: skip
        log = workdir / "nginx-error.log"
        process = subprocess.Popen(
            [nginx, "-p", str(workdir), "-c", str(config), "-e", str(log),
             "-g", f"daemon off; pid {workdir / 'nginx.pid'};"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        proxied = run.Server("nginx", f"http://127.0.0.1:{proxy_port}", process, log)
        run.wait_until_up(proxied)
        static_url = f"http://127.0.0.1:{static_port}{run.ARTICLE_PATH}"
        if run.fetch(static_url).body != body:
            raise RuntimeError("nginx ne sert pas la copie statique attendue")
        print("  — nginx", file=sys.stderr, flush=True)
        static = run.measure("nginx static", static_url, settings)
        cached = run.measure("nginx proxy", proxied.url + run.ARTICLE_PATH, settings)
        cached.ratio_to_baseline = 100 * cached.requests_per_s / static.requests_per_s
        static.ratio_to_baseline = 100.0
        return {"size": size, "runs": [static, cached]}
    finally:
        if process is not None:
            run.stop_process_group(process)
        app.stop()


def nginx_config(
    workdir: Path, app_port: str, proxy_port: int, static_port: int, copy: Path, workers: int
) -> Path:
    """The sample site, on this run's ports and folders, plus a static server of the copy."""
    site = NGINX_SAMPLE.read_text()
    for pattern, value in (
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{app_port};"),
        (r"listen 80;", f"listen 127.0.0.1:{proxy_port};"),
        (r"/srv/gazette/static/", f"{ROOT / 'static'}/"),
        (r"/var/cache/nginx/gazette", str(workdir / "nginx-cache")),
    ):
        site, count = re.subn(pattern, value, site)
        if not count:
            raise RuntimeError(f"le modèle nginx ne contient plus {pattern}")
    (workdir / "site.conf").write_text(site)
    temp = " ".join(
        f"{kind}_temp_path {workdir / ('nginx-' + kind)};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = (
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes {workers};\nerror_log {workdir / 'nginx-error.log'};\n"
        + "events { worker_connections 1024; }\n"
        + f"http {{ include /etc/nginx/mime.types; access_log off; {temp}\n"
        + f"include {workdir / 'site.conf'};\n"
        + f"server {{ listen 127.0.0.1:{static_port}; location = {run.ARTICLE_PATH} {{ "
        + f'alias {copy}; default_type "text/html; charset=utf-8"; }} }}\n}}\n'
    )
    path = workdir / "nginx.conf"
    path.write_text(main)
    return path


# --------------------------------------------------------------------------- report


def comparable(page: str) -> str:
    """A deep page is page 500 at one size and the last page at a smaller one."""
    for kind in ("section", "tag"):
        if page.startswith(f"{kind} p"):
            return f"{kind} deep"
    return page


TABLE_HEADERS = (
    "page",
    "base r/s",
    "base p50",
    "sans r/s",
    "sans p50",
    "sans %",
    "avec r/s",
    "avec p50",
    "avec %",
    "target",
    "sans",
    "avec",
    "sans p50/1k",
    "avec p50/1k",
    "non-2xx",
)
LEGEND = """\
  base / sans / avec: bare-Flask baseline, app sans Redis, app avec Redis (deploy/gunicorn.conf.py)
  r/s, p50: medians over the rounds (req/s, ms); %: median of the app's req/s / the baseline's
  req/s of the same round; target: issue 16 (cold >= 30 %, search >= 15 %, warm >= 95 %);
  p50/1k: p50 at this size / p50 at 1,000 (target <= 1.2x); non-2xx: all servers, all rounds"""


def reference_p50(reference: dict | None) -> dict:
    """{(mode, comparable page, configuration): p50} of the 1,000-article entry."""
    if not reference:
        return {}
    return {
        (mode, comparable(row["page"]), config): row["servers"][config]["p50_ms"]
        for mode, rows in reference["modes"].items()
        for row in rows
        for config in run.CONFIGURATIONS
    }


def table_rows(entry: dict, reference: dict | None) -> list[tuple]:
    ref = reference_p50(reference)
    rows = []
    for mode, measured in entry["modes"].items():
        rows.append((f"[{mode}]",) + ("",) * (len(TABLE_HEADERS) - 1))
        for row in measured:
            base = row["servers"][BASELINE]
            cells = [row["page"], f"{base['requests_per_s']:.0f}", f"{base['p50_ms']:.2f}"]
            for config in run.CONFIGURATIONS:
                app = row["servers"][config]
                cells += [f"{app['requests_per_s']:.0f}", f"{app['p50_ms']:.2f}",
                          f"{row['vs_baseline_pct'][config]:.1f} %"]  # fmt: skip
            cells.append(f">= {row['target_pct']:.0f} %")
            cells += [mark(row["met"][config]) for config in run.CONFIGURATIONS]
            for config in run.CONFIGURATIONS:
                before = ref.get((mode, comparable(row["page"]), config))
                if before and entry.get("size") != REFERENCE_SIZE:
                    growth = row["servers"][config]["p50_ms"] / before
                    cells.append(f"{growth:.2f}x {mark(growth <= SCALE_TARGET)}")
                else:
                    cells.append("")
            errors = sum(s["non_2xx"] for s in row["servers"].values())
            sockets = sum(s["socket_errors"] for s in row["servers"].values())
            cells.append(str(errors) + (f" [{sockets} socket]" if sockets else ""))
            rows.append(tuple(cells))
    return rows


def print_entry(title: str, entry: dict, reference: dict | None, workers: int) -> None:
    print(f"\n{title}")
    print(LEGEND)
    if reference and reference is not entry and entry.get("size") != REFERENCE_SIZE:
        print(f"  1,000-article reference: run of {reference.get('when')}, commit "
              f"{reference.get('commit')}")  # fmt: skip
    print("\n".join(run.format_table(TABLE_HEADERS, table_rows(entry, reference))))
    summary = []
    for mode, rows in entry["modes"].items():
        for config in run.CONFIGURATIONS:
            missed = [row["page"] for row in rows if not row["met"][config]]
            summary.append(f"{mode} {config}: " + (f"NOT MET for {', '.join(missed)}" if missed
                                                    else "every page met"))  # fmt: skip
    print("\n".join(summary))
    for mode, facts in entry["facts"].items():
        for config, peaks in facts["worker_peak_rss_kib"].items():
            print(f"RSS max par worker ({mode}, {config}) : "
                  + ", ".join(f"{p / 1024:.1f} Mio" for p in peaks))  # fmt: skip
        for note in facts.get("restarts", ()):
            print(f"Attention ({mode}) : {note} ; redémarré, page mesurée à nouveau")
        recycled = {name: boots - workers for name, boots in facts["worker_boots"].items()
                    if boots > workers}  # fmt: skip
        if recycled:
            print(f"Workers recyclés pendant le mode {mode} (max_requests) : "
                  + ", ".join(f"{name} {n}" for name, n in recycled.items()))  # fmt: skip
    warnings = [
        f"{row['page']} ({config}, {mode}): X-Page-Cache {seen[config]} {when} the rounds"
        for mode, rows in entry["modes"].items()
        for row in rows
        for when, seen in row["page_cache"].items()
        for config in seen
        if (mode == "warm") != (seen[config] == "hit")
    ]
    for line in warnings:
        print(f"Attention : {line}")
    statuses = [
        f"{row['page']} ({name}, {mode}): {server['status']}"
        for mode, rows in entry["modes"].items()
        for row in rows
        for name, server in row["servers"].items()
        if server["status"] != 200
    ]
    if statuses:
        print("Attention, pages qui ne répondent pas 200 : " + "; ".join(statuses))
    if any(
        s["non_2xx"] or s["socket_errors"]
        for rows in entry["modes"].values()
        for row in rows
        for s in row["servers"].values()
    ):
        print("Attention : des réponses en erreur ; le req/s de ces lignes ne mesure pas la page.")


def print_report(measured: list[dict], reference: dict | None, nginx: dict, workers: int) -> None:
    for entry in measured:
        title = (f"Pages de lecture, {entry['size']} articles ({entry['seconds'] / 60:.1f} min, "
                 f"commit {entry['commit']})")  # fmt: skip
        print_entry(title, entry, reference, workers)
    if nginx.get("runs"):
        print(f"\nPage article via nginx ({nginx['size']} articles, app sans Redis, warm)")
        rows = [(r.page, f"{r.requests_per_s:.1f}", f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}",
                 f"{r.ratio_to_baseline:.1f} %") for r in nginx["runs"]]  # fmt: skip
        print("\n".join(run.format_table(("page", "req/s", "p50 ms", "p99 ms", "vs static"), rows)))
    elif nginx:
        print(f"\nnginx : {nginx.get('skipped')}")


def size_file(size: int) -> Path:
    return run.RESULTS_FILE.parent / f"caching-{size}.json"


def load_reference(measured: list[dict]) -> dict | None:
    """The 1,000-article entry: from this run, else from the last run that measured it."""
    for entry in measured:
        if entry["size"] == REFERENCE_SIZE:
            return entry
    try:
        return json.loads(size_file(REFERENCE_SIZE).read_text())
    except (OSError, ValueError):
        return None


def merge_into_results(data: dict, path: Path = run.RESULTS_FILE) -> None:
    """bench/results/latest.json keeps the other parts' keys; "caching" is this part's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        existing = json.loads(path.read_text())
    except (OSError, ValueError):
        existing = {}
    existing["caching"] = data
    path.write_text(json.dumps(existing, indent=2, ensure_ascii=False, default=str) + "\n")


def measure_caching(settings, workdir: Path, cleanup) -> dict:
    """Every size, then nginx at the largest; prints the tables, returns the JSON part."""
    run.wrk_binary()
    sizes = sizes_from_env()
    measured = []
    for size in sizes:
        entry = measure_size(size, settings, workdir, cleanup)
        measured.append(entry)
        size_file(size).parent.mkdir(parents=True, exist_ok=True)
        size_file(size).write_text(json.dumps(entry, indent=2, ensure_ascii=False) + "\n")
    nginx = {}
    if os.environ.get("BENCH_NGINX", "1") != "0":
        nginx = measure_nginx(sizes[-1], settings, workdir)
    reference = load_reference(measured)
    print_report(measured, reference, nginx, settings.workers)
    data = {
        "sizes": measured,
        "nginx": {**nginx, "runs": [asdict(r) for r in nginx.get("runs", [])]},
    }
    merge_into_results(data)
    return data


def main() -> int:
    """Standalone: `.venv/bin/python bench/caching.py` (same settings as run.py)."""
    run.wrk_binary()
    settings = run.Settings.from_env()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="gazette-bench-caching-"))
    cleanup = contextlib.ExitStack()
    if os.environ.get("BENCH_KEEP_WORKDIR") != "1":  # 1: keep the servers' logs
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
    try:
        measure_caching(settings, workdir, cleanup)
        print(f'\n-> {run.RESULTS_FILE.relative_to(ROOT)} (clé "caching")')
        return 0
    except KeyboardInterrupt:
        print("\nInterrompu.", file=sys.stderr)
        return 130
    except RuntimeError as error:
        print(f"\nbench : {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cleanup.close()


if __name__ == "__main__":
    sys.exit(main())
