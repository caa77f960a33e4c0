"""From a fresh clone to editing the demo article, as `make run` does it: migrate, load the
demo, start the server, open the link it prints, create the first administrator, edit."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PageWatch, axe_violations

ROOT = Path(__file__).resolve().parent.parent.parent
DEMO_PATH = "/article/poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/premier-compte/[A-Za-z0-9_-]+)")
# Ports Chromium refuses to open (net/base/port_util.cc): never hand one to the server.
CHROMIUM_UNSAFE_PORTS = {5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080}


def free_port() -> int:
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in CHROMIUM_UNSAFE_PORTS:
            return port


class FreshSite:
    """`make run`'s three commands on a database of its own; the server's console kept."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.console: list[str] = []
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder / 'gazette.db'}",
            "SECRET_KEY": secrets.token_hex(32),
            "GAZETTE_SITE_URL": self.url,
            "GAZETTE_SHARED_DIR": str(folder / "shared"),
            "GAZETTE_MEDIA_ROOT": str(folder / "media"),
            "GAZETTE_CACHE_DIR": str(folder / "page-cache"),
            "PYTHONUNBUFFERED": "1",
        }
        self.server: subprocess.Popen | None = None

    def flask(self, *arguments: str) -> list[str]:
        return [sys.executable, "-m", "flask", "--app", "app", *arguments]

    def start(self) -> None:
        for command in (("db", "upgrade"), ("demo", "load")):
            subprocess.run(self.flask(*command), cwd=ROOT, env=self.env, check=True, timeout=120)
        self.server = subprocess.Popen(
            self.flask("run", "--host", "127.0.0.1", "--port", str(self.port)),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read_console, daemon=True).start()

    def _read_console(self) -> None:
        for line in self.server.stdout:
            self.console.append(line)

    def wait_for(self, pattern: re.Pattern, timeout: float = 60) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = pattern.search("".join(self.console))
            if found:
                return found
            if self.server.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError("not on the console:\n" + "".join(self.console))

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            self.server.wait(timeout=10)


@pytest.fixture
def fresh_site(tmp_path):
    site = FreshSite(tmp_path)
    site.start()
    yield site
    site.stop()


@pytest.mark.parametrize("width", [390, 1280])
def test_from_make_run_to_editing_the_demo_article(fresh_site, browser, width):
    site = fresh_site
    link = site.wait_for(LINK)[1]
    console = "".join(site.console)
    assert "valable 1 heure, une seule fois" in console
    assert "make setup-link" in console
    site.wait_for(re.compile(r"Running on " + re.escape(site.url)))

    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.watch = PageWatch(page, site.url)
    page.goto(link)
    expect(page.get_by_role("heading", name="Créer le premier compte")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Votre nom").fill("Camille Rédac")
    page.get_by_label("Adresse électronique").fill("camille@exemple.fr")
    page.get_by_label("Mot de passe").fill("azertyuiop")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_text("Le mot de passe doit compter au moins 12 caractères.")).to_be_visible()
    expect(page.get_by_label("Votre nom")).to_have_value("Camille Rédac")
    expect(page.get_by_label("Mot de passe")).to_have_value("")
    assert axe_violations(page) == []
    # The form came back with 422, which Chromium notes on its console; nothing else.
    assert [error for error in page.watch.console_errors if "422" not in error] == []
    page.watch.console_errors.clear()
    page.get_by_label("Mot de passe").fill("un cheval de course bleu marine")
    page.get_by_role("button", name="Créer mon compte").click()

    page.wait_for_url(site.url + DEMO_PATH)
    title_button = page.get_by_role("button", name="Modifier le titre")
    page.get_by_role("heading", level=1).hover()
    expect(title_button).to_be_visible()
    expect(title_button).to_have_css("opacity", "1")
    title_button.click()
    page.get_by_role("textbox", name="Titre", exact=True).fill(
        "Poutine salue le soutien nord-coréen à Pyongyang"
    )
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Poutine salue le soutien nord-coréen à Pyongyang"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.watch.assert_clean()

    # The same link again, in this browser and in another: gone, no form.
    stranger = browser.new_page()
    stranger.watch = PageWatch(stranger, site.url)  # serves axe from the site's origin
    for again in (page, stranger):
        response = again.goto(link)
        assert response.status == 410
        expect(
            again.get_by_role("heading", name="Le site a déjà son administrateur")
        ).to_be_visible()
        assert again.locator("main form").count() == 0
        assert axe_violations(again) == []
    context.close()


def test_the_link_is_printed_again_on_demand_and_dies_with_the_first_admin(fresh_site, browser):
    site = fresh_site
    first = site.wait_for(LINK)[1]
    again = subprocess.run(
        site.flask("users", "setup-link"), cwd=ROOT, env=site.env, capture_output=True, text=True
    )
    second = LINK.search(again.stdout)[1]
    assert second != first
    page = browser.new_page()
    page.goto(second)
    page.get_by_label("Votre nom").fill("Camille Rédac")
    page.get_by_label("Adresse électronique").fill("camille@exemple.fr")
    page.get_by_label("Mot de passe").fill("un cheval de course bleu marine")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url(site.url + DEMO_PATH)
    stranger = browser.new_page()
    assert stranger.goto(first).status == 410  # the other link died with it
    refused = subprocess.run(
        site.flask("users", "setup-link"), cwd=ROOT, env=site.env, capture_output=True, text=True
    )
    assert refused.returncode == 1 and "un administrateur existe déjà" in refused.stderr
