"""WordPress import benchmark: `flask import wordpress` on a generated 1,000-post export.

    .venv/bin/python bench/import_wordpress.py [--posts 1000] [--database URL]

Generates an export (demo/wordpress_export.py: every block kind, both editors, every
status, featured and in-body images) whose images are served by a local HTTP server
(http.server in a thread, real JPEG and PNG bytes, one lost image answering 404), migrates
a fresh database (SQLite in a temporary folder unless --database names an empty one),
then runs the import in a subprocess, as an operator would, and again (the second run
updates: nothing new is written, nothing fetched again). Prints the wall time of each
run and the peak resident memory of the import process (resource.getrusage
RUSAGE_CHILDREN ru_maxrss: the largest child waited for; the migration's own peak is
printed too, so that it can be told apart).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import run  # bench/run.py: paths, the app's environment

sys.path.insert(0, str(run.ROOT))
from demo.wordpress_export import image_files, write_export  # noqa: E402


def serve_images() -> tuple[ThreadingHTTPServer, str]:
    files = {f"/wp-content/uploads/{path}": data for path, data in image_files().items()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            data = files.get(self.path)
            if data is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def peak_children_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux


def timed_import(export: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run(
        [str(run.VENV_BIN / "flask"), "--app", "app", "import", "wordpress", str(export)],
        cwd=run.ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"L’import a échoué :\n{completed.stdout}{completed.stderr}")
    return elapsed, completed.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--database", default="", help="an empty database (default: SQLite)")
    arguments = parser.parse_args()
    server, base_url = serve_images()
    with tempfile.TemporaryDirectory(prefix="gazette-wp-bench-") as workdir:
        work = Path(workdir)
        export = work / "export.xml"
        with export.open("w", encoding="utf-8") as out:
            summary = write_export(out, posts=arguments.posts, image_base_url=base_url)
        database = arguments.database or f"sqlite:///{work / 'gazette.db'}"
        env = run.app_environment(database) | {"GAZETTE_MEDIA_ROOT": str(work / "media")}
        run.run_flask(["db", "upgrade"], env)
        migration_peak = peak_children_mib()
        first, output = timed_import(export, env)
        first_peak = peak_children_mib()
        second, _ = timed_import(export, env)
        size_mib = export.stat().st_size / (1024 * 1024)
        media_files = sum(1 for _ in (work / "media").iterdir())
    server.shutdown()
    print(output.strip("\n").split("\nImages introuvables")[0].rstrip())
    print()
    print(f"Export : {summary.posts} articles, {size_mib:.1f} Mio ({database.split(':')[0]})")
    print(f"Import : {first:.1f} s (puis {second:.1f} s pour le relancer, sans rien doubler)")
    print(f"Mémoire de pointe du processus d’import : {first_peak:.0f} Mio")
    print(f"  (la migration seule : {migration_peak:.0f} Mio) ; fichiers d’images : {media_files}")


if __name__ == "__main__":
    main()
