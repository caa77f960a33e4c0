"""Absolute links: built from the configured site URL, never from the request's Host.

A request's Host header (or X-Forwarded-Host behind a proxy) is whatever the client
typed. Building absolute links from it let an anonymous visitor choose the address the
newsroom's notification e-mail links to (issue 12, item 2: "Host header poisoning",
OWASP WSTG-INPV-17). So every absolute link, in e-mails, feeds, sitemaps, canonical
links, structured data and Open Graph, starts with `SITE_URL` (GAZETTE_SITE_URL), and
requests for other hosts are refused before routing (TRUSTED_HOSTS, see config.py).

`GazetteFlask.url_for` does this for every `url_for(..., _external=True)`, in views and
templates alike, so existing calls need no change; `absolute_url_for()` says it by name.
Relative links (the default inside a request) still follow the request: they carry no
host.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import Flask, current_app, request, url_for
from flask.globals import _cv_request
from werkzeug.routing import BuildError, MapAdapter


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


class GazetteFlask(Flask):
    """Flask, with absolute URLs built on SITE_URL (see the module's docstring).

    Flask made url_for an app method so that it can be overridden (Flask 2.2).
    """

    def create_url_adapter(self, request):
        """Outside a request (CLI, the outbox), URLs are built on the site URL."""
        if request is None:
            return site_adapter(self)
        return super().create_url_adapter(request)

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values,
    ) -> str:
        req_ctx = _cv_request.get(None)
        # A refused Host leaves the request without a URL adapter: its error page still
        # needs its links (relative ones, on the site's map).
        on_site = req_ctx is not None and (
            _external or _scheme is not None or req_ctx.url_adapter is None
        )
        if not on_site:
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        external = bool(_external or _scheme is not None)
        if endpoint[:1] == ".":
            blueprint = req_ctx.request.blueprint
            endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
        self.inject_url_defaults(endpoint, values)
        # Mounted under a prefix (SCRIPT_NAME), the site's paths carry it too.
        adapter = site_adapter(self, script_name=req_ctx.request.script_root or "/")
        try:
            url = adapter.build(endpoint, values, method=_method, force_external=external)
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=external)
            return self.handle_url_build_error(error, endpoint, values)
        if _anchor is not None:
            url = f"{url}#{quote(_anchor, safe=ANCHOR_SAFE)}"
        return url


ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"  # as Flask quotes an _anchor
