"""Rendered-page cache and HTTP caching for readers' pages: one module, one set of rules.

The page cache (Flask-Caching: in-process by default, Redis when REDIS_URL is set) keeps
the bytes of anonymous readers' pages, keyed by language and URL. Each entry remembers
the *generations* of what it showed: every article, author and section loaded while it
was rendered (ORM "load" events), plus "lists" for pages whose set of articles depends on
what is published. A generation is a random token in the cache store, replaced whenever
that thing changes; an entry whose recorded tokens no longer match is a miss. Tokens are
replaced from SQLAlchemy session events (after_flush collects, after_commit bumps), so
every ORM save invalidates exactly the pages that showed what it changed, without the
editing code knowing, and on every instance sharing the Redis store.

Time: a scheduled article goes live by itself, so pages listing articles expire no later
than the next scheduled publication (min(published_at) in the future, cached per "lists"
generation).

HTTP: anonymous readers' pages get `Cache-Control: public, max-age=0, s-maxage=N,
stale-while-revalidate=M`, an ETag (hash of the body) and Last-Modified (when rendered),
and 304 answers; anything personal (a logged-in user, a CSRF token, a session being
written) gets `private, no-store`. Static files get content fingerprints in their URLs
(/static/v/<hash>/css/gazette.css) and a one-year immutable cache.
"""

from __future__ import annotations

import functools
import hashlib
import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from extensions import cache
from models import Article, ArticleSlugRedirect, Block, Section, User, db
from models.content import ArticleStatus
from models.sponsor import Sponsor
from models.time import utcnow
from views.access import wants_fragment

# Reader endpoints whose anonymous GETs are cached, and the generations each depends on
# besides what it loads. "lists": which articles are live (publish, unpublish, schedule,
# move); "texts": any article's words (search ranks and snippets, sitemaps' dates).
CACHED_ENDPOINTS: dict[str, tuple[str, ...]] = {
    "reading.front_page": ("lists",),
    "reading.section": ("lists",),
    "reading.author": ("lists",),
    "reading.article": (),
    "search.results": ("lists", "texts"),
    "feeds.site_feed": ("lists",),
    "feeds.section_feed": ("lists",),
    "feeds.author_feed": ("lists",),
    "feeds.sitemap_index": ("lists", "texts"),
    "feeds.sitemap_sections": ("lists", "texts"),
    "feeds.sitemap_authors": ("lists", "texts"),
    "feeds.sitemap_articles": ("lists", "texts"),
    "feeds.sitemap_news": ("lists",),
    "feeds.robots": (),
}
# Every page shows the sections (masthead navigation, trails, list labels).
ALWAYS = ("sections",)
# Article columns that decide which lists an article appears in.
LISTING_COLUMNS = ("status", "published_at", "section_id", "author_id", "slug")
# User columns readers see (bylines, author pages); logins and passwords are not among them.
AUTHOR_COLUMNS = ("display_name", "slug", "bio_html", "active")

PRIVATE = "private, no-store"
IMMUTABLE = "public, max-age=31536000, immutable"
GENERATION_PREFIX = "gen:"
# Replaced by every bump: a render during which anything changed is not kept (it may
# have read the old rows and then recorded the new generations).
ANY_CHANGE = "any"
NEXT_PUBLICATION_KEY = "next-publication"


def configure(app: Flask) -> None:
    """Bind the cache store, the session events, the request hooks and static fingerprints."""
    cache.init_app(app)
    if not event.contains(Session, "after_flush", _collect_changes):
        event.listen(Session, "after_flush", _collect_changes)
        event.listen(Session, "after_commit", _bump_after_commit)
        event.listen(Session, "after_soft_rollback", _forget_changes)
        for model in (Article, User, Section, Sponsor):
            event.listen(model, "load", _record_loaded)
    app.before_request(serve_from_cache)
    app.after_request(apply_http_caching)
    register_static_fingerprints(app)
    app.wsgi_app = CachedPagesMiddleware(app, app.wsgi_app)


def now() -> float:
    """Epoch seconds (one name to patch in tests)."""
    return time.time()


def tolerant(default):
    """A cache store that is down (Redis restarting) means rendering, never a 500."""

    def decorate(function):
        @functools.wraps(function)
        def wrapped(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except Exception:  # the store's client raises its own errors (redis, OSError)
                current_app.logger.exception("Page cache unavailable in %s", function.__name__)
                return default() if callable(default) else default

        return wrapped

    return decorate


# --------------------------------------------------------------------------- generations


@tolerant(default=None)
def bump(names: set[str]) -> None:
    """A new token for each generation: every entry that recorded the old one is stale.

    Tokens, not counters: an evicted counter restarting at 1 could match an old entry.
    """
    if names:
        names = set(names) | {ANY_CHANGE}
        cache.set_many({GENERATION_PREFIX + name: secrets.token_hex(8) for name in names}, 0)


def generations(names) -> dict[str, str | None]:
    names = list(names)
    values = cache.get_many(*(GENERATION_PREFIX + name for name in names)) if names else []
    return dict(zip(names, values, strict=True))


@tolerant(default=dict)
def current_generations(names) -> dict[str, str | None]:
    return generations(names)


def _collect_changes(session: Session, _flush_context) -> None:
    """after_flush: which generations this flush changed (bumped only once committed)."""
    touched = session.info.setdefault("page_cache_touched", set())
    for obj in session.new | session.dirty | session.deleted:
        touched |= _generations_changed_by(obj, session)


def _generations_changed_by(obj, session: Session) -> set[str]:
    if isinstance(obj, Article):
        names = {f"article:{obj.id}", "texts"}
        if obj in session.new or obj in session.deleted or _changed(obj, LISTING_COLUMNS):
            names.add("lists")
        return names
    if isinstance(obj, Block):
        return {f"article:{obj.article_id}", "texts"} if obj.article_id else {"texts"}
    if isinstance(obj, ArticleSlugRedirect):
        return {f"article:{obj.article_id}"}
    if isinstance(obj, Section):
        return {"sections"}
    if isinstance(obj, Sponsor):
        return {f"sponsor:{obj.id}"}
    if isinstance(obj, User) and (obj in session.deleted or _changed(obj, AUTHOR_COLUMNS)):
        return {f"author:{obj.id}"}
    return set()


def _changed(obj, columns) -> bool:
    state = inspect(obj)
    return any(state.attrs[column].history.has_changes() for column in columns)


def _bump_after_commit(session: Session) -> None:
    touched = session.info.pop("page_cache_touched", None)
    if touched and has_app_context() and "cache" in current_app.extensions:
        bump(touched)


def _forget_changes(session: Session, _previous_transaction) -> None:
    session.info.pop("page_cache_touched", None)


def _record_loaded(target, _context) -> None:
    """ORM load event: the page being rendered shows this article, author or section."""
    if not has_app_context():
        return
    shown = g.get("page_cache_shown")
    if shown is None:
        return
    if isinstance(target, Article):
        shown.add(f"article:{target.id}")
    elif isinstance(target, User):
        shown.add(f"author:{target.id}")
    elif isinstance(target, Sponsor):
        shown.add(f"sponsor:{target.id}")
    # Sections are covered by ALWAYS.


@tolerant(default=None)
def next_publication(lists_token: str | None) -> float | None:
    """When the next scheduled article goes live (epoch seconds), None if none is waiting."""
    current = now()
    remembered = cache.get(NEXT_PUBLICATION_KEY)
    if (
        remembered
        and remembered[0] == lists_token
        and (remembered[1] is None or remembered[1] > current)
    ):
        return remembered[1]
    upcoming = db.session.scalar(
        select(func.min(Article.published_at)).where(
            Article.status == ArticleStatus.PUBLISHED, Article.published_at > utcnow()
        )
    )
    when = upcoming.replace(tzinfo=UTC).timestamp() if upcoming else None
    cache.set(NEXT_PUBLICATION_KEY, (lists_token, when), 0)
    return when


# --------------------------------------------------------------------------- page cache


@dataclass
class Entry:
    """One rendered page and what it depended on."""

    status: int
    body: bytes
    content_type: str
    vary: tuple[str, ...]
    depends_on: dict[str, str | None]
    expires_at: float  # epoch seconds
    etag: str
    last_modified: float
    # The response's own headers (Content-Type, Vary, security headers…), replayed on hits.
    headers: tuple[tuple[str, str], ...] = ()


# Headers that belong to one response, not to the page: never stored, rebuilt on each hit.
PER_RESPONSE_HEADERS = {
    "set-cookie",
    "content-length",
    "date",
    "cache-control",
    "etag",
    "last-modified",
    "x-page-cache",
}


def is_public_request() -> bool:
    """An anonymous GET/HEAD of a reader page: the only kind of request the caches may share."""
    return (
        request.method in ("GET", "HEAD")
        and request.endpoint in CACHED_ENDPOINTS
        and not current_user.is_authenticated
    )


def page_key(req=None, locale=None) -> str:
    """Language, full or fragment (htmx active search), scheme, host, path and query.

    The host is part of the key because pages carry absolute URLs (canonical links):
    a request with a forged Host header must not poison everyone's copy.
    """
    req = req if req is not None else request
    url = req.host_url + req.full_path.lstrip("/")
    if len(url) > 300:
        url = hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
    fragment = "f" if wants_fragment(req.headers) else "p"
    return f"page:{locale or get_locale()}:{fragment}:{url}"


def serve_from_cache():
    """before_request: answer an anonymous reader page from the cache when it is still valid."""
    if not is_public_request():
        return None
    g.page_cache_public = True
    if not current_app.config["GAZETTE_PAGE_CACHE"]:
        return None
    entry = cached_entry(page_key())
    if entry is not None and is_fresh(entry):
        g.page_cache_entry = entry
        response = Response(entry.body, entry.status, content_type=entry.content_type)
        response.vary.update(entry.vary)
        response.headers["X-Page-Cache"] = "hit"
        return response
    g.page_cache_shown = set()  # filled by ORM load events while the page renders
    g.page_cache_before = current_generations([ANY_CHANGE])
    return None


@tolerant(default=None)
def cached_entry(key: str) -> Entry | None:
    return cache.get(key)


@tolerant(default=False)
def is_fresh(entry: Entry) -> bool:
    """Not expired, and nothing it showed has changed since (same generation tokens)."""
    return entry.expires_at > now() and generations(entry.depends_on) == entry.depends_on


def store_in_cache(response: Response) -> Entry | None:
    """Keep a freshly rendered anonymous page, with the generations it showed."""
    endpoint_depends = CACHED_ENDPOINTS[request.endpoint]
    names = set(ALWAYS) | set(endpoint_depends) | g.pop("page_cache_shown", set())
    depends_on = current_generations(sorted(names | {ANY_CHANGE}))
    before = g.get("page_cache_before", {})
    unchanged_during_render = depends_on.pop(ANY_CHANGE, None) == before.get(ANY_CHANGE)
    rendered_at = now()
    expires_at = rendered_at + current_app.config["PAGE_CACHE_TIMEOUT"]
    if "lists" in names:
        upcoming = next_publication(depends_on.get("lists"))
        if upcoming is not None:
            expires_at = min(expires_at, upcoming)
    body = response.get_data()
    entry = Entry(
        status=response.status_code,
        body=body,
        content_type=response.content_type,
        vary=tuple(response.vary),
        depends_on=depends_on,
        expires_at=expires_at,
        etag=hashlib.blake2b(body, digest_size=16).hexdigest(),
        last_modified=math.floor(rendered_at),
        headers=tuple(
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in PER_RESPONSE_HEADERS
        ),
    )
    if (
        current_app.config["GAZETTE_PAGE_CACHE"]
        and unchanged_during_render
        and expires_at > rendered_at
    ):
        keep(page_key(), entry, math.ceil(expires_at - rendered_at))
    response.headers["X-Page-Cache"] = "miss"
    return entry


@tolerant(default=None)
def keep(key: str, entry: Entry, timeout: int) -> None:
    cache.set(key, entry, timeout)


# --------------------------------------------------------------------------- HTTP caching


def apply_http_caching(response: Response) -> Response:
    """after_request, the one place that decides Cache-Control for every response."""
    if request.endpoint == "static":
        if g.pop("static_fingerprint_ok", False):
            response.headers["Cache-Control"] = IMMUTABLE
        return response
    if g.get("page_cache_public") and _shareable(response):
        entry = g.get("page_cache_entry") or store_in_cache(response)
        return _public(response, entry)
    if "Cache-Control" not in response.headers or _personal():
        response.headers["Cache-Control"] = PRIVATE
    return response


def _shareable(response: Response) -> bool:
    """A 200 that carries nothing personal: no CSRF token, no cookie being written."""
    return (
        response.status_code == 200
        and not response.direct_passthrough
        and not response.is_streamed
        and not _personal()
    )


def _personal() -> bool:
    return "csrf_token" in g or session.modified or bool(session) or current_user.is_authenticated


def public_cache_control(config, entry: Entry) -> str:
    # A CDN copy of a list must not outlive the next scheduled publication either.
    s_maxage = max(0, min(config["HTTP_CACHE_S_MAXAGE"], math.floor(entry.expires_at - now())))
    return (
        f"public, max-age=0, s-maxage={s_maxage}, "
        f"stale-while-revalidate={config['HTTP_CACHE_STALE_WHILE_REVALIDATE']}"
    )


def _public(response: Response, entry: Entry) -> Response:
    response.headers["Cache-Control"] = public_cache_control(current_app.config, entry)
    response.vary.add("Cookie")  # a logged-in user's copy of the same URL differs
    response.set_etag(entry.etag)
    response.last_modified = datetime.fromtimestamp(entry.last_modified, UTC)
    return response.make_conditional(request)


# --------------------------------------------------------------------------- fast path


class CachedPagesMiddleware:
    """Answers a cache hit for an anonymous reader before Flask does any per-request work.

    Readers are most of the traffic and most of them hit the cache; routing, sessions,
    rate limits and the locale would cost more than the hit itself. A request carrying a
    session cookie, or anything this cannot decide, goes through Flask, whose
    serve_from_cache() applies the same rules with the same key and entries.
    """

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        response = None
        if (
            environ.get("REQUEST_METHOD") in ("GET", "HEAD")
            and self.app.config["GAZETTE_PAGE_CACHE"]
        ):
            try:
                response = self.cached_response(environ)
            except Exception:  # a store that is down, a malformed Host: let Flask answer
                self.app.logger.exception("Page cache fast path failed")
        if response is None:
            return self.wsgi_app(environ, start_response)
        return response(environ, start_response)

    def cached_response(self, environ) -> Response | None:
        config = self.app.config
        if config["SESSION_COOKIE_NAME"] + "=" in environ.get("HTTP_COOKIE", ""):
            return None  # perhaps a logged-in user: Flask decides
        if environ.get("PATH_INFO", "").startswith(self.app.static_url_path + "/"):
            return None
        req = self.app.request_class(environ)
        req.trusted_hosts = config["TRUSTED_HOSTS"]
        # Without a session the language is the site's: see select_locale() in app.py.
        key = page_key(req, locale=config["BABEL_DEFAULT_LOCALE"])
        store = self.app.extensions["cache"][cache]
        entry = store.get(key)
        if not isinstance(entry, Entry) or not entry.headers or entry.expires_at <= now():
            return None
        names = list(entry.depends_on)
        current = store.get_many(*(GENERATION_PREFIX + name for name in names)) if names else []
        if dict(zip(names, current, strict=True)) != entry.depends_on:
            return None
        response = Response(entry.body, entry.status, headers=list(entry.headers))
        response.headers["Cache-Control"] = public_cache_control(config, entry)
        response.headers["X-Page-Cache"] = "hit"
        response.set_etag(entry.etag)
        response.last_modified = datetime.fromtimestamp(entry.last_modified, UTC)
        return response.make_conditional(req)


# --------------------------------------------------------------------------- static files


def register_static_fingerprints(app: Flask) -> None:
    """url_for('static', filename=…) → /static/v/<content hash>/…, cached for a year.

    The hashes are computed once at start. A second URL rule on the "static" endpoint
    carries the fingerprint; Werkzeug builds with the rule that uses the most arguments,
    so templates keep calling url_for('static', filename=...) unchanged. An old
    fingerprint still gets the current file, just without the immutable header.
    """
    fingerprints = static_fingerprints(Path(app.static_folder))
    app.extensions["static_fingerprints"] = fingerprints
    app.add_url_rule(f"{app.static_url_path}/v/<fingerprint>/<path:filename>", endpoint="static")

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "fingerprint" not in values:
            fingerprint = fingerprints.get(values.get("filename"))
            if fingerprint:
                values["fingerprint"] = fingerprint

    @app.url_value_preprocessor
    def check_fingerprint(endpoint: str | None, values: dict | None) -> None:
        if endpoint == "static" and values and "fingerprint" in values:
            fingerprint = values.pop("fingerprint")
            g.static_fingerprint_ok = fingerprint == fingerprints.get(values.get("filename"))


def static_fingerprints(folder: Path) -> dict[str, str]:
    """{'css/gazette.css': '3f2a…'}: a short hash of each static file's bytes."""
    return {
        path.relative_to(folder).as_posix(): hashlib.blake2b(
            path.read_bytes(), digest_size=6
        ).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
