"""Baseline for bench/run.py and bench/caching.py: the cheapest Flask app serving the pages.

It answers every GET with bytes kept in memory, with the same Content-Type as the real
page. Measuring it under the same gunicorn settings as the real app tells how fast this
machine can serve those bytes through Flask + gunicorn + wrk at all; the real app's
throughput is then reported as a percentage of it.

Per-page baselines: with BENCH_BASELINE_PAGES, each measured address (path and query
string, exactly as wrk sends it) gets the bytes of that page of the app, so a page's
ratio compares the app with bare Flask sending the same body; any other address gets
the first page's bytes (the article).

Environment:
    BENCH_BASELINE_PAGES         JSON file: [[address, body file, content type], ...]
    BENCH_BASELINE_BODY          or: one body for every address (path of a file)
    BENCH_BASELINE_CONTENT_TYPE  its Content-Type (default text/html; charset=utf-8)

Run by the bench as: gunicorn -c bench/gunicorn_baseline.conf.py baseline_app:app
(cwd bench/), i.e. the shipped gunicorn settings without the app.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, Response, request

DEFAULT_TYPE = "text/html; charset=utf-8"


def load_pages() -> dict[str, tuple[bytes, str]]:
    if os.environ.get("BENCH_BASELINE_PAGES"):
        index = json.loads(Path(os.environ["BENCH_BASELINE_PAGES"]).read_text())
        return {address: (Path(body).read_bytes(), kind) for address, body, kind in index}
    body = Path(os.environ["BENCH_BASELINE_BODY"]).read_bytes()
    return {"": (body, os.environ.get("BENCH_BASELINE_CONTENT_TYPE", DEFAULT_TYPE))}


PAGES = load_pages()
FIRST = next(iter(PAGES.values()))

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def page(path: str) -> Response:
    query = request.environ.get("QUERY_STRING", "")
    address = request.environ.get("PATH_INFO", "/") + (f"?{query}" if query else "")
    body, content_type = PAGES.get(address, FIRST)
    return Response(body, content_type=content_type)
