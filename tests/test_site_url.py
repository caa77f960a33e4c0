"""One configured site URL builds every absolute link; other hosts are refused (issue 12, item 2).

The Host header (or X-Forwarded-Host behind a proxy) is the client's to choose. Before,
an anonymous inquiry sent with `Host: evil.example` queued a notification linking the
newsroom to http://evil.example/redaction/demandes/N. Now:
- a request for a host that is not the site's gets a 400 in the site's design, before
  any view runs, so nothing is stored, directly or through ProxyFix;
- a request for a trusted alias (GAZETTE_TRUSTED_HOSTS) is answered, and no output
  (pages, fragments, feeds, sitemaps, robots.txt, structured data, e-mails, headers)
  ever names the host it came in on: every absolute link starts with GAZETTE_SITE_URL.
"""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

import config
from app import create_app
from models import db
from models.sponsorship import OutboxMessage
from tests.conftest import IsolatedClient, base_config
from tests.hardening_helpers import (
    build_world,
    call,
    changed_tables,
    database_fingerprint,
    log_in_as,
    routes,
)
from tests.sponsorship_factories import form_data

SITE = "https://news.example"
ALIAS = "www.alias.example"  # trusted (GAZETTE_TRUSTED_HOSTS) but not the site URL's host
EVIL = "evil.example"


@pytest.fixture
def site_app(database_url):
    """An app whose site is https://news.example, also answering www.alias.example."""
    app = create_app(
        base_config(database_url)
        | {"SITE_URL": SITE, "TRUSTED_HOSTS": config.trusted_hosts(SITE, (ALIAS, "localhost"))}
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        from tests.conftest import empty_all_tables

        empty_all_tables()
        db.engine.dispose()


def outbox_bodies() -> list[str]:
    db.session.expire_all()
    return [m.body for m in db.session.scalars(select(OutboxMessage))]


# --------------------------------------------------------------------------- refused hosts


@pytest.mark.parametrize("htmx", [False, True])
def test_an_inquiry_for_another_host_is_refused_and_stores_nothing(client, app, htmx, caplog):
    before = database_fingerprint()
    headers = {"Host": EVIL, **({"HX-Request": "true"} if htmx else {})}
    with caplog.at_level(logging.WARNING):
        response = client.post("/sponsoring", data=form_data(), headers=headers)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "La demande n’a pas pu aboutir" in page and 'lang="fr"' in page
    assert "/static/v/" in page  # the site's design: its stylesheet
    assert EVIL not in page
    assert changed_tables(before, database_fingerprint()) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_x_forwarded_host_through_proxyfix_is_refused_too(database_url):
    app = create_app(base_config(database_url) | {"GAZETTE_TRUSTED_PROXIES": 1})
    app.test_client_class = IsolatedClient
    with app.app_context():
        before = database_fingerprint()
        response = app.test_client().post(
            "/sponsoring",
            data=form_data(),
            headers={"X-Forwarded-Host": EVIL, "X-Forwarded-For": "203.0.113.9"},
        )
        assert response.status_code == 400
        assert changed_tables(before, database_fingerprint()) == []
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    "host", [EVIL, "localhost.evil.example", "evil.example:80", "user@localhost", "[::2]"]
)
def test_every_kind_of_foreign_host_is_refused_on_reader_pages(client, demo, host):
    assert client.get("/", headers={"Host": host}).status_code == 400


def test_a_cached_page_is_not_served_to_another_host(client, demo, caplog):
    """The WSGI fast path checks the host before answering from the page cache."""
    assert client.get("/").status_code == 200
    assert client.get("/").headers["X-Page-Cache"] == "hit"
    with caplog.at_level(logging.WARNING):
        response = client.get("/", headers={"Host": EVIL})
    assert response.status_code == 400 and "X-Page-Cache" not in response.headers
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# --------------------------------------------------------------------------- absolute links


def test_the_notification_links_to_the_site_whatever_host_was_used(site_app):
    client = site_app.test_client()
    response = client.post("/sponsoring", data=form_data(), base_url=f"http://{ALIAS}")
    assert response.status_code == 303
    [body] = outbox_bodies()
    links = re.findall(r"https?://[^\s<>\"]+", body)
    assert links and all(link.startswith(SITE + "/redaction/demandes/") for link in links)


def test_no_output_names_the_host_it_was_requested_on(site_app):
    """Every GET route, as anonymous and as an admin, asked on the alias host: the alias
    appears nowhere (body or headers), and the pages that carry absolute links carry
    the site URL (the news sitemap is empty: the demo article is older than 48 hours)."""
    client = site_app.test_client()
    world = build_world()
    seen_site = set()
    leaks = []
    for role in ("anon", "editor", "admin"):
        for method, rule in routes(site_app):
            if method != "GET":
                continue
            log_in_as(client, world, role)
            response = call(client, site_app, method, rule, world, role, base_url=f"http://{ALIAS}")
            text = response.get_data().decode(errors="replace")  # images too
            where = [str(response.headers), text]
            if any(ALIAS in part for part in where):
                leaks.append((role, rule.endpoint))
            if SITE + "/" in text:
                seen_site.add(rule.endpoint)
    assert leaks == []
    assert {
        "reading.front_page",
        "reading.article",
        "feeds.site_feed",
        "feeds.sitemap_index",
        "feeds.sitemap_articles",
        "feeds.robots",
    } <= seen_site


def test_article_page_structured_data_and_open_graph_use_the_site(site_app, demo):
    from tests.hardening_helpers import DEMO_SLUG

    page = (
        site_app.test_client()
        .get(f"/article/{DEMO_SLUG}", base_url=f"http://{ALIAS}")
        .get_data(as_text=True)
    )
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', page)[1]
    assert canonical == f"{SITE}/article/{DEMO_SLUG}"
    og_url = re.search(r'<meta property="og:url" content="([^"]+)"', page)
    assert og_url and og_url[1] == canonical
    json_ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    urls = re.findall(r'"(https?://[^"]+)"', json_ld)
    assert urls and all(url.startswith(SITE + "/") or "schema.org" in url for url in urls)


def test_feed_self_links_use_the_site(site_app, demo):
    client = site_app.test_client()
    for kind in ("rss", "atom"):
        feed = client.get(f"/flux.{kind}?utm=x", base_url=f"http://{ALIAS}").get_data(as_text=True)
        assert f'href="{SITE}/flux.{kind}"' in feed


def test_links_built_outside_a_request_use_the_site(site_app):
    from views.urls import absolute_url_for

    assert absolute_url_for("inbox.detail", inquiry_id=7) == f"{SITE}/redaction/demandes/7"


def test_relative_links_and_anchors_still_work(site_app, demo):
    from flask import url_for

    with site_app.test_request_context("/", base_url=f"http://{ALIAS}"):
        assert url_for("reading.front_page") == "/"
        assert url_for("reading.front_page", _external=True) == SITE + "/"
        assert url_for("reading.front_page", _external=True, _anchor="a b") == SITE + "/#a%20b"


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("https://Gazette.example/", "https://gazette.example"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        (" https://gazette.example:8443 ", "https://gazette.example:8443"),
    ],
)
def test_site_url_is_normalised(value, normalised):
    assert config.parse_site_url(value) == normalised


@pytest.mark.parametrize(
    "value",
    [
        "gazette.example",
        "ftp://gazette.example",
        "https://gazette.example/journal",
        "https://gazette.example/?a=1",
        "https://user@gazette.example",
        "https://gazette.example:port",
        "https://",
        "https://gaz ette.example",
    ],
)
def test_a_site_url_that_is_not_an_origin_stops_the_start(value, monkeypatch, tmp_path):
    monkeypatch.setenv("GAZETTE_SITE_URL", value)
    with pytest.raises(config.ConfigError) as stopped:
        config.app_config(str(tmp_path))
    assert stopped.value.name == "GAZETTE_SITE_URL"


def test_trusted_hosts_are_the_site_the_extra_names_and_loopback_in_development():
    assert config.trusted_hosts("https://gazette.example", ("www.gazette.example",)) == [
        "gazette.example",
        "www.gazette.example",
    ]
    assert config.trusted_hosts("http://127.0.0.1:5000") == ["127.0.0.1", "localhost"]
    assert config.parse_hosts(" A.example, .b.example ,") == ("a.example", ".b.example")
    with pytest.raises(ValueError):
        config.parse_hosts("a.example, evil/ example")
