"""gunicorn settings for the bare-Flask baseline (bench/baseline_app.py), bench only.

The baseline must run as the app does under deploy/gunicorn.conf.py, minus what is not
the server's work: this file runs the shipped file and copies its server settings (bind,
workers, worker class, keepalive, timeouts, worker recycling), so both follow the same
GAZETTE_* variables (GAZETTE_WORKERS, GAZETTE_BIND, GAZETTE_ACCESS_LOG...). It leaves out
the shipped file's when_ready hook (it would run a `flask users` command against the
app's database) and its logger class (it only edits access-log lines; the bench runs
with GAZETTE_ACCESS_LOG empty on both sides, so there are none).

    gunicorn -c bench/gunicorn_baseline.conf.py baseline_app:app   (cwd bench/)
"""

import runpy
from pathlib import Path

_SHIPPED = runpy.run_path(
    str(Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py")
)

bind = _SHIPPED["bind"]
workers = _SHIPPED["workers"]
worker_class = _SHIPPED["worker_class"]
timeout = _SHIPPED["timeout"]
graceful_timeout = _SHIPPED["graceful_timeout"]
keepalive = _SHIPPED["keepalive"]
max_requests = _SHIPPED["max_requests"]
max_requests_jitter = _SHIPPED["max_requests_jitter"]
preload_app = _SHIPPED["preload_app"]
accesslog = _SHIPPED["accesslog"]
errorlog = _SHIPPED["errorlog"]
