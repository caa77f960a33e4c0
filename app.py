"""Gazette: a newsroom web application.

create_app() reads like a table of contents: configuration, extensions,
blueprints, error pages, security headers, command line.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import click
from flask import Flask, Request, abort, g, render_template, request
from flask.cli import run_command
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy import exc as sqlalchemy_exc
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.serving import is_running_from_reloader

import config
from extensions import babel, csrf, limiter, login_manager, migrate
from models import User, db
from services import embeds, prepared, search
from views import audit_trail, http_cache, prepared_pieces, template_helpers
from views.urls import GazetteFlask

# Pages and partials may load scripts and styles from this origin only; nothing inline.
# Frames follow default-src ('self'), except on pages that show embeds: see
# content_security_policy().
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)
CONTENT_SECURITY_POLICY = "; ".join(CSP_DIRECTIVES)


def content_security_policy(frame_origins: Iterable[str] = ()) -> str:
    """The Content-Security-Policy of a response: the one place it is built.

    `frame_origins` are the origins of the embeds the page shows ("https://player.vimeo.com"),
    gathered while it rendered (views.reading.embed_for_page, in `g.frame_origins`). None given:
    the site's policy, whose frames follow default-src 'self'. Some: the same policy plus
    `frame-src` listing exactly those origins, sorted, so that the iframe a reader asks
    for may load and nothing else may (not even this site in a frame). An origin that is
    not https and a plain host name (services.embeds.ORIGIN) is left out: a header value
    is never built from anything else.
    """
    allowed = embeds.frame_origins_allowed(frame_origins)
    if not allowed:
        return CONTENT_SECURITY_POLICY
    return "; ".join([*CSP_DIRECTIVES, "frame-src " + " ".join(allowed)])


PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


SERVER_ERROR_FALLBACK = (
    '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Erreur</title>'
    "<h1>Le site rencontre un problème</h1><p>Merci de réessayer dans quelques instants.</p>"
)


def create_app(test_config: dict | None = None) -> Flask:
    app = GazetteFlask(__name__)  # absolute URLs on the configured site (views/urls.py)
    load_config(app, test_config)
    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    refuse_json_bodies(app)  # before the CSRF check, which would build a form from it
    register_extensions(app)
    trust_proxies(app)  # outermost, so everything inside sees the client's address and host
    register_blueprints(app)
    register_error_pages(app)
    refuse_nul_in_paths(app)
    register_security_headers(app)
    register_commands(app)
    template_helpers.register(app)
    announce_first_run(app)  # `flask run` only: where the site is, the first-run link
    return app


class DatabaseIdConverter(IntegerConverter):
    """<int:…> in a URL: past what an INTEGER column holds no row can match, so the URL
    does not match either (404), instead of overflowing the database driver (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def load_config(app: Flask, test_config: dict | None) -> None:
    """Settings come from the environment, read once by config.py; tests pass a dict on top.

    A malformed value stops here with a French message (config.ConfigError), as does an
    unusable instance folder (config.InstanceFolderError); both are SystemExit.
    """
    app.config.from_mapping(config.app_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
        if "TRUSTED_HOSTS" not in test_config:  # follow a SITE_URL given by the test
            app.config["TRUSTED_HOSTS"] = config.trusted_hosts(
                app.config["SITE_URL"], app.config["GAZETTE_TRUSTED_HOSTS"]
            )
        return
    app.config.update(
        config.instance_config(
            Path(app.instance_path),
            app.config["SQLALCHEMY_DATABASE_URI"],
            app.config["SECRET_KEY"],
        )
    )


def trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies, take the client's address and scheme from their headers.

    Rate limits are per client address, so this must match the deployment exactly:
    trusting a header no proxy sets would let anyone pick their own address.
    """
    count = app.config["GAZETTE_TRUSTED_PROXIES"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


@event.listens_for(Engine, "connect")
def configure_sqlite(dbapi_connection, _record) -> None:
    """WAL lets readers and a writer work at once; SQLite leaves foreign keys off by default."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def select_locale() -> str:
    """The site's language, unless a logged-in user chose another for the editing UI."""
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return babel_default_locale()


def babel_default_locale() -> str:
    from flask import current_app

    return current_app.config["BABEL_DEFAULT_LOCALE"]


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(app.root_path) / "migrations"), render_as_batch=True
    )
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    search.register(app)  # the search index follows every ORM save of an article
    prepared.configure(app, render=prepared_pieces.render_pieces)  # reader HTML, at save
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    limiter.init_app(app)
    http_cache.configure(app)  # after Flask-Login: it asks who the user is
    audit_trail.track_changes(app)  # every change made by a logged-in person goes in the journal
    login_manager.session_protection = "basic"
    login_manager.login_message = None  # the login page explains itself

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _, epoch = session_id.partition(".")
        if not (user_id.isdigit() and epoch.isdigit()):
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_epoch != int(epoch):
            return None  # logged out since this cookie was issued
        return user


def register_blueprints(app: Flask) -> None:
    from views.admin import bp as admin
    from views.audit import bp as audit_journal
    from views.auth import bp as auth
    from views.corrections import bp as corrections
    from views.editor import bp as editor
    from views.feeds import bp as feeds
    from views.inbox import bp as inbox
    from views.media import bp as media
    from views.preview import bp as preview
    from views.reading import bp as reading
    from views.search import bp as search_pages
    from views.sponsors import bp as sponsors
    from views.sponsorship import bp as sponsorship
    from views.structured_data import bp as structured_data

    app.register_blueprint(reading)
    app.register_blueprint(search_pages)
    app.register_blueprint(auth)
    app.register_blueprint(feeds)
    app.register_blueprint(admin)
    app.register_blueprint(sponsorship)
    app.register_blueprint(editor)
    app.register_blueprint(inbox)
    app.register_blueprint(corrections)
    app.register_blueprint(sponsors)
    app.register_blueprint(structured_data)
    # Browsers and crawlers ask for /favicon.ico whatever <link rel="icon"> says.
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.ico"))
    app.register_blueprint(audit_journal)
    app.register_blueprint(media)
    app.register_blueprint(preview)


# Errors that mean "the database cannot be reached right now", as opposed to a bug.
DATABASE_UNAVAILABLE = (sqlalchemy_exc.OperationalError, sqlalchemy_exc.InterfaceError)


def register_error_pages(app: Flask) -> None:
    """Every error gets a page in the site's design and language, never a stack trace."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 404 and request.method in ("GET", "HEAD") and request.url_rule is None:
            # An imported article's old permalink (WordPress) that no route claims: 301.
            from views.reading import legacy_redirect  # with the other blueprints' imports

            with contextlib.suppress(*DATABASE_UNAVAILABLE):
                moved = legacy_redirect(request.path)
                if moved is not None:
                    return moved
        return render_error_page(app, error.code, error)

    def database_unavailable(error: Exception):
        # The database is down or overloaded: say "come back soon", not "we broke".
        app.logger.error("Database unavailable on %s %s: %s", request.method, request.path, error)
        response = render_error_page(app, 503, None)
        response.headers["Retry-After"] = "30"
        return response

    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, database_unavailable)

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error_page(app, 500, None)


def render_error_page(app: Flask, code: int, error: HTTPException | None):
    """The error page, degrading gracefully when what failed is the database itself."""
    db.session.rollback()
    for context in ({}, {"nav_sections": list}):  # the navigation needs the database
        try:
            body = render_template("errors/error.html", error=error, code=code, **context)
            return app.make_response((body, code))
        except Exception:
            db.session.rollback()
    app.logger.exception("The error page itself failed")
    return app.make_response(
        (SERVER_ERROR_FALLBACK, code, {"Content-Type": "text/html; charset=utf-8"})
    )


# Methods whose body a view may read.
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class FormsOnlyRequest(Request):
    """Gazette's forms are HTML forms and no route takes JSON, but Flask-WTF reads a body
    declared as JSON as the form's data: `{` or `1` then raised inside the form (a 500 with
    a traceback). Here JSON is never read: get_json() is None, so any form built while the
    400 page renders (the staff bar's logout form) is simply empty."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        return None


def refuse_json_bodies(app: Flask) -> None:
    app.request_class = FormsOnlyRequest

    @app.before_request
    def no_json_body():
        """A body declared as JSON gets the 400 page, before the CSRF check or any form."""
        if request.method in BODY_METHODS and request.is_json:
            abort(400)


def refuse_nul_in_paths(app: Flask) -> None:
    @app.before_request
    def no_nul_in_path():
        """No address on the site holds a NUL byte, and PostgreSQL text cannot: 404, not 500."""
        if "\x00" in request.path:
            abort(404)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        # A page replayed from the cache keeps the policy it was stored with.
        frame_origins = g.pop("frame_origins", ())
        headers.setdefault("Content-Security-Policy", content_security_policy(frame_origins))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def register_commands(app: Flask) -> None:
    import cli

    cli.register(app)


def announce_first_run(app: Flask) -> None:
    """When `flask run` (hence `make run`) builds this app: print where the site is and,
    while no administrator can log in, a one-time link to create the first one
    (cli/users.announce_server_start; gunicorn's master prints it from
    deploy/gunicorn.conf.py).

    Only for the run command, whose click context is current while it loads the app:
    tests, `flask db upgrade` and the other commands build apps silently. With the
    reloader (--debug), only its first process prints, as Flask's own banner does.
    """
    context = click.get_current_context(silent=True)
    if context is None or context.command is not run_command or is_running_from_reloader():
        return
    from cli.users import announce_server_start

    with app.app_context():
        announce_server_start()
