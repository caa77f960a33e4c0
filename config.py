"""Every setting Gazette reads from the environment, read once, typed, in one place.

Settings are read once, when the app starts (and once by deploy/gunicorn.conf.py for the
server's own settings), and never again from anywhere else: the rest of the code asks
`app.config`. So a value is parsed by one rule whatever module uses it (one vocabulary
for every boolean, one way to read a number), a malformed value stops the start with one
French line naming the variable and the form expected, instead of a silent default or a
traceback in the middle of a request, and the list below (SETTINGS) is the whole truth
about what an operator can set: the README's table is checked against it by a test.
Tests build apps with `create_app(test_config)`, whose dict is applied on top of what is
read here.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import secrets
import sqlite3
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import limits
from environs import Env, EnvError
from marshmallow.validate import Range

# One vocabulary for every boolean setting, compared without regard to case.
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")

SECONDS = "un nombre entier de secondes, par exemple 60"
COUNT = "un nombre entier positif ou nul, par exemple 5"
MEBIBYTES = "un nombre entier de Mio (mébioctets), par exemple 64"
BOOLEAN = "true, yes, on ou 1 pour activer ; false, no, off ou 0 pour désactiver"
LIMITS = "des limites comme « 5 per hour; 20 per day »"
SITE_URL = "l’adresse publique du site, comme https://gazette.example (sans chemin)"
HOSTS = "des noms d’hôte séparés par des virgules, comme www.gazette.example,gazette.example"
# A site served on the machine itself also answers its other loopback name (a developer
# types localhost or 127.0.0.1 alike); only someone on the machine can reach it anyway.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


class StartupError(SystemExit):
    """Gazette cannot start: one French line on stderr says why, and the exit status is 2.

    A SystemExit, so that neither Flask's command line nor gunicorn prints a traceback.
    """

    def __init__(self, message: str):
        self.message = message
        print(f"\nGazette ne peut pas démarrer : {message}\n", file=sys.stderr)
        super().__init__(2)


class InstanceFolderError(StartupError):
    """The instance folder cannot be used; the message tells the operator what to do."""


class ConfigError(StartupError):
    """An environment variable holds a value Gazette cannot use."""

    def __init__(self, name: str, value: str, expected: str):
        self.name = name
        super().__init__(f"{name} vaut « {_shown(value)} » ; attendu : {expected}.")


def _shown(value: str) -> str:
    """The value as typed, on one line and not too long to read."""
    printable = "".join(c if c.isprintable() else "?" for c in value)
    return printable if len(printable) <= 60 else printable[:60] + "…"


@dataclass(frozen=True)
class Setting:
    """One environment variable: its type, its default and, for errors, the form expected.

    kind is "text", "int", "bool", "limits" (Flask-Limiter's "5 per hour; 20 per day"),
    "site_url" (an http(s) origin, returned without a trailing slash) or "hosts" (host
    names separated by commas, returned as a tuple).
    An empty value counts as unset (the default applies), unless keep_empty: then the
    empty string is the value. default may be a function, called when it is needed.
    """

    name: str
    kind: str = "text"
    default: Any = ""
    expected: str = ""
    minimum: int | None = None
    maximum: int | None = None
    keep_empty: bool = False


def _workers_default() -> int:
    return multiprocessing.cpu_count() * 2 + 1  # gunicorn's rule of thumb


SETTINGS: dict[str, Setting] = {
    setting.name: setting
    for setting in (
        # Where the data lives.
        Setting("DATABASE_URL"),  # empty: instance/gazette.db
        Setting("SECRET_KEY"),  # empty: generated once into instance/secret_key
        Setting("REDIS_URL", default=None),
        Setting("GAZETTE_MEDIA_ROOT", default=None),  # None: instance/media
        # The site.
        Setting("GAZETTE_LOCALE", default="fr"),
        Setting("GAZETTE_TIMEZONE", default="Europe/Paris"),
        Setting("GAZETTE_SITE_NAME", default="Gazette"),
        Setting("GAZETTE_NEWSROOM_EMAIL", default="redaction@gazette.example"),
        Setting("GAZETTE_NEWSROOM_PHONE", default="+33 1 23 45 67 89"),
        Setting("GAZETTE_NEWSROOM_ADDRESS", default="12 rue des Imprimeurs, 75011 Paris"),
        # HTTP in front of the app.
        Setting("GAZETTE_SITE_URL", "site_url", "http://127.0.0.1:5000", SITE_URL),
        Setting("GAZETTE_TRUSTED_HOSTS", "hosts", (), HOSTS),
        Setting("GAZETTE_HTTPS", "bool", False, BOOLEAN),
        Setting("GAZETTE_TRUSTED_PROXIES", "int", 0, COUNT, minimum=0),
        # Accounts: how long the first-run link (to create the first administrator) works.
        Setting("GAZETTE_SETUP_LINK_SECONDS", "int", 3600, SECONDS, minimum=60),
        # Database connection pool (PostgreSQL only).
        Setting("GAZETTE_DB_POOL_SIZE", "int", 5, COUNT, minimum=0),
        Setting("GAZETTE_DB_MAX_OVERFLOW", "int", 5, COUNT, minimum=0),
        Setting("GAZETTE_DB_POOL_RECYCLE", "int", 1800, SECONDS, minimum=0),
        Setting("GAZETTE_DB_POOL_TIMEOUT", "int", 10, SECONDS, minimum=0),
        # Page cache and HTTP caching.
        Setting("GAZETTE_PAGE_CACHE", "bool", True, BOOLEAN),
        Setting("GAZETTE_PAGE_CACHE_TIMEOUT", "int", 3600, SECONDS, minimum=0),
        Setting("GAZETTE_S_MAXAGE", "int", 60, SECONDS, minimum=0),
        Setting("GAZETTE_STALE_WHILE_REVALIDATE", "int", 30, SECONDS, minimum=0),
        Setting("GAZETTE_CACHE_TYPE", default=None),  # None: RedisCache or SimpleCache
        Setting("GAZETTE_CACHE_PREFIX", default="gazette:", keep_empty=True),
        Setting("GAZETTE_CACHE_THRESHOLD", "int", 1000, COUNT, minimum=0),
        Setting("GAZETTE_PAGE_CACHE_MEMORY", "int", 64, MEBIBYTES, minimum=0),
        Setting("GAZETTE_CACHE_DIR", default=None),  # None: instance/page-cache
        Setting("GAZETTE_SHARED_DIR", default=None),  # None: instance/shared
        # Outgoing mail.
        Setting("MAIL_SERVER"),
        Setting(
            "MAIL_PORT",
            "int",
            25,
            "un numéro de port entre 1 et 65535, par exemple 587",
            minimum=1,
            maximum=65535,
        ),
        Setting("MAIL_USERNAME"),
        Setting("MAIL_PASSWORD"),
        Setting("MAIL_USE_TLS", "bool", False, BOOLEAN),
        Setting("MAIL_USE_SSL", "bool", False, BOOLEAN),
        Setting("MAIL_DEFAULT_SENDER"),
        # The sponsorship form.
        Setting("SPONSORSHIP_NOTIFY_TO"),
        Setting("SPONSORSHIP_SEND_ACKNOWLEDGEMENT", "bool", False, BOOLEAN),
        Setting("SPONSORSHIP_MIN_FILL_SECONDS", "int", 3, SECONDS, minimum=0),
        Setting("SPONSORSHIP_LIMIT_PER_ADDRESS", "limits", "5 per hour; 20 per day", LIMITS),
        Setting("SPONSORSHIP_LIMIT_PER_EMAIL", "limits", "3 per day", LIMITS),
        Setting(
            "SPONSORSHIP_RETENTION_SPAM_DAYS",
            "int",
            30,
            "un nombre entier de jours, par exemple 30",
            minimum=0,
        ),
        Setting(
            "SPONSORSHIP_RETENTION_CLOSED_DAYS",
            "int",
            3 * 365,
            "un nombre entier de jours, par exemple 1095",
            minimum=0,
        ),
        # The articles' trash.
        Setting(
            "GAZETTE_TRASH_DAYS",
            "int",
            30,
            "un nombre entier de jours, par exemple 30",
            minimum=0,
        ),
        # Backups: how many `flask site backup` keeps in its folder (the newest ones).
        Setting(
            "GAZETTE_BACKUP_KEEP",
            "int",
            7,
            "un nombre entier de sauvegardes, au moins 1, par exemple 7",
            minimum=1,
        ),
        # gunicorn (deploy/gunicorn.conf.py).
        Setting("GAZETTE_BIND", default="127.0.0.1:8000"),
        Setting(
            "GAZETTE_WORKERS",
            "int",
            _workers_default,
            "un nombre entier de processus, au moins 1, par exemple 4",
            minimum=1,
        ),
        Setting("GAZETTE_TIMEOUT", "int", 30, SECONDS, minimum=0),
        Setting("GAZETTE_GRACEFUL_TIMEOUT", "int", 30, SECONDS, minimum=0),
        Setting("GAZETTE_MAX_REQUESTS", "int", 200_000, COUNT, minimum=0),
        Setting("GAZETTE_ACCESS_LOG", default="-", keep_empty=True),  # empty: no access log
        Setting("GAZETTE_FORWARDED_ALLOW_IPS", default="127.0.0.1"),
    )
}


def parse_bool(value: str) -> bool:
    """true|yes|on|1 -> True, false|no|off|0 -> False, whatever the case; else ValueError."""
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _bool_parser(value: str) -> bool:
    try:
        return parse_bool(value)
    except ValueError as error:
        raise EnvError(str(error)) from None


def parse_site_url(value: str) -> str:
    """ "https://Gazette.example/" -> "https://gazette.example": scheme, host and port only.

    Raises ValueError for anything else (no scheme, another scheme, a path, a query,
    user information), so that every absolute link can be built by appending a path.
    """
    parts = urlsplit(value.strip())
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
        or not HOST_NAME.fullmatch(parts.hostname)
    ):
        raise ValueError(f"not a site address: {value!r}")
    parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    return f"{parts.scheme}://{netloc}"


# A DNS name or an IPv4 address, as a Host header carries it (Werkzeug's own pattern).
HOST_NAME = re.compile(r"[a-z0-9.-]+", re.ASCII | re.IGNORECASE)


def parse_hosts(value: str) -> tuple[str, ...]:
    """ "a.example, b.example" -> ("a.example", "b.example"), lower case; ValueError if malformed.

    A name may start with a dot to accept every subdomain (".gazette.example"), as
    Werkzeug's trusted hosts do.
    """
    names = tuple(name.strip().lower() for name in value.split(",") if name.strip())
    if not all(HOST_NAME.fullmatch(name) for name in names):
        raise ValueError(f"not host names: {value!r}")
    return names


def trusted_hosts(site_url: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The Host header values the app answers (Flask's TRUSTED_HOSTS): the site URL's
    host, the extra names, and, when the site is on a loopback address (`make run`), the
    other loopback name. Ports are not compared (Werkzeug ignores them)."""
    host = urlsplit(site_url).hostname or ""
    names = [host, *extra]
    if host in LOOPBACK_HOSTS:
        names += LOOPBACK_HOSTS
    return list(dict.fromkeys(names))


def _site_url_parser(value: str) -> str:
    try:
        return parse_site_url(value)
    except ValueError as error:
        raise EnvError(str(error)) from None


def _hosts_parser(value: str) -> tuple[str, ...]:
    try:
        return parse_hosts(value)
    except ValueError as error:
        raise EnvError(str(error)) from None


def _limits_parser(value: str) -> str:
    try:
        limits.parse_many(value)
    except ValueError as error:
        raise EnvError(str(error)) from None
    return value.strip()


class Environment:
    """One reading of os.environ through environs, by the rules of SETTINGS.

    read(name) returns the typed value or the default, raises ConfigError (a SystemExit)
    for a malformed value, and KeyError for a name SETTINGS does not declare. The names
    read are kept in `names_read`.
    """

    def __init__(self) -> None:
        self._env = Env(expand_vars=False)
        self._env.add_parser("gazette_bool", _bool_parser)
        self._env.add_parser("gazette_limits", _limits_parser)
        self._env.add_parser("gazette_site_url", _site_url_parser)
        self._env.add_parser("gazette_hosts", _hosts_parser)
        self.names_read: set[str] = set()

    def read(self, name: str) -> Any:
        setting = SETTINGS[name]
        self.names_read.add(name)
        raw = os.environ.get(name)
        if raw is None or (not raw.strip() and not setting.keep_empty):
            return setting.default() if callable(setting.default) else setting.default
        try:
            if setting.kind == "int":
                return self._env.int(name, validate=Range(min=setting.minimum, max=setting.maximum))
            if setting.kind == "bool":
                return self._env.gazette_bool(name)
            if setting.kind == "limits":
                return self._env.gazette_limits(name)
            if setting.kind == "site_url":
                return self._env.gazette_site_url(name)
            if setting.kind == "hosts":
                return self._env.gazette_hosts(name)
            return self._env.str(name)
        except EnvError:
            raise ConfigError(name, raw, setting.expected) from None


def app_config(instance_path: str, environment: Environment | None = None) -> dict:
    """The Flask configuration: every setting read from the environment, plus fixed values.

    instance_path gives the defaults of the media and page-cache folders. Raises
    ConfigError (a SystemExit, message on stderr) for a malformed value. What depends on
    the instance folder itself (secret key, default database) is in instance_config().
    """
    env = environment or Environment()
    instance = Path(instance_path)
    redis_url = env.read("REDIS_URL")
    database_url = env.read("DATABASE_URL")
    # What every worker of this machine shares without Redis (page-cache generations,
    # rate-limit counters).
    shared = Path(env.read("GAZETTE_SHARED_DIR") or instance / "shared")
    site_url = env.read("GAZETTE_SITE_URL")
    extra_hosts = env.read("GAZETTE_TRUSTED_HOSTS")
    https = env.read("GAZETTE_HTTPS")
    config = dict(
        SQLALCHEMY_DATABASE_URI=database_url,
        SECRET_KEY=env.read("SECRET_KEY") or None,
        REDIS_URL=redis_url,
        BABEL_DEFAULT_LOCALE=env.read("GAZETTE_LOCALE"),
        BABEL_DEFAULT_TIMEZONE=env.read("GAZETTE_TIMEZONE"),
        GAZETTE_LOCALES=("fr", "en"),
        SITE_NAME=env.read("GAZETTE_SITE_NAME"),
        NEWSROOM_EMAIL=env.read("GAZETTE_NEWSROOM_EMAIL"),
        NEWSROOM_PHONE=env.read("GAZETTE_NEWSROOM_PHONE"),
        NEWSROOM_ADDRESS=env.read("GAZETTE_NEWSROOM_ADDRESS"),
        ARTICLES_PER_PAGE=10,
        # Every absolute link (e-mails, feeds, sitemaps, canonical, structured data) starts
        # with this, never with the Host a request claims (views/urls.py).
        SITE_URL=site_url,
        GAZETTE_TRUSTED_HOSTS=extra_hosts,
        # Requests for any other host get a 400 (Werkzeug checks the Host header).
        TRUSTED_HOSTS=trusted_hosts(site_url, extra_hosts),
        # Limits every worker shares: in Redis (every instance), else in a SQLite file of
        # this machine (services/shared_limits.py); never per process (memory://).
        RATELIMIT_STORAGE_URI=redis_url or rate_limit_file_uri(shared / "rate-limits.sqlite"),
        RATELIMIT_HEADERS_ENABLED=False,
        # A CSRF token lives as long as the login session, so an editor who leaves a form
        # open for hours can still save it (the default would expire it after an hour).
        WTF_CSRF_TIME_LIMIT=None,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        # Uploaded images: files named by a random token, never by the uploader.
        MEDIA_ROOT=env.read("GAZETTE_MEDIA_ROOT") or str(instance / "media"),
        MEDIA_MAX_UPLOAD_BYTES=10 * 1024 * 1024,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(
            database_url,
            pool_size=env.read("GAZETTE_DB_POOL_SIZE"),
            max_overflow=env.read("GAZETTE_DB_MAX_OVERFLOW"),
            pool_recycle=env.read("GAZETTE_DB_POOL_RECYCLE"),
            pool_timeout=env.read("GAZETTE_DB_POOL_TIMEOUT"),
        ),
        # Behind N reverse proxies, take the client's address and scheme from their headers.
        GAZETTE_TRUSTED_PROXIES=env.read("GAZETTE_TRUSTED_PROXIES"),
        GAZETTE_HTTPS=https,
        # What `flask articles purge` deletes: articles in the trash for more days than this.
        GAZETTE_TRASH_DAYS=env.read("GAZETTE_TRASH_DAYS"),
        SETUP_LINK_SECONDS=env.read("GAZETTE_SETUP_LINK_SECONDS"),
        # What `flask site backup` keeps in its folder: the newest this many backups.
        GAZETTE_BACKUP_KEEP=env.read("GAZETTE_BACKUP_KEEP"),
        **_page_cache_config(env, instance, shared, redis_url),
        **_mail_config(env),
        **_sponsorship_config(env),
    )
    if config["GAZETTE_HTTPS"]:
        # Served over HTTPS (TLS ends at the proxy): the session cookie never travels in
        # clear, and the __Host- prefix forbids a sibling domain from setting it.
        config.update(
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME="__Host-session",
            PREFERRED_URL_SCHEME="https",
        )
    return config


def rate_limit_file_uri(path: Path) -> str:
    """Flask-Limiter's storage URI for counters in a SQLite file (services/shared_limits.py
    registers the scheme): "gazette+sqlite:///abs/path"."""
    return "gazette+sqlite://" + quote(str(path.resolve()))


def _page_cache_config(
    env: Environment, instance: Path, shared: Path, redis_url: str | None
) -> dict:
    """Page and HTTP cache settings (see README, "Caching")."""
    return {
        "GAZETTE_PAGE_CACHE": env.read("GAZETTE_PAGE_CACHE"),
        # Longest an entry lives even if nothing changes (invalidation does the real work).
        "PAGE_CACHE_TIMEOUT": env.read("GAZETTE_PAGE_CACHE_TIMEOUT"),
        # What a CDN or proxy may keep without asking again (s-maxage), and how long it
        # may go on serving a stale copy while it refreshes it in the background.
        "HTTP_CACHE_S_MAXAGE": env.read("GAZETTE_S_MAXAGE"),
        "HTTP_CACHE_STALE_WHILE_REVALIDATE": env.read("GAZETTE_STALE_WHILE_REVALIDATE"),
        "CACHE_TYPE": env.read("GAZETTE_CACHE_TYPE")
        or ("RedisCache" if redis_url else "SimpleCache"),
        "CACHE_REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": env.read("GAZETTE_CACHE_PREFIX"),
        "CACHE_DEFAULT_TIMEOUT": 0,
        # Each worker keeps at most this many pages in its memory (~15-30 KB each), and
        # at most PAGE_CACHE_MEMORY_MIB of them; so does a FileSystemCache store.
        "CACHE_THRESHOLD": env.read("GAZETTE_CACHE_THRESHOLD"),
        "PAGE_CACHE_MEMORY_MIB": env.read("GAZETTE_PAGE_CACHE_MEMORY"),
        "CACHE_DIR": env.read("GAZETTE_CACHE_DIR") or str(instance / "page-cache"),
        # Pages kept in each worker's memory are checked against generations every worker
        # on the machine sees (services/generations.py).
        "PAGE_CACHE_GENERATIONS_FILE": str(shared / "page-cache-generations"),
    }


def _mail_config(env: Environment) -> dict:
    """SMTP settings; MAIL_SERVER empty means "do not send, keep everything queued"."""
    return {
        "MAIL_SERVER": env.read("MAIL_SERVER").strip(),
        "MAIL_PORT": env.read("MAIL_PORT"),
        "MAIL_USERNAME": env.read("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.read("MAIL_PASSWORD"),
        "MAIL_USE_TLS": env.read("MAIL_USE_TLS"),  # STARTTLS on a plain connection (587)
        "MAIL_USE_SSL": env.read("MAIL_USE_SSL"),  # TLS from the start (port 465)
        "MAIL_DEFAULT_SENDER": env.read("MAIL_DEFAULT_SENDER"),
        "MAIL_TIMEOUT": 10,
        "OUTBOX_MAX_ATTEMPTS": 10,
        # Try to send right after the response, in a background thread of this process.
        "OUTBOX_SEND_AFTER_RESPONSE": True,
    }


def _sponsorship_config(env: Environment) -> dict:
    """Settings of the sponsorship form, its spam filter and its retention."""
    return {
        # Addresses notified of each new inquiry (comma-separated); NEWSROOM_EMAIL if unset.
        "SPONSORSHIP_NOTIFY_TO": env.read("SPONSORSHIP_NOTIFY_TO"),
        # Off by default: a public form that mails whatever address is typed is a spam relay.
        "SPONSORSHIP_SEND_ACKNOWLEDGEMENT": env.read("SPONSORSHIP_SEND_ACKNOWLEDGEMENT"),
        # A person takes longer than this to fill the form; a script posting faster is spam.
        "SPONSORSHIP_MIN_FILL_SECONDS": env.read("SPONSORSHIP_MIN_FILL_SECONDS"),
        # Accepted inquiries per sender; invalid submissions do not count.
        "SPONSORSHIP_LIMIT_PER_ADDRESS": env.read("SPONSORSHIP_LIMIT_PER_ADDRESS"),
        "SPONSORSHIP_LIMIT_PER_EMAIL": env.read("SPONSORSHIP_LIMIT_PER_EMAIL"),
        "SPONSORSHIP_RETENTION_SPAM_DAYS": env.read("SPONSORSHIP_RETENTION_SPAM_DAYS"),
        "SPONSORSHIP_RETENTION_CLOSED_DAYS": env.read("SPONSORSHIP_RETENTION_CLOSED_DAYS"),
        "SPONSORSHIP_INBOX_PER_PAGE": 25,
    }


def engine_options(
    database_url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 5,
    pool_recycle: int = 1800,
    pool_timeout: int = 10,
) -> dict:
    """SQLAlchemy engine options: one connection pool per process (gunicorn worker).

    pool_pre_ping replaces connections the server closed; pool_recycle retires them
    before a proxy or firewall drops them silently. The pool sizes apply to PostgreSQL
    only (SQLite uses its own pool and ignores them), so they are left out for it.
    """
    options: dict = {"pool_pre_ping": True}
    if database_url.startswith(("postgres://", "postgresql")):
        options.update(
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_recycle=pool_recycle,
            pool_timeout=pool_timeout,
        )
    return options


def gunicorn_settings(environment: Environment | None = None) -> dict:
    """The server's settings for deploy/gunicorn.conf.py, named as gunicorn names them.

    Raises ConfigError like app_config().
    """
    env = environment or Environment()
    access_log = env.read("GAZETTE_ACCESS_LOG")
    return {
        "bind": env.read("GAZETTE_BIND"),
        "workers": env.read("GAZETTE_WORKERS"),
        "timeout": env.read("GAZETTE_TIMEOUT"),
        "graceful_timeout": env.read("GAZETTE_GRACEFUL_TIMEOUT"),
        "max_requests": env.read("GAZETTE_MAX_REQUESTS"),
        "accesslog": access_log or None,  # empty: no access log
        "forwarded_allow_ips": env.read("GAZETTE_FORWARDED_ALLOW_IPS"),
    }


# ---------------------------------------------------------------------------------------
# The instance folder: the default database and the generated secret key live there.


def instance_config(instance: Path, database_url: str, secret_key: str | None) -> dict:
    """SECRET_KEY and SQLALCHEMY_DATABASE_URI, completed from the instance folder.

    Creates the folder if needed; without SECRET_KEY, generates one into it (kept across
    restarts); without DATABASE_URL, uses the SQLite file in it after checking that the
    file is readable. Raises InstanceFolderError (a SystemExit) when the folder, the key
    or the database cannot be used.
    """
    ensure_instance_folder(instance)
    secret_key = secret_key or instance_secret_key(instance)
    if not database_url:
        database = instance / "gazette.db"
        check_sqlite_file(database)
        database_url = f"sqlite:///{database}"
    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
    }


def normalise_database_url(url: str) -> str:
    """postgres:// and postgresql:// both mean psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def ensure_instance_folder(instance: Path) -> None:
    """Create the instance folder, or raise InstanceFolderError saying why it cannot be used."""
    if instance.exists() and not instance.is_dir():
        raise InstanceFolderError(
            f"{instance} devrait être un dossier, c’est un fichier. Déplacez-le ou supprimez-le."
        )
    try:
        instance.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InstanceFolderError(
            f"impossible de créer le dossier d’instance {instance} ({error.strerror})."
        ) from None
    if not os.access(instance, os.W_OK):
        raise InstanceFolderError(
            f"le dossier d’instance {instance} n’est pas accessible en écriture."
        )


def instance_secret_key(instance: Path) -> str:
    """Generated once and kept in the instance folder, so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    try:
        key = path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        key = ""
    if len(key) < 32:
        raise InstanceFolderError(
            f"la clé secrète {path} est vide ou illisible. Supprimez ce fichier pour en "
            "générer une nouvelle (les sessions ouvertes seront fermées), "
            "ou définissez SECRET_KEY."
        )
    return key


def check_sqlite_file(path: Path) -> None:
    """A damaged database file should say so at start, not as a 500 on the first page."""
    if not path.exists():
        return
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            connection.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise InstanceFolderError(
            f"la base {path} est illisible ({error}). Restaurez une sauvegarde, ou "
            "déplacez ce fichier puis lancez `flask --app app db upgrade`."
        ) from None
