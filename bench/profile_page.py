"""Where does a page's time go? cProfile over N requests through Flask's test client.

    .venv/bin/python bench/profile_page.py                       # the article page, 200 requests
    .venv/bin/python bench/profile_page.py /rubrique/international 500
    PROFILE_SORT=cumulative PROFILE_LIMIT=60 .venv/bin/python bench/profile_page.py

Uses a temporary SQLite database with the demo content (same setup as bench/run.py),
runs 20 untimed requests first (template compilation, first connection), then profiles
N requests and prints the mean time per request, the SQL statements per request, and
the top functions by own time ("tottime") and by cumulative time.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ARTICLE_PATH, ROOT, prepare_sqlite  # noqa: E402


def package_of(filename: str) -> str:
    """'flask', 'sqlalchemy', 'templates', 'app: richtext.py'... for a code object's file."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith(str(ROOT / "templates")):
        return "templates (Jinja)"
    if filename.startswith(str(ROOT)):
        return "app: " + str(Path(filename).relative_to(ROOT))
    if filename == "~" or filename.startswith("<"):
        return "(builtins)"
    return "stdlib: " + Path(filename).stem


def print_by_package(stats: pstats.Stats, count: int) -> None:
    """Own time summed per package; C functions count for the package that called them."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, callers) in stats.stats.items():
        if filename == "~" and callers:
            for (caller_file, _l, _n), caller_stats in callers.items():
                package = package_of(caller_file)
                totals[package] = totals.get(package, 0.0) + caller_stats[2]
        else:
            package = package_of(filename)
            totals[package] = totals.get(package, 0.0) + tottime
    grand = sum(totals.values()) or 1.0
    print(f"\n===== temps propre par paquet ({count} requêtes, sous profileur) =====")
    for package, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[:20]:
        share = 100 * seconds / grand
        print(f"  {package:<34} {1000 * seconds / count:7.3f} ms/requête  {share:5.1f} %")


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else ARTICLE_PATH
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    limit = int(os.environ.get("PROFILE_LIMIT", "35"))
    workdir = Path(tempfile.mkdtemp(prefix="gazette-profile-"))
    try:
        env = prepare_sqlite(workdir)
        os.environ.update(DATABASE_URL=env["DATABASE_URL"], SECRET_KEY=env["SECRET_KEY"])
        os.chdir(ROOT)
        from sqlalchemy import event

        from app import create_app
        from models import db

        app = create_app()
        client = app.test_client()
        for _ in range(20):
            response = client.get(path)
        print(f"{path}: {response.status_code}, {len(response.data)} octets")

        statements = 0
        with app.app_context():
            engine = db.engine

        def count_statement(*_args):
            nonlocal statements
            statements += 1

        event.listen(engine, "before_cursor_execute", count_statement)
        start = time.perf_counter()
        for _ in range(count):
            client.get(path)
        elapsed = time.perf_counter() - start
        event.remove(engine, "before_cursor_execute", count_statement)
        print(
            f"sans profileur : {1000 * elapsed / count:.2f} ms/requête "
            f"({count / elapsed:.0f} req/s sur un cœur), {statements / count:.1f} requêtes SQL/requête"
        )

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            client.get(path)
        profiler.disable()
        print_by_package(pstats.Stats(profiler), count)
        for sort in os.environ.get("PROFILE_SORT", "tottime,cumulative").split(","):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(limit)
            print(f"\n===== tri : {sort} ({count} requêtes) =====")
            print(out.getvalue().strip("\n"))
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
