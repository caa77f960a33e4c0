"""Configuration: read once from the environment (config.py), typed, with French errors.

These tests set environment variables and call create_app() without a test dict, so they
go the way production goes: environment, then instance folder.
"""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import session

import config
from app import create_app

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

TRUE_SPELLINGS = ["true", "TRUE", "True", "yes", "Yes", "on", "ON", "1"]
FALSE_SPELLINGS = ["false", "FALSE", "False", "no", "NO", "off", "Off", "0"]


@pytest.fixture
def environment(tmp_path, monkeypatch):
    """No Gazette variable set (whatever the shell running the tests has), and the
    instance folder at tmp_path/instance: create_app() then starts as in production."""
    import flask

    for name in config.SETTINGS:
        monkeypatch.delenv(name, raising=False)
    original = flask.Flask.__init__

    def with_instance(self, *args, **kwargs):
        kwargs["instance_path"] = str(tmp_path / "instance")
        original(self, *args, **kwargs)

    monkeypatch.setattr(flask.Flask, "__init__", with_instance)
    return monkeypatch


def clean_subprocess_environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in config.SETTINGS}
    return env | settings


def set_cookie_from(app) -> str:
    """The Set-Cookie header of a response that writes the session."""

    @app.get("/_test/session")
    def write_session():
        session["seen"] = True
        return "ok"

    response = app.test_client().get("/_test/session", base_url="https://localhost")
    return response.headers["Set-Cookie"]


# --------------------------------------------------------------------------- booleans


@pytest.mark.parametrize("word", TRUE_SPELLINGS)
def test_every_true_word_turns_https_on(environment, word):
    environment.setenv("GAZETTE_HTTPS", word)
    app = create_app()
    assert app.config["GAZETTE_HTTPS"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    cookie = set_cookie_from(app)
    assert cookie.startswith("__Host-session=") and "Secure" in cookie


@pytest.mark.parametrize("word", [*FALSE_SPELLINGS, ""])
def test_every_false_word_leaves_https_off(environment, word):
    environment.setenv("GAZETTE_HTTPS", word)
    app = create_app()
    assert app.config["GAZETTE_HTTPS"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is False
    cookie = set_cookie_from(app)
    assert cookie.startswith("session=") and "Secure" not in cookie


@pytest.mark.parametrize(
    ("word", "enabled"),
    [*((w, True) for w in TRUE_SPELLINGS), *((w, False) for w in FALSE_SPELLINGS), ("", True)],
)
def test_page_cache_follows_the_boolean_vocabulary(environment, database_url, word, enabled):
    environment.setenv("DATABASE_URL", database_url)
    environment.setenv("GAZETTE_PAGE_CACHE", word)
    app = create_app()
    assert app.config["GAZETTE_PAGE_CACHE"] is enabled
    client = app.test_client()
    states = [client.get("/robots.txt").headers["X-Page-Cache"] for _ in range(2)]
    assert states == (["miss", "hit"] if enabled else ["miss", "miss"])


def test_every_boolean_setting_uses_the_same_vocabulary(environment):
    booleans = [s.name for s in config.SETTINGS.values() if s.kind == "bool"]
    assert set(booleans) >= {
        "GAZETTE_HTTPS",
        "GAZETTE_PAGE_CACHE",
        "MAIL_USE_TLS",
        "MAIL_USE_SSL",
        "SPONSORSHIP_SEND_ACKNOWLEDGEMENT",
    }
    for word, value in [("Yes", True), ("off", False)]:
        for name in booleans:
            environment.setenv(name, word)
        app = create_app()
        assert all(app.config[key] is value for key in booleans if key in app.config)
        assert app.config["MAIL_USE_TLS"] is value
        assert app.config["SPONSORSHIP_SEND_ACKNOWLEDGEMENT"] is value


def test_parse_bool():
    assert all(config.parse_bool(w) for w in TRUE_SPELLINGS)
    assert not any(config.parse_bool(w) for w in FALSE_SPELLINGS)
    for word in ("oui", "vrai", "t", "y", "2", "", "enabled"):
        with pytest.raises(ValueError):
            config.parse_bool(word)


# --------------------------------------------------------------------------- malformed values

MALFORMED = [
    ("GAZETTE_S_MAXAGE", "60s", "un nombre entier de secondes, par exemple 60"),
    ("GAZETTE_STALE_WHILE_REVALIDATE", "30.5", "un nombre entier de secondes"),
    ("GAZETTE_PAGE_CACHE_TIMEOUT", "1h", "un nombre entier de secondes"),
    ("GAZETTE_CACHE_THRESHOLD", "mille", "un nombre entier positif ou nul"),
    ("MAIL_PORT", "587x", "un numéro de port entre 1 et 65535"),
    ("MAIL_PORT", "70000", "un numéro de port entre 1 et 65535"),
    ("GAZETTE_DB_POOL_SIZE", "abc", "un nombre entier positif ou nul"),
    ("GAZETTE_DB_POOL_TIMEOUT", "-3", "un nombre entier de secondes"),
    ("GAZETTE_TRUSTED_PROXIES", "un", "un nombre entier positif ou nul"),
    ("SPONSORSHIP_MIN_FILL_SECONDS", "3 s", "un nombre entier de secondes"),
    ("SPONSORSHIP_RETENTION_SPAM_DAYS", "30j", "un nombre entier de jours"),
    ("SPONSORSHIP_LIMIT_PER_ADDRESS", "beaucoup", "des limites comme"),
    ("GAZETTE_HTTPS", "oui", "true, yes, on ou 1 pour activer"),
    ("GAZETTE_PAGE_CACHE", "disabled", "false, no, off ou 0 pour désactiver"),
    ("MAIL_USE_TLS", "2", "true, yes, on ou 1"),
]


def french_line(name: str, value: str) -> str:
    return f"Gazette ne peut pas démarrer : {name} vaut « {value} » ; attendu : "


@pytest.mark.parametrize(("name", "value", "expected"), MALFORMED)
def test_malformed_value_stops_the_start_with_one_french_line(
    environment, capsys, name, value, expected
):
    environment.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        create_app()
    assert stopped.value.code == 2
    assert isinstance(stopped.value, config.ConfigError) and stopped.value.name == name
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith(french_line(name, value)) and expected in lines[0]
    assert lines[0].endswith(".")


def test_malformed_value_stops_an_app_built_for_tests_too(environment):
    environment.setenv("GAZETTE_S_MAXAGE", "60s")
    with pytest.raises(config.ConfigError):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize(
    ("name", "value"),
    [("GAZETTE_S_MAXAGE", "60s"), ("MAIL_PORT", "587x"), ("GAZETTE_HTTPS", "oui")],
)
def test_malformed_value_in_a_real_process_prints_no_traceback(tmp_path, name, value):
    completed = subprocess.run(
        [sys.executable, "-c", "from app import create_app; create_app()"],
        cwd=ROOT,
        env=clean_subprocess_environment(**{name: value}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr and completed.stdout == ""
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(french_line(name, value))


def test_malformed_gunicorn_setting_stops_gunicorn_with_one_french_line():
    completed = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT,
        env=clean_subprocess_environment(GAZETTE_WORKERS="four"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(french_line("GAZETTE_WORKERS", "four"))


# --------------------------------------------------------------------------- defaults


def test_defaults_are_unchanged(environment, tmp_path):
    app = create_app()
    instance = tmp_path / "instance"
    expected = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'gazette.db'}",
        "REDIS_URL": None,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "GAZETTE_LOCALES": ("fr", "en"),
        "SITE_NAME": "Gazette",
        "NEWSROOM_EMAIL": "redaction@gazette.example",
        "NEWSROOM_PHONE": "+33 1 23 45 67 89",
        "NEWSROOM_ADDRESS": "12 rue des Imprimeurs, 75011 Paris",
        "ARTICLES_PER_PAGE": 10,
        "SITE_URL": "http://127.0.0.1:5000",
        "GAZETTE_TRUSTED_HOSTS": (),
        "TRUSTED_HOSTS": ["127.0.0.1", "localhost"],
        "RATELIMIT_STORAGE_URI": f"gazette+sqlite://{instance / 'shared' / 'rate-limits.sqlite'}",
        "RATELIMIT_HEADERS_ENABLED": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_NAME": "session",
        "PREFERRED_URL_SCHEME": "http",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "MEDIA_ROOT": str(instance / "media"),
        "MEDIA_MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "GAZETTE_TRUSTED_PROXIES": 0,
        "GAZETTE_HTTPS": False,
        "GAZETTE_PAGE_CACHE": True,
        "PAGE_CACHE_TIMEOUT": 3600,
        "HTTP_CACHE_S_MAXAGE": 60,
        "HTTP_CACHE_STALE_WHILE_REVALIDATE": 30,
        "CACHE_TYPE": "SimpleCache",
        "CACHE_REDIS_URL": None,
        "CACHE_KEY_PREFIX": "gazette:",
        "CACHE_DEFAULT_TIMEOUT": 0,
        "CACHE_THRESHOLD": 1000,
        "CACHE_DIR": str(instance / "page-cache"),
        "PAGE_CACHE_GENERATIONS_FILE": str(instance / "shared" / "page-cache-generations"),
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_DEFAULT_SENDER": "",
        "MAIL_TIMEOUT": 10,
        "OUTBOX_MAX_ATTEMPTS": 10,
        "OUTBOX_SEND_AFTER_RESPONSE": True,
        "SPONSORSHIP_NOTIFY_TO": "",
        "SPONSORSHIP_SEND_ACKNOWLEDGEMENT": False,
        "SPONSORSHIP_MIN_FILL_SECONDS": 3,
        "SPONSORSHIP_LIMIT_PER_ADDRESS": "5 per hour; 20 per day",
        "SPONSORSHIP_LIMIT_PER_EMAIL": "3 per day",
        "SPONSORSHIP_RETENTION_SPAM_DAYS": 30,
        "SPONSORSHIP_RETENTION_CLOSED_DAYS": 1095,
        "SPONSORSHIP_INBOX_PER_PAGE": 25,
    }
    assert {key: app.config[key] for key in expected} == expected
    assert app.config["SECRET_KEY"] == (instance / "secret_key").read_text()


def test_settings_from_the_environment(environment):
    values = {
        "DATABASE_URL": "postgres://gazette@db.internal/gazette",
        "SECRET_KEY": "k" * 40,
        "REDIS_URL": "redis://cache.internal:6379/0",
        "GAZETTE_SITE_NAME": "La Gazette du Port",
        "GAZETTE_S_MAXAGE": " 120 ",
        "GAZETTE_DB_POOL_SIZE": "8",
        "GAZETTE_DB_POOL_TIMEOUT": "3",
        "GAZETTE_CACHE_PREFIX": "",
        "MAIL_SERVER": " smtp.example ",
        "MAIL_PORT": "587",
        "SPONSORSHIP_LIMIT_PER_EMAIL": "2 per day",
    }
    for name, value in values.items():
        environment.setenv(name, value)
    app = create_app()
    c = app.config
    assert c["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://gazette@db.internal/gazette"
    assert c["SECRET_KEY"] == "k" * 40
    assert c["RATELIMIT_STORAGE_URI"] == c["CACHE_REDIS_URL"] == "redis://cache.internal:6379/0"
    assert c["CACHE_TYPE"] == "RedisCache" and c["CACHE_KEY_PREFIX"] == ""
    assert c["SITE_NAME"] == "La Gazette du Port" and c["HTTP_CACHE_S_MAXAGE"] == 120
    assert c["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_pre_ping": True,
        "pool_size": 8,
        "max_overflow": 5,
        "pool_recycle": 1800,
        "pool_timeout": 3,
    }
    assert c["MAIL_SERVER"] == "smtp.example" and c["MAIL_PORT"] == 587
    assert c["SPONSORSHIP_LIMIT_PER_EMAIL"] == "2 per day"


def test_an_empty_value_counts_as_unset(environment):
    for name in ("MAIL_PORT", "GAZETTE_TRUSTED_PROXIES", "GAZETTE_S_MAXAGE", "REDIS_URL"):
        environment.setenv(name, "")
    app = create_app()
    assert app.config["MAIL_PORT"] == 25 and app.config["GAZETTE_TRUSTED_PROXIES"] == 0
    assert app.config["HTTP_CACHE_S_MAXAGE"] == 60 and app.config["REDIS_URL"] is None


def test_test_config_is_applied_over_the_environment(environment):
    environment.setenv("GAZETTE_S_MAXAGE", "120")
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "HTTP_CACHE_S_MAXAGE": 5}
    )
    assert app.config["HTTP_CACHE_S_MAXAGE"] == 5


def test_gunicorn_defaults_leave_the_page_cache_store_alone(environment):
    environment.setenv("GAZETTE_CACHE_TYPE", "")  # restored (unset) after the test
    environment.setenv("GAZETTE_WORKERS", "3")
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert settings["bind"] == "127.0.0.1:8000" and settings["workers"] == 3
    assert (settings["timeout"], settings["graceful_timeout"]) == (30, 30)
    assert settings["max_requests"] == 200_000 and settings["accesslog"] == "-"
    assert settings["forwarded_allow_ips"] == "127.0.0.1"
    # Several workers and no Redis need nothing more: pages stay in each worker's memory,
    # checked against generations every worker sees (tests/test_workers.py).
    assert os.environ["GAZETTE_CACHE_TYPE"] == ""


def test_gunicorn_access_log_leaves_out_the_tokens_of_secret_addresses(environment):
    """A preview, first-run or password link opens things by its token alone: the access
    log keeps the path with "[jeton]" in its place, like the sample nginx config."""
    from gunicorn.config import Config

    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert settings["logger_class"] is settings["RedactedAccessLog"]
    logger = settings["RedactedAccessLog"](Config())
    response = SimpleNamespace(status="404 Not Found", response_length=10, headers=[], sent=10)
    for path in ("/apercu/", "/premier-compte/", "/redaction/comptes/mot-de-passe/"):
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": f"{path}JETON-SECRET?x=1",
            "PATH_INFO": f"{path}JETON-SECRET",
            "QUERY_STRING": "x=1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
        }
        request = SimpleNamespace(headers=[], path=f"{path}JETON-SECRET", query="x=1")
        atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
        assert atoms["r"] == f"GET {path}[jeton]?x=1 HTTP/1.1"
        assert "JETON-SECRET" not in atoms["U"]
    nginx = (ROOT / "deploy" / "nginx" / "gazette.conf").read_text()
    assert "(apercu|premier-compte|redaction/comptes/mot-de-passe)" in nginx  # the same list


def test_gunicorn_empty_access_log_means_none(environment):
    environment.setenv("GAZETTE_ACCESS_LOG", "")
    environment.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert config.gunicorn_settings()["accesslog"] is None
    assert config.gunicorn_settings()["workers"] == os.cpu_count() * 2 + 1


# --------------------------------------------------------------------------- one list, documented


def readme_configuration_names() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_readme_table_lists_exactly_the_settings_config_reads():
    assert readme_configuration_names() == set(config.SETTINGS)


def test_every_declared_setting_is_read(environment, tmp_path):
    environment_reading = config.Environment()
    config.app_config(str(tmp_path), environment_reading)
    config.gunicorn_settings(environment_reading)
    assert environment_reading.names_read == set(config.SETTINGS)


def test_no_module_but_config_reads_the_environment():
    """Settings are read once, in config.py: the app's code asks app.config."""
    sources = [ROOT / "app.py", ROOT / "extensions.py"]
    for folder in ("models", "services", "views", "cli", "demo"):
        sources += (ROOT / folder).rglob("*.py")
    readers = [
        str(path.relative_to(ROOT))
        for path in sources
        if re.search(r"os\.environ|getenv\(", path.read_text())
    ]
    assert readers == []
