"""Rendered-page cache, store and invalidation: works with or without a request.

Rendered pages are `Entry` objects, ready to send, kept in each worker's memory
(`LocalPages`, bounded by GAZETTE_CACHE_THRESHOLD entries and GAZETTE_PAGE_CACHE_MEMORY
MiB) and, when REDIS_URL is set, in Redis too (Flask-Caching), where any worker of any
instance takes a page another one rendered. Each entry remembers the *generations* of
what it showed: every article, author and sponsor loaded while it was rendered, the
sections, plus "lists" for pages whose set of articles depends on what is published and
"texts" for pages built from any article's words. A generation is a token, replaced
whenever that thing changes; an entry whose recorded tokens no longer match is a miss.
Every hit, wherever its entry came from, reads the current tokens once where every
process sees them (services/generations.py): one MGET in Redis, or a memory-mapped file
of the machine without Redis. Tokens are replaced from SQLAlchemy session events
(after_flush collects, after_commit bumps), so every ORM save invalidates exactly the
pages that showed what it changed, without the editing code knowing, on every worker and
every instance at once. Code that writes around the ORM (bulk inserts) calls bump() itself.

Time: a scheduled article goes live by itself, and a front-page pin expires by itself, so
pages listing articles expire no later than the next scheduled publication, and the front
page no later than the next pin expiry (next_change(), each moment cached per generation).

This module never reads the request: which requests are cached, under which key, and the
HTTP headers are views/http_cache.py's business. While a page renders, the rows it loads
are reported to the hook that views/http_cache.py gives configure_store().
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from extensions import cache
from models import Article, ArticleSlugRedirect, Block, Section, SectionRedirect, User, db
from models.authorship import ArticleAuthor
from models.front import FrontPin, FrontSection
from models.sponsor import Sponsor
from models.tag import ArticleTag, Tag, TagRedirect
from models.time import utcnow
from services.generations import (
    IN_PROCESS_STORES,
    NO_STORES,
    CacheGenerations,
    FileGenerations,
    file_generations,
)

# Every page shows the sections (masthead navigation, trails, list labels).
ALWAYS = ("sections",)
# Article columns that decide which lists an article appears in.
LISTING_COLUMNS = ("status", "published_at", "section_id", "author_id", "slug", "trashed_at")
# User columns readers see (bylines, author pages); logins and passwords are not among them.
AUTHOR_COLUMNS = ("display_name", "slug", "bio_html", "active")
# What a bulk write of new published articles changes: which articles are live, and the
# words search and sitemaps draw on. New articles' own generations need no bump: no page
# showed them yet.
ARTICLES_ADDED = frozenset({"lists", "texts"})

# Replaced by every bump: a render during which anything changed is not kept (it may
# have read the old rows and then recorded the new generations).
ANY_CHANGE = "any"
NEXT_PUBLICATION_KEY = "next-publication"
NEXT_PIN_EXPIRY_KEY = "next-pin-expiry"

# Told the generation of each article, author or sponsor row the ORM loads ("article:3").
# Set by configure_store(); views/http_cache.py notes them for the page being rendered.
_on_loaded: Callable[[str], None] | None = None


def configure_store(app: Flask, on_loaded: Callable[[str], None] | None = None) -> None:
    """Bind the cache store to `app` and the SQLAlchemy events to every session.

    `on_loaded(name)` is called with a generation name ("article:3", "author:7",
    "sponsor:2") each time the ORM loads such a row, in whatever context that happens;
    it must be cheap and must not raise. Safe to call once per app (tests make many):
    the events are listened to once per process, the latest hook wins.
    """
    global _on_loaded
    _on_loaded = on_loaded
    cache.init_app(app)
    app.extensions["page_cache_generations"] = generation_store(app)
    shared = app.config["CACHE_TYPE"] not in IN_PROCESS_STORES
    app.extensions["page_cache_shared"] = app.extensions["cache"][cache] if shared else None
    max_entries = 0 if app.config["CACHE_TYPE"] in NO_STORES else app.config["CACHE_THRESHOLD"]
    app.extensions["page_cache_local"] = LocalPages(
        max_entries, app.config["PAGE_CACHE_MEMORY_MIB"] * 2**20
    )
    if not event.contains(Session, "after_flush", _collect_changes):
        event.listen(Session, "after_flush", _collect_changes)
        event.listen(Session, "after_commit", _bump_after_commit)
        event.listen(Session, "after_soft_rollback", _forget_changes)
        for model in (Article, User, Section, Sponsor, Tag):
            event.listen(model, "load", _report_loaded)


def generation_store(app: Flask) -> CacheGenerations | FileGenerations:
    """Where `app`'s generations live: the page store if every process shares it, else
    a file every process on the machine maps (PAGE_CACHE_GENERATIONS_FILE)."""
    if app.config["CACHE_TYPE"] in IN_PROCESS_STORES:
        return file_generations(app.config["PAGE_CACHE_GENERATIONS_FILE"])
    return CacheGenerations(app.extensions["cache"][cache])


def now() -> float:
    """Epoch seconds (one name to patch in tests)."""
    return time.time()


def tolerant(default):
    """A cache store that is down (Redis restarting) means rendering, never a 500.

    Decorates a function so that any exception it raises is logged and `default` (or
    `default()` when callable) is returned instead. Needs an app context (for the logger).
    """

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
def bump(names: set[str] | frozenset[str]) -> None:
    """A new token for each generation name: every entry that recorded the old one is stale.

    Tokens, not counters: an evicted counter restarting at 1 could match an old entry.
    Needs an app context with the cache bound (configure_store); a store that is down is
    logged, never raised.
    """
    if names:
        current_app.extensions["page_cache_generations"].bump(set(names) | {ANY_CHANGE})


def generations(names) -> dict[str, str | None]:
    """{name: current token, or None if the store has none} for each generation name.

    Raises whatever the store's client raises when it is down; see current_generations().
    """
    names = list(names)
    values = current_app.extensions["page_cache_generations"].get_many(names)
    return dict(zip(names, values, strict=True))


@tolerant(default=dict)
def current_generations(names) -> dict[str, str | None]:
    """generations(), or {} when the store is down."""
    return generations(names)


def generation_once(name: str) -> str | None:
    """The token of generation `name`, read once per request: the menu and a section
    page both ask for "sections", and with Redis each read is a round trip. Outside a
    request (a command, a long app context) read every time. None when the store is
    down (then read again next time)."""
    if not has_request_context():
        return current_generations([name]).get(name)
    tokens = g.setdefault("page_cache_tokens", {})
    if tokens.get(name) is None:
        tokens[name] = current_generations([name]).get(name)
    return tokens[name]


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
    if isinstance(obj, ArticleAuthor):
        # A byline changed: the article, and the author pages and feeds of those who
        # left it and those who joined it (lists).
        return {f"article:{obj.article_id}", "lists"}
    if isinstance(obj, ArticleSlugRedirect):
        return {f"article:{obj.article_id}"}
    if isinstance(obj, ArticleTag):
        # Tagged or untagged: the article, and the lists of the tag (its page and feeds).
        return {f"article:{obj.article_id}", f"tag:{obj.tag_id}", "lists"}
    if isinstance(obj, Tag):
        # Its name or slug shows on its page, on every article carrying it, in sitemaps.
        return {f"tag:{obj.id}", "tags"}
    if isinstance(obj, TagRedirect):
        return {"tags"}
    if isinstance(obj, (Section, SectionRedirect)):
        return {"sections"}
    if isinstance(obj, (FrontPin, FrontSection)):
        # The curated front page, and nothing else.
        return {"front"}
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


def _report_loaded(target, _context) -> None:
    """ORM load event: tell the hook which generation this article, author or sponsor is."""
    if _on_loaded is None:
        return
    if isinstance(target, Article):
        _on_loaded(f"article:{target.id}")
    elif isinstance(target, User):
        _on_loaded(f"author:{target.id}")
    elif isinstance(target, Sponsor):
        _on_loaded(f"sponsor:{target.id}")
    elif isinstance(target, Tag):
        _on_loaded(f"tag:{target.id}")
    # Sections are covered by ALWAYS.


def _next_moment(key: str, token: str | None, upcoming_query) -> float | None:
    """The next moment (epoch seconds) pages of a generation change by themselves, with
    no write to bump it: `upcoming_query()` builds the select() of that moment (a naive
    UTC datetime, or NULL for none). Remembered by this process under `key` with the
    generation's `token` it was computed for (tokens are shared: every process sees the
    same change), so one query per change of that generation and process, and none of
    the store's round trips on a page that renders. Not remembered without a token."""
    remembered = current_app.extensions.setdefault("page_cache_moments", {}).get(key)
    if (
        token is not None
        and remembered
        and remembered[0] == token
        and (remembered[1] is None or remembered[1] > now())
    ):
        return remembered[1]
    upcoming = db.session.scalar(upcoming_query())
    when = upcoming.replace(tzinfo=UTC).timestamp() if upcoming else None
    if token is not None:
        current_app.extensions["page_cache_moments"][key] = (token, when)
    return when


@tolerant(default=None)
def next_publication(lists_token: str | None) -> float | None:
    """When the next scheduled article goes live (epoch seconds), None if none is waiting.

    Remembered with the "lists" token it was computed for. Returns None too when the
    store is down.
    """
    return _next_moment(
        NEXT_PUBLICATION_KEY,
        lists_token,
        lambda: select(func.min(Article.published_at)).where(Article.is_scheduled),
    )


@tolerant(default=None)
def next_pin_expiry(front_token: str | None) -> float | None:
    """When the next front-page pin expires (epoch seconds), None if no pin will.

    The front page changes then by itself (services/front.py). Remembered with the
    "front" token it was computed for. Returns None too when the store is down.
    """
    return _next_moment(
        NEXT_PIN_EXPIRY_KEY,
        front_token,
        lambda: select(func.min(FrontPin.expires_at)).where(FrontPin.expires_at > utcnow()),
    )


# Generations whose pages change by themselves at a known moment, with no write: a page
# that depends on one must not be kept past it.
TIMED_GENERATIONS = {"lists": next_publication, "front": next_pin_expiry}


def next_change(depends_on: dict[str, str | None]) -> float | None:
    """The earliest moment (epoch seconds) a page with these generations ({name: token})
    changes by itself: a scheduled publication, a pin's expiry; None if none is due."""
    moments = [
        moment
        for name, upcoming in TIMED_GENERATIONS.items()
        if name in depends_on and (moment := upcoming(depends_on[name])) is not None
    ]
    return min(moments, default=None)


# --------------------------------------------------------------------------- entries


@dataclass
class Entry:
    """One rendered page, ready to send, and what it depended on.

    Kept as is in each worker's memory (LocalPages: a hit pickles nothing) and, pickled,
    in the shared store when there is one (Redis), where other workers and instances
    take it from. Which headers it carries is views/http_cache.py's business.
    """

    status: str  # the WSGI status line, "200 OK"
    body: bytes
    # The page's own headers, ready to send (Content-Type, Content-Length, Vary, ETag,
    # Last-Modified, security headers…); never the per-response ones (Date, Set-Cookie).
    headers: tuple[tuple[str, str], ...]
    depends_on: dict[str, str | None]  # generation name -> token when rendered
    expires_at: float  # epoch seconds
    etag: str  # unquoted
    last_modified: float  # whole epoch seconds

    def __post_init__(self):
        # What every hit compares, in the order the store answers.
        self.names = list(self.depends_on)
        self.tokens = list(self.depends_on.values())

    @property
    def size(self) -> int:
        """Bytes it holds in memory, roughly: the body and the headers."""
        return len(self.body) + sum(len(name) + len(value) for name, value in self.headers)


class LocalPages:
    """This process's entries, by key: a least-recently-used map bounded by a number of
    entries and a total of `size` bytes (an entry bigger than the whole budget is not
    kept). A lock keeps it whole under threaded workers (gthread); sync workers never
    wait on it."""

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        size = entry.size
        with self._lock:
            self._drop(key)
            if self.max_entries < 1 or size > self.max_bytes:
                return
            self._entries[key] = entry
            self.bytes += size
            while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def discard(self, key: str) -> None:
        with self._lock:
            self._drop(key)

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.bytes -= entry.size


def fresh_entry_in(app: Flask, key: str) -> Entry | None:
    """The entry under `key` if it is still valid, else None; needs no app context.

    This worker's memory first; on a miss there, the shared store (one GET), whose entry
    is then kept in memory. Either way one read of the generations validates it: one
    MGET in Redis, a slice of the memory-mapped file without. Raises whatever the store's
    client raises when it is down (the caller renders instead).
    """
    local: LocalPages = app.extensions["page_cache_local"]
    entry = local.get(key)
    if entry is not None:
        if is_valid_in(app, entry):
            return entry
        local.discard(key)
    shared = app.extensions["page_cache_shared"]
    if shared is None:
        return None
    entry = shared.get(key)  # perhaps rendered by another worker, or newer than ours
    if isinstance(entry, Entry) and is_valid_in(app, entry):
        local.put(key, entry)
        return entry
    return None


def is_valid_in(app: Flask, entry: Entry) -> bool:
    """Not expired, and nothing it showed has changed since (the same generation tokens:
    one read of `app`'s generation store). Raises what that store raises."""
    return (
        entry.expires_at > now()
        and app.extensions["page_cache_generations"].get_many(entry.names) == entry.tokens
    )


@tolerant(default=None)
def fresh_entry(key: str) -> Entry | None:
    """fresh_entry_in() for the current app, or None when the store is down."""
    return fresh_entry_in(current_app, key)


@tolerant(default=None)
def cached_entry(key: str) -> Entry | None:
    """The entry stored under `key` (in memory, else in the shared store), fresh or not;
    None if absent or the shared store is down."""
    entry = current_app.extensions["page_cache_local"].get(key)
    shared = current_app.extensions["page_cache_shared"]
    return entry if entry is not None or shared is None else shared.get(key)


def keep(key: str, entry: Entry, timeout: int) -> None:
    """Keep `entry` under `key` for `timeout` seconds (0: no limit): in this worker's
    memory and, when there is one, in the shared store (silent if it is down)."""
    current_app.extensions["page_cache_local"].put(key, entry)
    _share(key, entry, timeout)


@tolerant(default=None)
def _share(key: str, entry: Entry, timeout: int) -> None:
    shared = current_app.extensions["page_cache_shared"]
    if shared is not None:
        shared.set(key, entry, timeout)
