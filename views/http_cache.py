"""HTTP caching for readers' pages: which requests share the page cache, and the headers.

The request-facing half of the page cache (services/page_cache.py keeps the store and its
invalidation). Anonymous GETs of readers' pages (CACHED_ENDPOINTS) are answered from the
page cache, keyed by language, full page or htmx fragment, and URL; a freshly rendered
one is stored with the generations of everything it showed (the rows the ORM loaded
while it rendered, noted in `g`). Hits without a session cookie are answered before
Flask dispatches, from the WSGI environ (CachedPagesMiddleware).

HTTP: anonymous readers' pages get `Cache-Control: public, max-age=0, s-maxage=N,
stale-while-revalidate=M`, an ETag (hash of the body) and Last-Modified (when rendered),
and 304 answers; anything personal (a logged-in user, a CSRF token, a session being
written) gets `private, no-store`. Static files get content fingerprints in their URLs
(/static/v/<hash>/css/gazette.css) and a one-year immutable cache.
"""

from __future__ import annotations

import hashlib
import math
import time
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.datastructures import EnvironHeaders
from werkzeug.http import http_date, is_resource_modified, parse_etags, remove_entity_headers
from werkzeug.sansio.utils import host_is_trusted

from services import page_cache
from services.page_cache import ALWAYS, ANY_CHANGE, Entry
from views.htmx import wants_fragment

# Reader endpoints whose anonymous GETs are cached, and the generations each depends on
# besides what it loads. "lists": which articles are live (publish, unpublish, schedule,
# move); "texts": any article's words (search ranks and snippets, sitemaps' dates).
CACHED_ENDPOINTS: dict[str, tuple[str, ...]] = {
    # "front": the pins and the chosen sections (services/front.py).
    "reading.front_page": ("lists", "front"),
    "reading.section": ("lists",),
    "reading.author": ("lists",),
    "reading.tag": ("lists", "tags"),
    "reading.article": (),
    "search.results": ("lists", "texts", "tags"),
    "feeds.site_feed": ("lists",),
    "feeds.section_feed": ("lists",),
    "feeds.author_feed": ("lists",),
    "feeds.tag_feed": ("lists", "tags"),
    "feeds.sitemap_index": ("lists", "texts"),
    "feeds.sitemap_sections": ("lists", "texts"),
    "feeds.sitemap_authors": ("lists", "texts"),
    "feeds.sitemap_tags": ("lists", "texts", "tags"),
    "feeds.sitemap_articles": ("lists", "texts"),
    "feeds.sitemap_news": ("lists",),
    "feeds.robots": (),
}

# What views.htmx.wants_fragment reads to answer a fragment or a page on the same URL: a
# response that varies on one varies on all (and deploy/nginx keys its cache on them).
FRAGMENT_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")

PRIVATE = "private, no-store"
IMMUTABLE = "public, max-age=31536000, immutable"

# Headers that belong to one response, not to the page: never stored as they came
# (Content-Length is the body's own), added on each hit.
PER_RESPONSE_HEADERS = {"set-cookie", "content-length", "date", "cache-control", "x-page-cache"}


def configure(app: Flask) -> None:
    """Bind the page cache store and its events, the request hooks and static fingerprints.

    Call after Flask-Login is set up: the hooks ask who the user is.
    """
    page_cache.configure_store(app, on_loaded=_note_shown)
    app.before_request(serve_from_cache)
    app.after_request(apply_http_caching)
    register_static_fingerprints(app)
    app.wsgi_app = CachedPagesMiddleware(app, app.wsgi_app)


def _note_shown(name: str) -> None:
    """The page being rendered (if one is being recorded) shows this row's generation."""
    if not has_app_context():
        return
    shown = g.get("page_cache_shown")
    if shown is not None:
        shown.add(name)


def note_shown(names) -> None:
    """The page being rendered shows these generations ("article:3"…), though the ORM
    loaded none of their rows (a prepared page, services/prepared.py)."""
    shown = g.get("page_cache_shown") if has_app_context() else None
    if shown is not None:
        shown.update(names)


# --------------------------------------------------------------------------- page cache


def is_public_request() -> bool:
    """An anonymous GET/HEAD of a reader page: the only kind of request the caches may share."""
    return (
        request.method in ("GET", "HEAD")
        and request.endpoint in CACHED_ENDPOINTS
        and not current_user.is_authenticated
    )


def page_key(environ=None, locale=None) -> str:
    """Language, full or fragment (htmx active search), scheme, host, path and query.

    The one rule for both ways in: `environ` is a WSGI environ (default: the current
    request's, as ProxyFix left it), `locale` defaults to the current one. Pages build
    their absolute links from SITE_URL and other hosts are refused (views/urls.py); the
    host stays in the key all the same, so that no forged Host could ever share a copy
    with the site's. The URL is taken as the server gave it (no decoding: a hit pays for
    none); long URLs are hashed.
    """
    environ = environ if environ is not None else request.environ
    url = (
        f"{environ['wsgi.url_scheme']}://{environ.get('HTTP_HOST', '')}"
        f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"
        f"?{environ.get('QUERY_STRING', '')}"
    )
    if len(url) > 300:
        url = hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
    fragment = "f" if wants_fragment(EnvironHeaders(environ)) else "p"
    # "page2": entries ready to send (issue 16); Redis lets the old format's keys expire.
    return f"page2:{locale or get_locale()}:{fragment}:{url}"


def serve_from_cache():
    """before_request: answer an anonymous reader page from the cache when it is still
    valid (a request the fast path left to Flask: one with a session cookie)."""
    if not is_public_request():
        return None
    g.page_cache_public = True
    if not current_app.config["GAZETTE_PAGE_CACHE"]:
        return None
    entry = page_cache.fresh_entry(page_key())
    if entry is not None:
        g.page_cache_entry = entry
        response = Response(entry.body, entry.status, headers=list(entry.headers))
        response.headers["X-Page-Cache"] = "hit"
        return response
    g.page_cache_shown = set()  # filled through _note_shown while the page renders
    g.page_cache_before = page_cache.current_generations([ANY_CHANGE])
    return None


def store_in_cache(response: Response) -> Entry:
    """Keep a freshly rendered anonymous page, with the generations it showed.

    Gives `response` the page's validators and Vary first: the entry keeps its headers
    ready to send. Returns the entry (its ETag and dates serve this response even when it
    is not kept: cache off, the generations unreadable or changed during the render, or
    already past its expiry).
    """
    endpoint_depends = CACHED_ENDPOINTS[request.endpoint]
    names = set(ALWAYS) | set(endpoint_depends) | g.pop("page_cache_shown", set())
    depends_on = page_cache.current_generations(sorted(names | {ANY_CHANGE}))
    before = g.get("page_cache_before", {})
    # {} when the store is down: a page kept without its generations would never go stale.
    readable = ANY_CHANGE in depends_on
    unchanged_during_render = depends_on.pop(ANY_CHANGE, None) == before.get(ANY_CHANGE)
    rendered_at = page_cache.now()
    expires_at = rendered_at + current_app.config["PAGE_CACHE_TIMEOUT"]
    # A scheduled publication or a pin's expiry changes the page by itself: no copy may
    # outlive it.
    upcoming = page_cache.next_change(depends_on)
    if upcoming is not None:
        expires_at = min(expires_at, upcoming)
    body = response.get_data()
    etag = hashlib.blake2b(body, digest_size=16).hexdigest()
    last_modified = math.floor(rendered_at)
    response.vary.add("Cookie")  # a logged-in user's copy of the same URL differs
    response.set_etag(etag)
    response.last_modified = datetime.fromtimestamp(last_modified, UTC)
    entry = Entry(
        status=response.status,
        body=body,
        headers=(
            *(
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in PER_RESPONSE_HEADERS
            ),
            ("Content-Length", str(len(body))),
        ),
        depends_on=depends_on,
        expires_at=expires_at,
        etag=etag,
        last_modified=last_modified,
    )
    if (
        current_app.config["GAZETTE_PAGE_CACHE"]
        and readable
        and unchanged_during_render
        and expires_at > rendered_at
    ):
        page_cache.keep(page_key(), entry, math.ceil(expires_at - rendered_at))
    response.headers["X-Page-Cache"] = "miss"
    return entry


# --------------------------------------------------------------------------- HTTP caching


def apply_http_caching(response: Response) -> Response:
    """after_request, the one place that decides Cache-Control for every response."""
    if "HX-Request" in response.vary:
        response.vary.update(FRAGMENT_HEADERS)
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
    # A session that names nobody (a reader who opened the inquiry form keeps its CSRF
    # token) does not make a reader's page personal: it is the page everyone gets.
    return (
        "csrf_token" in g
        or session.modified
        or "_user_id" in session
        or current_user.is_authenticated
    )


def public_cache_control(config, entry: Entry) -> str:
    """The Cache-Control value for a shared page: s-maxage in seconds, never past expiry.

    `config` is the app's config mapping (HTTP_CACHE_S_MAXAGE,
    HTTP_CACHE_STALE_WHILE_REVALIDATE, both in seconds).
    """
    # A CDN copy of a list must not outlive the next scheduled publication either.
    remaining = math.floor(entry.expires_at - page_cache.now())
    s_maxage = max(0, min(config["HTTP_CACHE_S_MAXAGE"], remaining))
    return (
        f"public, max-age=0, s-maxage={s_maxage}, "
        f"stale-while-revalidate={config['HTTP_CACHE_STALE_WHILE_REVALIDATE']}"
    )


def _public(response: Response, entry: Entry) -> Response:
    """The shared page's Cache-Control, and a 304 when the client has it already (its
    Vary and validators came with the entry's headers)."""
    response.headers["Cache-Control"] = public_cache_control(current_app.config, entry)
    return response.make_conditional(request)


# --------------------------------------------------------------------------- fast path


class CachedPagesMiddleware:
    """Answers a cache hit for an anonymous reader before Flask does any per-request work.

    Readers are most of the traffic and most of them hit the cache; routing, sessions,
    rate limits, the locale, even werkzeug's Request and Response objects would cost
    more than the hit itself. So a hit is decided from the environ's strings and sent
    as the entry's ready headers and body. A request carrying a session cookie, or
    anything this cannot decide, goes through Flask, whose serve_from_cache() applies the
    same rules with the same key and entries.
    """

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.session_cookie = app.config["SESSION_COOKIE_NAME"] + "="
        self.static_prefix = app.static_url_path + "/"

    def __call__(self, environ, start_response):
        entry = None
        if environ["REQUEST_METHOD"] in ("GET", "HEAD") and self.app.config["GAZETTE_PAGE_CACHE"]:
            try:
                entry = self.fresh_entry(environ)
            except Exception:  # a store that is down: let Flask answer (it renders)
                self.app.logger.exception("Page cache fast path failed")
        if entry is None:
            return self.wsgi_app(environ, start_response)
        return send_hit(self.app.config, entry, environ, start_response)

    def fresh_entry(self, environ) -> Entry | None:
        """The valid entry for this WSGI environ, or None to let Flask decide. Raises
        what the store raises when it is down."""
        if self.session_cookie in environ.get("HTTP_COOKIE", ""):
            return None  # perhaps a logged-in user: Flask decides
        if environ.get("PATH_INFO", "").startswith(self.static_prefix):
            return None
        if not host_is_trusted(environ.get("HTTP_HOST"), self.app.config["TRUSTED_HOSTS"]):
            return None  # Flask refuses it (400)
        # Without a session the language is the site's: see select_locale() in app.py.
        key = page_key(environ, locale=self.app.config["BABEL_DEFAULT_LOCALE"])
        return page_cache.fresh_entry_in(self.app, key)


# What a request may carry to be answered 304 (or 412) instead of the page.
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH",
                       "HTTP_IF_UNMODIFIED_SINCE")  # fmt: skip


def send_hit(config, entry: Entry, environ, start_response) -> list[bytes]:
    """Send `entry` as a WSGI response: its ready headers, plus Cache-Control, Date and
    X-Page-Cache, as Flask's hit would (Response.make_conditional's 304 and 412 included,
    without its objects). `config` is the app's config mapping. Returns the body
    iterable ([] for HEAD and 304)."""
    headers = [
        *entry.headers,
        ("Cache-Control", public_cache_control(config, entry)),
        ("X-Page-Cache", "hit"),
        ("Date", http_date_now()),
    ]
    status = entry.status
    if any(name in environ for name in CONDITIONAL_HEADERS) and not is_resource_modified(
        environ, entry.etag, last_modified=datetime.fromtimestamp(entry.last_modified, UTC)
    ):
        status = (
            "412 PRECONDITION FAILED"
            if parse_etags(environ.get("HTTP_IF_MATCH"))
            else "304 NOT MODIFIED"
        )
        remove_entity_headers(headers)
    start_response(status, headers)
    if environ["REQUEST_METHOD"] == "HEAD" or status != entry.status:
        return []
    return [entry.body]


_date = (0, "")


def http_date_now() -> str:
    """The Date header's value for now, formatted once per second."""
    global _date
    second = int(time.time())
    if _date[0] != second:
        _date = (second, http_date(second))
    return _date[1]


# --------------------------------------------------------------------------- static files


def register_static_fingerprints(app: Flask) -> None:
    """url_for('static', filename=…) → /static/v/<content hash>/…, cached for a year.

    The hashes are computed once at start. A second URL rule on the "static" endpoint
    carries the fingerprint; Werkzeug builds with the rule that uses the most arguments,
    so url_for('static', filename=...) needs no change (templates call static_url(),
    views/template_helpers.py, which remembers what it builds). An old
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
    """{'css/gazette.css': '3f2a…'}: a short hash of each static file's bytes (12 hex digits)."""
    return {
        path.relative_to(folder).as_posix(): hashlib.blake2b(
            path.read_bytes(), digest_size=6
        ).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
