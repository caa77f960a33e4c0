"""Real-browser fixtures: a live server and Debian's Chromium driven by Playwright.

Playwright never downloads a browser here: we point it at /usr/bin/chromium. Under
CI=true a missing Chromium fails the run instead of skipping the browser tests.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import IN_CI

# CI runs Chromium, the app and the databases on 2 cores: give swaps time to land before
# an assertion gives up (the default is 5 s). Tests never assert on durations.
expect.set_options(timeout=15_000)

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE_SCRIPT = Path(__file__).parent.parent / "vendor" / "axe-core" / "axe.min.js"
# Served from the app's own origin so the page's strict CSP lets it run.
AXE_URL_PATH = "/__test__/axe.min.js"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if IN_CI:
            raise pytest.UsageError(message)
        skip = pytest.mark.skip(reason=message)
        for item in items:
            if "/e2e/" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--disable-gpu",
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            # A test can never reach another host, even by accident.
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
        ],
    }


@pytest.fixture
def live_server(app):
    """The app served on a free loopback port for the duration of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["SITE_URL"] = url  # absolute links (share, canonical) point at this server
    yield url
    server.shutdown()
    thread.join(timeout=5)


class PageWatch:
    """What a page did that a reader would object to: errors, dialogs, foreign requests."""

    def __init__(self, page, origin: str):
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        self.foreign_requests: list[str] = []
        self.origin = origin
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("dialog", self._on_dialog)
        page.route("**/*", self._route)

    def _on_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or f"{parts.scheme}://{parts.netloc}" == self.origin:
            if parts.path == AXE_URL_PATH:
                return route.fulfill(body=AXE_SCRIPT.read_bytes(), content_type="text/javascript")
            return route.continue_()
        self.foreign_requests.append(url)
        return route.abort()

    def assert_clean(self):
        assert self.console_errors == []
        assert self.dialogs == []
        assert self.foreign_requests == []


@pytest.fixture
def watched_page(page, live_server):
    """A Playwright page on the live server, recording errors, dialogs and foreign requests.

    Brought to the front, as the page a person types into is: keyboard tests check where
    the focus is, which needs the document itself to have it (Playwright's to_be_focused
    reads document.hasFocus()), and a busy machine running two browsers let it go."""
    page.bring_to_front()
    page.watch = PageWatch(page, live_server)
    return page


def axe_violations(page) -> list[dict]:
    """Run axe-core on the current page; return its violations in a readable form."""
    page.add_script_tag(url=AXE_URL_PATH)
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
    ]


def log_in_through_form(page, live_server, email: str, password: str, path: str | None = None):
    """Log in as a person would, through /connexion; then land on `path` (?next=) if given."""
    page.goto(live_server + "/connexion" + (f"?next={path}" if path else ""))
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    if path:
        page.wait_for_url(live_server + path)


def no_sideways_scroll(page) -> bool:
    """Nothing wider than the viewport: the page never scrolls sideways."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
