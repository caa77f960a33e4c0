"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`.

Every setting can be changed from the environment, so one file serves every machine. The
variables are read by config.py (gunicorn_settings), with the app's own rules: a malformed
value (GAZETTE_WORKERS=four) stops the start with one French line naming it.

Several instances (several machines, or several of these on one machine) need:
- the same SECRET_KEY (a login on one is valid on the others);
- the same DATABASE_URL, PostgreSQL (pool per worker: GAZETTE_DB_POOL_SIZE, see config.py;
  keep workers x (pool_size + max_overflow) x instances under max_connections);
- the same REDIS_URL: rate limits, and the page cache with its invalidations, are shared
  there (each worker still answers hits from its own memory, checking each against Redis
  with one MGET).

One machine needs no Redis, whatever the number of workers and with or without this file
(`gunicorn -w 4 'app:create_app()'` is as safe): each worker keeps pages in its own
memory but checks them against generations in a file every worker maps
(services/generations.py), and rate limits count in a SQLite file every worker opens
(services/shared_limits.py), both in GAZETTE_SHARED_DIR.
"""

import re
import sys
from pathlib import Path

from gunicorn.glogging import Logger

# gunicorn puts its working directory on sys.path; the project may be elsewhere (--chdir).
PROJECT = str(Path(__file__).resolve().parent.parent)
if PROJECT not in sys.path:
    sys.path.insert(0, PROJECT)

from config import gunicorn_settings  # noqa: E402 (needs the path above)

settings = gunicorn_settings()

bind = settings["bind"]
# Sync workers: pages are short CPU-bound renders or cache hits; the proxy buffers slow
# clients. Default: (2 x cores) + 1, gunicorn's rule of thumb.
workers = settings["workers"]
worker_class = "sync"
# A worker stuck longer than this is killed and replaced; saves and pages take milliseconds.
timeout = settings["timeout"]
graceful_timeout = settings["graceful_timeout"]
keepalive = 5  # behind nginx's keepalive upstream
# Recycle workers now and then (with jitter so they do not all restart at once): a slow
# leak in any library cannot grow forever. A new worker starts with no page in its
# memory: it renders them again (or, with Redis, takes them back from there), and
# building the app costs about a second of CPU: at thousands of hits per second, the
# 5,000 requests gunicorn's docs suggest recycled each worker every few seconds and
# halved the throughput of cached pages, hence 200,000 by default (0: never).
max_requests = settings["max_requests"]
max_requests_jitter = max(1, max_requests // 20)
# No preload: each worker builds its own app after the fork, so no database connection
# or Redis socket is ever shared between processes, and `kill -HUP` reloads new code.
# (Preloading would save a little memory per worker, at the price of that care.)
preload_app = False
accesslog = settings["accesslog"]  # GAZETTE_ACCESS_LOG empty: no access log
# Addresses that open something by their token alone: a preview link, the first-run link,
# a password link. The access log writes "[jeton]" in place of the token (the sample
# nginx config, deploy/nginx/gazette.conf, does the same with the same list).
SECRET_PATH = re.compile(r"(/(?:apercu|premier-compte|redaction/comptes/mot-de-passe)/)[^ ?]+")


class RedactedAccessLog(Logger):
    """gunicorn's logger, with the tokens of secret addresses left out of the access log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "{raw_uri}e"):
            if isinstance(atoms.get(key), str):
                atoms[key] = SECRET_PATH.sub(r"\1[jeton]", atoms[key])
        return atoms


logger_class = RedactedAccessLog
errorlog = "-"
forwarded_allow_ips = settings["forwarded_allow_ips"]


def when_ready(server):
    """Once, in the master, when it listens: while no administrator can log in, print the
    one-time link that creates the first one (`flask users setup-link --if-needed`).

    In a child process, not here: importing the app into the master would hand every
    worker modules loaded before the fork, and `kill -HUP` would no longer load new code
    (see preload_app). The child reads the same environment; any failure of its own (a
    database not migrated yet) is printed by it and never stops the server.
    """
    import subprocess

    command = [sys.executable, "-m", "flask", "--app", "app", "users", "setup-link", "--if-needed"]
    try:
        subprocess.run(command, cwd=PROJECT, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError) as error:
        server.log.warning("Lien de premier compte non créé : %s", error)
