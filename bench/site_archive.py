"""Export and import of a whole generated site: time, archive size, peak memory.

    .venv/bin/python bench/site_archive.py                 # 1,000 then 100,000 articles
    BENCH_ARTICLES=1000,20000 .venv/bin/python bench/site_archive.py
    BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres   # the server to use
                                                           # (unset or unreachable: SQLite only)

For each size, in a temporary folder: a SQLite site is made (`db upgrade`, `demo load`,
`demo generate --articles N --seed 1`), exported (`site export`), imported into a fresh
SQLite database and into a fresh PostgreSQL database (created and dropped here), and
exported again from PostgreSQL. Every step is its own `flask` process, started by a small
wrapper process whose resource.getrusage(RUSAGE_CHILDREN).ru_maxrss is the peak resident
memory of that step alone (Linux reports kibibytes). A streaming export or import keeps
about the same peak at 1,000 and at 100,000 articles. A benchmark, not a test: it prints
numbers and fails only if a step fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "app"]
# Runs one command and prints, as JSON on its last line, its peak memory (KiB).
WRAPPER = (
    "import json, resource, subprocess, sys;"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode;"
    "print(json.dumps({'code': code, "
    "'maxrss_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))"
)


def step(label: str, args: list[str], env: dict) -> dict:
    """Run `flask …args` in its own process; returns label, seconds, peak MiB."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *FLASK, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    try:
        report = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        report = {"code": done.returncode, "maxrss_kib": 0}
    if report["code"] != 0:
        sys.exit(f"{label} failed:\n{done.stderr[-2000:]}")
    row = {"step": label, "seconds": seconds, "peak_mib": report["maxrss_kib"] / 1024}
    print(f"  {label}: {seconds:.1f} s, peak {row['peak_mib']:.0f} MiB", flush=True)
    return row


def environment(database_url: str, media: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        GAZETTE_MEDIA_ROOT=str(media),
        SECRET_KEY="bench-" + "x" * 40,
        GAZETTE_PAGE_CACHE="off",
    )
    return env


def postgres_admin(url: str):
    """A psycopg connection to the server's maintenance database, or None if unreachable."""
    try:
        import psycopg

        return psycopg.connect(url, autocommit=True, connect_timeout=3)
    except Exception as error:  # unreachable: the PostgreSQL steps are skipped
        print(f"PostgreSQL not reachable ({error}): SQLite only.")
        return None


def run(articles: int, work: Path, pg_url: str | None) -> list[dict]:
    print(f"{articles} articles:", flush=True)
    rows = []
    source = environment(f"sqlite:///{work / 'source.db'}", work / "media-source")
    step("db upgrade", ["db", "upgrade"], source)
    step("demo load", ["demo", "load"], source)
    rows.append(
        step(
            "demo generate",
            ["demo", "generate", "--articles", str(articles), "--seed", "1"],
            source,
        )
    )
    archive = work / "site.tar"
    rows.append(
        step("export (SQLite)", ["site", "export", str(archive), "--with-passwords"], source)
    )
    size = archive.stat().st_size
    print(f"  archive: {size / 2**20:.1f} MiB", flush=True)
    target = environment(f"sqlite:///{work / 'target.db'}", work / "media-target")
    step("db upgrade", ["db", "upgrade"], target)
    rows.append(step("import (SQLite)", ["site", "import", str(archive)], target))
    admin = postgres_admin(pg_url) if pg_url else None
    if admin is not None:
        name = f"gazette_bench_{uuid.uuid4().hex[:8]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = pg_url.rsplit("/", 1)[0]
            pg = environment(f"{base}/{name}", work / "media-pg")
            step("db upgrade", ["db", "upgrade"], pg)
            rows.append(step("import (PostgreSQL)", ["site", "import", str(archive)], pg))
            again = work / "again.tar"
            rows.append(
                step("export (PostgreSQL)", ["site", "export", str(again), "--with-passwords"], pg)
            )
            same = same_but_created_at(archive, again)
            print(f"  SQLite and PostgreSQL archives identical but created_at: {same}", flush=True)
            if not same:
                sys.exit("the archive exported from PostgreSQL differs from SQLite's")
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
    for row in rows:
        row["articles"] = articles
        row["archive_mib"] = size / 2**20
    return rows


def same_but_created_at(first: Path, second: Path) -> bool:
    """Whether two archives hold the same bytes apart from the manifest's created_at,
    compared in chunks (an archive of 100,000 articles does not fit in memory twice)."""
    with tarfile.open(first) as a, tarfile.open(second) as b:
        manifests = [json.load(t.extractfile(t.next())) for t in (a, b)]
        starts = [t.next().offset for t in (a, b)]  # where the first data member begins
    for manifest in manifests:
        manifest.pop("created_at")
    if manifests[0] != manifests[1] or starts[0] != starts[1]:
        return False
    with first.open("rb") as x, second.open("rb") as y:
        x.seek(starts[0])
        y.seek(starts[1])
        while True:
            chunk = x.read(1 << 20)
            if chunk != y.read(1 << 20):
                return False
            if not chunk:
                return True


def main() -> None:
    sizes = [int(n) for n in os.environ.get("BENCH_ARTICLES", "1000,100000").split(",")]
    pg_url = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    results = []
    for articles in sizes:
        with tempfile.TemporaryDirectory(prefix="gazette-bench-archive-") as work:
            results += run(articles, Path(work), pg_url)
    print(f"\n{'articles':>8}  {'step':<20} {'seconds':>8} {'peak MiB':>9} {'archive MiB':>12}")
    for row in results:
        print(
            f"{row['articles']:>8}  {row['step']:<20} {row['seconds']:>8.1f} "
            f"{row['peak_mib']:>9.0f} {row['archive_mib']:>12.1f}"
        )


if __name__ == "__main__":
    main()
