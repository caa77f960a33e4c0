"""Fixtures: an app on each database backend, a test client, and small factories.

Every test that uses `app` runs on SQLite and, when TEST_DATABASE_URL points at a
PostgreSQL server, once more on PostgreSQL. Under CI=true a missing PostgreSQL is a
failure, never a silent skip.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from models import db

IN_CI = os.environ.get("CI") == "true"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def pytest_configure(config):
    if IN_CI and not TEST_DATABASE_URL:
        raise pytest.UsageError(
            "CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests would not run."
        )


def base_config(database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        "SITE_URL": "http://localhost",  # the test client's host
        # Counts start from zero in every app; the shared stores have tests of their own.
        "RATELIMIT_STORAGE_URI": "memory://",
    }


def _postgres_database(url_of_server: str):
    """Create a throwaway database on the server; yield its URL; drop it afterwards."""
    name = f"gazette_test_{uuid.uuid4().hex[:10]}"
    server = urlsplit(url_of_server.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(urlunsplit(server), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # an unreachable server must fail loudly, not skip
        pytest.fail(f"PostgreSQL at {url_of_server} is not usable: {error}")
    try:
        yield urlunsplit(server._replace(path=f"/{name}"))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A database migrated to the latest schema, once per backend per test run."""
    if request.param == "sqlite":
        generator = iter([f"sqlite:///{tmp_path_factory.mktemp('db') / 'gazette.db'}"])
    else:
        generator = _postgres_database(TEST_DATABASE_URL)
    url = next(generator)
    app = create_app(base_config(url))
    with app.app_context():
        upgrade()  # the schema comes from the migrations, as in production
        db.engine.dispose()
    yield url
    next(generator, None)


class IsolatedClient(FlaskClient):
    """Each request in a fresh app context, as in production.

    The test itself holds an app context (so factories and assertions can use
    db.session); without this, requests would share its `g` and database session,
    and a logged-in user or a stale object could leak from one request to the next.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url):
    app = create_app(base_config(database_url))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


def empty_all_tables() -> None:
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def media_root(app, tmp_path):
    """An empty MEDIA_ROOT of the test's own (uploads land there)."""
    root = tmp_path / "media"
    app.config["MEDIA_ROOT"] = str(root)
    return root


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo newsroom, loaded as `flask demo load` does."""
    from demo.load import load_demo

    load_demo()
    return app
