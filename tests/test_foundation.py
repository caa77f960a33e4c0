"""Configuration, instance folder, migrations and the command line."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, inspect, select

from app import create_app
from config import InstanceFolderError, normalise_database_url
from models import Article, Block, Section, User, db


def test_schema_comes_from_migrations(app):
    tables = set(inspect(db.engine).get_table_names())
    assert {"alembic_version", "section", "user", "article", "block"} <= tables


def test_demo_load_twice_changes_nothing(runner, app):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Créé : article" in first.output
    counts = [
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Section, User, Article, Block)
    ]
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0 and "Rien à faire" in second.output
    assert counts == [
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Section, User, Article, Block)
    ]
    assert counts[0] == 7 and counts[2] == 1 and counts[3] == 12


def test_users_create_with_password_from_stdin(runner, app):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Redaction@Gazette.example",
            "--role",
            "editor",
            "--password-stdin",
        ],
        input="un mot de passe solide\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).filter_by(email="redaction@gazette.example"))
    assert user.role == "editor" and user.check_password("un mot de passe solide")
    assert not user.check_password("autre chose")
    assert user.password_hash.startswith("scrypt:")


def test_users_create_refuses_short_password_and_duplicates(runner, app):
    short = runner.invoke(args=["users", "create", "a@b.fr", "--password-stdin"], input="court\n")
    assert short.exit_code != 0 and "au moins 12 caractères" in short.output
    ok = runner.invoke(
        args=["users", "create", "a@b.fr", "--password-stdin"], input="un mot de passe solide\n"
    )
    assert ok.exit_code == 0
    again = runner.invoke(
        args=["users", "create", "a@b.fr", "--password-stdin"], input="un mot de passe solide\n"
    )
    assert again.exit_code != 0 and "existe déjà" in again.output


def test_users_create_prompts_for_password(runner, app):
    result = runner.invoke(
        args=["users", "create", "c@d.fr", "--role", "admin"],
        input="encore une phrase\nencore une phrase\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).filter_by(email="c@d.fr")).role == "admin"


def test_users_create_refuses_unknown_role(runner, app):
    result = runner.invoke(
        args=["users", "create", "e@f.fr", "--role", "chef", "--password-stdin"],
        input="un mot de passe solide",
    )
    assert result.exit_code != 0


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_uses_psycopg3(url, normalised):
    assert normalise_database_url(url) == normalised


@pytest.fixture
def instance_env(tmp_path, monkeypatch):
    """create_app() with the instance folder at tmp_path/instance and no env config."""
    import flask

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    original = flask.Flask.__init__

    def with_instance(self, *args, **kwargs):
        kwargs["instance_path"] = str(tmp_path / "instance")
        original(self, *args, **kwargs)

    monkeypatch.setattr(flask.Flask, "__init__", with_instance)
    return tmp_path / "instance"


def test_defaults_sqlite_in_instance_folder_and_keeps_secret(instance_env):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance_env / 'gazette.db'}"
    key = (instance_env / "secret_key").read_text()
    assert len(key) >= 32 and app.config["SECRET_KEY"] == key
    assert (instance_env / "secret_key").stat().st_mode & 0o077 == 0
    assert create_app().config["SECRET_KEY"] == key  # kept across restarts


def test_sqlite_runs_in_wal_mode_with_foreign_keys(instance_env):
    app = create_app()
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_instance_path_that_is_a_file_gives_a_clear_message(instance_env, capsys):
    instance_env.write_text("oops")
    with pytest.raises(InstanceFolderError):
        create_app()
    assert "devrait être un dossier" in capsys.readouterr().err


def test_corrupt_secret_key_gives_a_clear_message(instance_env, capsys):
    instance_env.mkdir()
    (instance_env / "secret_key").write_bytes(b"\xff\xfe")
    with pytest.raises(InstanceFolderError):
        create_app()
    assert "clé secrète" in capsys.readouterr().err


def test_corrupt_database_gives_a_clear_message(instance_env, capsys):
    instance_env.mkdir()
    (instance_env / "gazette.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(InstanceFolderError):
        create_app()
    assert "illisible" in capsys.readouterr().err


def test_valid_database_passes_the_start_check(instance_env):
    instance_env.mkdir()
    sqlite3.connect(instance_env / "gazette.db").execute("create table t (x)").connection.close()
    create_app()


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("court", "au moins 12 caractères"),
        ("ana@gazette.example", "adresse électronique"),
        ("azertyuiop123", "trop courant"),
        ("aaaaaaaaaaaaaaa", "trop courant"),
    ],
)
def test_password_policy_in_the_cli(runner, app, password, problem):
    result = runner.invoke(
        args=["users", "create", "ana@gazette.example", "--password-stdin"], input=password + "\n"
    )
    assert result.exit_code != 0 and problem in result.output


def test_users_reset_password_ends_sessions(runner, app):
    runner.invoke(
        args=["users", "create", "ana@gazette.example", "--password-stdin"],
        input="premier mot de passe\n",
    )
    user = db.session.scalar(select(User).filter_by(email="ana@gazette.example"))
    epoch = user.session_epoch
    result = runner.invoke(
        args=["users", "reset-password", "ana@gazette.example", "--password-stdin"],
        input="second mot de passe\n",
    )
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert user.check_password("second mot de passe") and user.session_epoch == epoch + 1
    missing = runner.invoke(
        args=["users", "reset-password", "nobody@x.fr", "--password-stdin"],
        input="un mot de passe solide\n",
    )
    assert missing.exit_code != 0 and "aucun compte" in missing.output


def test_https_deployment_uses_secure_host_prefixed_cookie(instance_env, monkeypatch):
    monkeypatch.setenv("GAZETTE_HTTPS", "1")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"


def test_trusted_proxy_gives_the_client_address(instance_env, monkeypatch):
    from flask import request

    monkeypatch.setenv("GAZETTE_TRUSTED_PROXIES", "1")
    app = create_app()
    app.add_url_rule("/whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme}")
    response = app.test_client().get(
        "/whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    )
    assert response.get_data(as_text=True) == "203.0.113.9 https"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_migrations_match_the_models(app):
    """What `flask db migrate` would generate is empty: models and migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from services.search import SEARCH_TABLES

    def include_object(object, name, type_, reflected, compare_to):
        return not (type_ == "table" and name.startswith(SEARCH_TABLES))

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        assert compare_metadata(context, db.metadata) == []
