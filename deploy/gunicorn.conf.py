"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`.

Every setting can be changed from the environment, so one file serves every machine.

Several instances (several machines, or several of these on one machine) need:
- the same SECRET_KEY (a login on one is valid on the others);
- the same DATABASE_URL, PostgreSQL (pool per worker: GAZETTE_DB_POOL_SIZE, see app.py;
  keep workers x (pool_size + max_overflow) x instances under max_connections);
- the same REDIS_URL: rate limits, and the page cache with its invalidations, are shared
  there. Without Redis, the page cache lives in each worker's memory and an edit only
  invalidates the worker that saved it: with more than one worker and no REDIS_URL this
  file therefore switches the page cache to files in the instance folder, shared by the
  workers of this machine (GAZETTE_CACHE_TYPE=FileSystemCache).
"""

import multiprocessing
import os

bind = os.environ.get("GAZETTE_BIND", "127.0.0.1:8000")
# Sync workers: pages are short CPU-bound renders or cache hits; the proxy buffers slow
# clients. (2 x cores) + 1 is gunicorn's rule of thumb.
workers = int(os.environ.get("GAZETTE_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A worker stuck longer than this is killed and replaced; saves and pages take milliseconds.
timeout = int(os.environ.get("GAZETTE_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GAZETTE_GRACEFUL_TIMEOUT", "30"))
keepalive = 5  # behind nginx's keepalive upstream
# Recycle workers now and then (with jitter so they do not all restart at once): a slow
# leak in any library cannot grow forever.
max_requests = int(os.environ.get("GAZETTE_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# No preload: each worker builds its own app after the fork, so no database connection
# or Redis socket is ever shared between processes, and `kill -HUP` reloads new code.
# (Preloading would save a little memory per worker, at the price of that care.)
preload_app = False
accesslog = os.environ.get("GAZETTE_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
forwarded_allow_ips = os.environ.get("GAZETTE_FORWARDED_ALLOW_IPS", "127.0.0.1")

if workers > 1 and not os.environ.get("REDIS_URL"):
    os.environ.setdefault("GAZETTE_CACHE_TYPE", "FileSystemCache")
