"""Reader pages at 1,000 and 100,000 articles, without and with the page cache; nginx.

Run alone with `BENCH_ONLY=caching .venv/bin/python bench/run.py` (or directly:
`.venv/bin/python bench/caching.py`); `make bench` runs it after the other parts.

For each size (BENCH_SIZES, default 1000,100000):

1. a SQLite database: `flask db upgrade`, `demo load`, `demo generate --articles N
   --seed 1` (tags: one per 20 articles, so 5,000 at 100,000). Generating 100,000
   articles takes minutes, so the file is kept in bench/.cache/ (git-ignored), named
   after the migrations and the generator's code and phrase banks;
2. the bare-Flask baseline (bench/baseline_app.py) serving the article page's bytes;
3. the app under gunicorn, cold (GAZETTE_PAGE_CACHE=0: every request renders) then warm
   (page cache on, in process), each page measured with wrk after a warm-up:
   article, front (curated: `demo generate` pins a lead and featured stories and picks
   section blocks when nobody has), section (first page and 500th page, or the last one
   when the section has fewer), tag (the most used: first page and 500th or last page),
   author (the most prolific), search (a broad word);
4. at the largest size: the peak RSS (VmHWM) of the warm app's gunicorn workers.

Then, once, the article page through the sample nginx config (deploy/nginx/gazette.conf,
proxy_cache in front of the warm app) against nginx serving a static copy of the same
bytes. Columns as in run.py; "vs baseline" is the same-run ratio to the bare-Flask
baseline of that size, "p50 vs 1k" the page's p50 at this size over its p50 at the
smallest size (target: at most 2x).
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
import subprocess
import sys
import tempfile
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


# --------------------------------------------------------------------------- measuring


def measure_size(size: int, settings, workdir: Path, cleanup) -> dict:
    database = prepared_database(size, workdir)
    pages = targets(database)
    env = run.app_environment(f"sqlite:///{database}")
    results: dict = {"size": size, "runs": {}, "rss_kib": {}}
    for mode, enabled in (("cold", "0"), ("warm", "1")):
        app = run.start_gunicorn(
            "app:create_app()",
            env | {"GAZETTE_PAGE_CACHE": enabled},
            settings.workers,
            name=f"app-{size}-{mode}",
            log_dir=workdir,
        )
        try:
            if mode == "cold":
                article = run.fetch(app.url + run.ARTICLE_PATH)
                baseline = run.start_baseline(article, settings, workdir)
                try:
                    base = run.measure("baseline", baseline.url + run.ARTICLE_PATH, settings)
                finally:
                    baseline.stop()
                results["baseline"] = base
            print(f"  — {size} articles, {mode}", file=sys.stderr, flush=True)
            measured = [run.measure(name, app.url + path, settings) for name, path in pages]
            for result in measured:
                result.ratio_to_baseline = 100 * result.requests_per_s / base.requests_per_s
            results["runs"][mode] = measured
            results["rss_kib"][mode] = worker_peak_rss_kib(app.process.pid)
        finally:
            app.stop()
    return results


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
    app = run.start_gunicorn(
        "app:create_app()", env, settings.workers, name="app-nginx", log_dir=workdir
    )
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


def print_report(measured: list[dict], nginx: dict) -> None:
    smallest = measured[0]["runs"] if measured else {}
    for entry in measured:
        base = entry["baseline"]
        print(f"\nPages de lecture, {entry['size']} articles (baseline {base.requests_per_s:.1f} req/s, "
              f"p50 {base.p50_ms:.2f} ms)")  # fmt: skip
        headers = (
            "page",
            "mode",
            "req/s",
            "p50 ms",
            "p99 ms",
            "vs baseline",
            "p50 vs 1st",
            "non-2xx",
        )
        rows = []
        for mode in ("cold", "warm"):
            reference = {comparable(r.page): r.p50_ms for r in smallest[mode]}
            for r in entry["runs"][mode]:
                ref = reference.get(comparable(r.page))
                growth = f"{r.p50_ms / ref:.2f}x" if ref else ""
                rows.append((r.page, mode, f"{r.requests_per_s:.1f}", f"{r.p50_ms:.2f}",
                             f"{r.p99_ms:.2f}", f"{r.ratio_to_baseline:.1f} %", growth,
                             str(r.non_2xx + r.socket_errors)))  # fmt: skip
        print("\n".join(run.format_table(headers, rows)))
        for mode, peaks in entry["rss_kib"].items():
            print(
                f"RSS max par worker ({mode}) : " + ", ".join(f"{p / 1024:.1f} Mio" for p in peaks)
            )
    if nginx.get("runs"):
        print(f"\nPage article via nginx ({nginx['size']} articles)")
        rows = [(r.page, f"{r.requests_per_s:.1f}", f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}",
                 f"{r.ratio_to_baseline:.1f} %") for r in nginx["runs"]]  # fmt: skip
        print("\n".join(run.format_table(("page", "req/s", "p50 ms", "p99 ms", "vs static"), rows)))
    elif nginx:
        print(f"\nnginx : {nginx.get('skipped')}")


def as_json(measured: list[dict], nginx: dict) -> dict:
    def results(items):
        return [asdict(r) for r in items]

    return {
        "sizes": [
            {
                "size": e["size"],
                "baseline": asdict(e["baseline"]),
                "cold": results(e["runs"]["cold"]),
                "warm": results(e["runs"]["warm"]),
                "worker_peak_rss_kib": e["rss_kib"],
            }
            for e in measured
        ],
        "nginx": {**nginx, "runs": results(nginx.get("runs", []))},
    }


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
    measured = [measure_size(size, settings, workdir, cleanup) for size in sizes]
    nginx = measure_nginx(sizes[-1], settings, workdir)
    print_report(measured, nginx)
    data = as_json(measured, nginx)
    merge_into_results(data)
    return data


def main() -> int:
    """Standalone: `.venv/bin/python bench/caching.py` (same settings as run.py)."""
    settings = run.Settings.from_env()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="gazette-bench-caching-"))
    cleanup = contextlib.ExitStack()
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
