"""Baseline for bench/run.py: the cheapest possible Flask app serving the article page.

It answers every GET with the same bytes, kept in memory, with the same Content-Type
as the real page. Measuring it under the same gunicorn settings as the real app tells
how fast this machine can serve that page through Flask + gunicorn + wrk at all; the
real app's throughput is then reported as a percentage of it.

Environment:
    BENCH_BASELINE_BODY          path of a file holding the response body (required)
    BENCH_BASELINE_CONTENT_TYPE  Content-Type of the response (default text/html; charset=utf-8)

Run by bench/run.py as: gunicorn -w 2 -b 127.0.0.1:PORT baseline_app:app (cwd bench/).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

BODY = Path(os.environ["BENCH_BASELINE_BODY"]).read_bytes()
CONTENT_TYPE = os.environ.get("BENCH_BASELINE_CONTENT_TYPE", "text/html; charset=utf-8")

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def page(path: str) -> Response:
    return Response(BODY, content_type=CONTENT_TYPE)
