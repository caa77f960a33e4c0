"""Absolute links: built from the configured site URL, never from the request's Host.

A request's Host header (or X-Forwarded-Host behind a proxy) is whatever the client
typed. Building absolute links from it let an anonymous visitor choose the address the
newsroom's notification e-mail links to (issue 12, item 2: "Host header poisoning",
OWASP WSTG-INPV-17). So every absolute link, in e-mails, feeds, sitemaps, canonical
links, structured data and Open Graph, starts with `SITE_URL` (GAZETTE_SITE_URL), and
requests for other hosts are refused before routing (TRUSTED_HOSTS, see config.py).

`GazetteFlask` binds every URL adapter to the site, so each `url_for(..., _external=True)`,
in views and templates alike, needs no change; `absolute_url_for()` says it by name.
Relative links (the default inside a request) still follow the request: they carry no
host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, request, url_for
from flask.globals import _cv_request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.routing import MapAdapter


def absolute_url_for(endpoint: str, **values) -> str:
    """url_for(endpoint, **values) as a full URL on the configured site.

    "inbox.detail", inquiry_id=3 -> "https://gazette.example/redaction/demandes/3".
    Works in a request, in an app context alone (CLI, outbox) and for any Host header.
    """
    return url_for(endpoint, _external=True, **values)


def absolute_url(path: str) -> str:
    """A path on this site ("/media/ab.jpg") as a full URL; a full URL is returned as is.

    Anything that is not a path starting with one "/" (a full URL, already absolute) is
    returned unchanged.
    """
    if path.startswith("/") and not path.startswith("//"):
        return current_app.config["SITE_URL"] + path
    return path


def current_page_url() -> str:
    """The URL of the page being answered (path and query), on the configured site."""
    full_path = request.full_path
    return absolute_url(full_path[:-1] if full_path.endswith("?") else full_path)


def site_adapter(app: Flask, script_name: str = "/") -> MapAdapter:
    """The app's URL map bound to the configured site: scheme, host and port of SITE_URL."""
    parts = urlsplit(app.config["SITE_URL"])
    return app.url_map.bind(parts.netloc, script_name=script_name, url_scheme=parts.scheme)


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer built once per secret key rather
    than on every request: most requests are readers' with no cookie at all, and
    building it cost as much as their page's one query (issue 16)."""

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = app.extensions.get("session_signer")
        if kept is None or kept[0] != key:
            kept = app.extensions["session_signer"] = (key, super().get_signing_serializer(app))
        return kept[1]


class GazetteFlask(Flask):
    """Flask, with absolute URLs built on SITE_URL (see the module's docstring), and
    sessions whose signer is built once (SignedCookieSessions).

    Every URL adapter is bound to the site's scheme, host and port, so Flask's own
    url_for builds external URLs on the site; a request's adapter still routes on the
    request's path, method, query and SCRIPT_NAME.
    """

    session_interface = SignedCookieSessions()

    def create_url_adapter(self, request):
        if request is None:  # the CLI, the outbox
            return site_adapter(self)
        adapter = super().create_url_adapter(request)  # refuses a Host not trusted
        site = urlsplit(self.config["SITE_URL"])
        adapter.server_name, adapter.url_scheme = site.netloc, site.scheme
        return adapter

    def url_for(self, endpoint: str, **values) -> str:
        req_ctx = _cv_request.get(None)
        if req_ctx is not None and req_ctx.url_adapter is None:
            # A refused Host leaves the request without a URL adapter: its error page
            # still needs its links (relative ones, on the site's map).
            req_ctx.url_adapter = site_adapter(self, req_ctx.request.script_root or "/")
        return super().url_for(endpoint, **values)
