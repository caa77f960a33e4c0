"""HTTP caching for a CDN or proxy: validators, 304s, Cache-Control per kind of page, static files."""

from __future__ import annotations

import re

import pytest

from tests.factories import log_in, make_article, make_section, make_user

PUBLIC = re.compile(r"^public, max-age=0, s-maxage=(\d+), stale-while-revalidate=(\d+)$")
READER_PAGES = ["/", "/rubrique/politique", "/auteur/alice", "/article/sommet", "/recherche?q=sommet",
                "/flux.rss", "/sitemap.xml", "/robots.txt"]  # fmt: skip


@pytest.fixture
def site(app):
    politique = make_section("Politique", slug="politique")
    alice = make_user(
        "Alice Autrice", slug="alice", role="editor", password="un-mot-de-passe-solide"
    )
    return make_article("Le sommet de Pyongyang", section=politique, author=alice, slug="sommet")


@pytest.mark.parametrize("url", READER_PAGES)
@pytest.mark.parametrize("page_cache", [True, False])
def test_reader_pages_are_public_with_validators_and_no_cookie(client, app, site, url, page_cache):
    app.config["GAZETTE_PAGE_CACHE"] = page_cache
    response = client.get(url)
    assert response.status_code == 200
    match = PUBLIC.match(response.headers["Cache-Control"])
    assert match, response.headers["Cache-Control"]
    assert int(match[1]) == app.config["HTTP_CACHE_S_MAXAGE"]
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert "Cookie" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers


def test_if_none_match_gets_a_304_without_body(client, site):
    etag = client.get("/article/sommet").headers["ETag"]
    again = client.get("/article/sommet", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get("/article/sommet", headers={"If-None-Match": '"autre"'}).status_code == 200


def test_etag_changes_when_the_page_does(client, site):
    from models import db

    etag = client.get("/article/sommet").headers["ETag"]
    site.headline = "Le sommet de Séoul"
    db.session.commit()
    response = client.get("/article/sommet", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "Séoul" in response.text
    assert response.headers["ETag"] != etag


def test_if_modified_since_gets_a_304(client, site):
    last_modified = client.get("/article/sommet").headers["Last-Modified"]
    again = client.get("/article/sommet", headers={"If-Modified-Since": last_modified})
    assert again.status_code == 304
    older = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert client.get("/article/sommet", headers={"If-Modified-Since": older}).status_code == 200


def test_list_pages_are_not_kept_by_a_cdn_past_the_next_publication(client, app, site):
    from datetime import timedelta

    from models.time import utcnow

    make_article("Bientôt", author=site.author, published_at=utcnow() + timedelta(seconds=20))
    match = PUBLIC.match(client.get("/").headers["Cache-Control"])
    assert int(match[1]) <= 20
    article = PUBLIC.match(client.get("/article/sommet").headers["Cache-Control"])
    assert int(article[1]) == app.config["HTTP_CACHE_S_MAXAGE"]


@pytest.mark.parametrize("url", ["/", "/article/sommet", "/redaction", "/recherche?q=x"])
def test_logged_in_pages_are_private(client, site, url):
    log_in(client, site.author)
    response = client.get(url)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers


@pytest.mark.parametrize("url", ["/connexion", "/sponsoring"])
def test_pages_with_a_csrf_form_are_private(client, app, site, url):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("url", READER_PAGES)
def test_a_reader_who_opened_the_inquiry_form_still_gets_the_public_page(client, app, site, url):
    """The form's CSRF token lives in a session that names nobody: reading on afterwards
    gets the page everyone gets, shareable by a CDN, and no cookie set again."""
    app.config["WTF_CSRF_ENABLED"] = True
    assert "Set-Cookie" in client.get("/sponsoring").headers  # the form's token
    client.get("/")  # Flask-Login marks the session once ("_fresh")
    response = client.get(url)
    assert response.status_code == 200
    assert PUBLIC.match(response.headers["Cache-Control"]), response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers


def test_editor_partials_and_inbox_are_private(client, site):
    log_in(client, site.author)
    for url in (
        f"/redaction/articles/{site.id}/titre/modifier",
        "/redaction",
        "/redaction/demandes",
    ):
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.headers["Cache-Control"] == "private, no-store", url


def test_errors_are_not_shared(client, site):
    response = client.get("/article/nexiste-pas")
    assert response.status_code == 404
    assert "public" not in response.headers["Cache-Control"]


def test_static_files_have_fingerprinted_urls_and_a_year_of_cache(client, app, site):
    page = client.get("/").text
    urls = re.findall(r'href="(/static/[^"]+)"', page)
    assert urls and all(re.fullmatch(r"/static/v/[0-9a-f]{12}/[\w/.-]+", url) for url in urls)
    response = client.get(urls[0])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_fingerprint_follows_the_file_content(tmp_path):
    from views import http_cache

    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("body { color: black }")
    before = http_cache.static_fingerprints(tmp_path)["css/site.css"]
    (tmp_path / "css" / "site.css").write_text("body { color: navy }")
    assert http_cache.static_fingerprints(tmp_path)["css/site.css"] != before


def test_a_stale_fingerprint_still_gets_the_file_but_not_for_a_year(client, site):
    response = client.get("/static/v/000000000000/css/gazette.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")
    plain = client.get("/static/css/gazette.css")
    assert plain.status_code == 200
    assert "immutable" not in plain.headers.get("Cache-Control", "")
