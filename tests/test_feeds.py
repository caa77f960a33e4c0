"""Feeds, sitemaps and robots.txt: what feed readers and search engines get."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import pytest

from models.content import ArticleStatus
from models.time import utcnow
from tests.factories import make_article, make_section, make_user

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_site_feed_lists_live_articles_with_their_details(client, demo, kind):
    make_article("Brouillon caché", status=ArticleStatus.DRAFT)
    response = client.get(f"/flux.{kind}")
    assert response.status_code == 200
    assert response.content_type.startswith(f"application/{kind}+xml")
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.title for e in feed.entries] == [
        "Poutine salue le soutien nord-coréen lors d’un sommet à Pyongyang"
    ]
    entry = feed.entries[0]
    assert (
        entry.link
        == "http://localhost/article/poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"
    )
    assert entry.summary.startswith("Vladimir Poutine a salué le soutien indéfectible")
    assert entry.author == "Julien Marchand"
    # The section trail, then the tags (issue 14).
    assert {t.get("label") or t.term for t in entry.tags} == {
        "International",
        "Politique",
        "Russie",
        "Corée du Nord",
        "Diplomatie",
    }
    assert entry.published_parsed[:5] == (2024, 6, 19, 12, 5)


def test_section_and_author_feeds_hold_their_own_articles(client, app):
    culture = make_section("Culture", slug="culture")
    sport = make_section("Sport", slug="sport")
    writer = make_user("Léa Roux", slug="lea-roux")
    make_article("Au théâtre", section=culture, author=writer)
    make_article("Au stade", section=sport)
    assert [
        e.title for e in feedparser.parse(client.get("/rubrique/culture/flux.rss").data).entries
    ] == ["Au théâtre"]
    assert [
        e.title for e in feedparser.parse(client.get("/auteur/lea-roux/flux.atom").data).entries
    ] == ["Au théâtre"]


def test_feeds_are_advertised_on_pages(client, demo):
    html = client.get("/rubrique/international").get_data(as_text=True)
    assert (
        '<link rel="alternate" type="application/rss+xml" title="Gazette (RSS)" href="/flux.rss">'
        in html
    )
    assert 'href="/rubrique/international/flux.atom"' in html
    assert 'href="/auteur/julien-marchand/flux.rss"' in client.get(
        "/auteur/julien-marchand"
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    "url", ["/flux.json", "/rubrique/nulle-part/flux.rss", "/auteur/personne/flux.atom"]
)
def test_unknown_feeds_are_404(client, demo, url):
    assert client.get(url).status_code == 404


def test_feed_text_is_escaped(client, app):
    make_article("<script>alert(1)</script> & co", standfirst="a < b")
    body = client.get("/flux.rss").get_data(as_text=True)
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert feedparser.parse(body).entries[0].title == "<script>alert(1)</script> & co"


def _xml(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.content_type.startswith("application/xml")
    return ET.fromstring(response.data)


def test_sitemap_index_points_to_valid_urlsets(client, demo):
    index = _xml(client, "/sitemap.xml")
    assert index.tag == f"{SITEMAP_NS}sitemapindex"
    locations = [s.findtext(f"{SITEMAP_NS}loc") for s in index.findall(f"{SITEMAP_NS}sitemap")]
    assert "http://localhost/sitemaps/articles-1.xml" in locations
    for location in locations:
        urlset = _xml(client, location.removeprefix("http://localhost"))
        assert urlset.tag == f"{SITEMAP_NS}urlset"
        for url in urlset.findall(f"{SITEMAP_NS}url"):
            assert url.findtext(f"{SITEMAP_NS}loc").startswith("http://localhost/")
    articles = _xml(client, "/sitemaps/articles-1.xml").findall(f"{SITEMAP_NS}url")
    assert [u.findtext(f"{SITEMAP_NS}lastmod") for u in articles] == ["2024-06-19T14:40:00Z"]
    sections = {u.findtext(f"{SITEMAP_NS}loc") for u in _xml(client, "/sitemaps/rubriques.xml")}
    assert "http://localhost/rubrique/international/politique" in sections
    authors = {u.findtext(f"{SITEMAP_NS}loc") for u in _xml(client, "/sitemaps/auteurs.xml")}
    assert authors == {"http://localhost/auteur/julien-marchand"}


def test_news_sitemap_holds_the_last_48_hours_only(client, app):
    make_article("Tout frais", published_at=utcnow() - timedelta(hours=3))
    make_article("Trop vieux", published_at=utcnow() - timedelta(hours=49))
    make_article("Pas encore", published_at=utcnow() + timedelta(hours=1))
    news = _xml(client, "/sitemaps/actualites.xml")
    titles = [n.findtext(f"{NEWS_NS}news/{NEWS_NS}title") for n in news.findall(f"{SITEMAP_NS}url")]
    assert titles == ["Tout frais"]
    first = news.find(f"{SITEMAP_NS}url/{NEWS_NS}news")
    assert first.findtext(f"{NEWS_NS}publication/{NEWS_NS}name") == "Gazette"
    assert first.findtext(f"{NEWS_NS}publication/{NEWS_NS}language") == "fr"
    assert first.findtext(f"{NEWS_NS}publication_date").endswith("Z")


def test_article_sitemaps_are_split_in_files(client, app, monkeypatch):
    import views.feeds

    monkeypatch.setattr(views.feeds, "SITEMAP_SIZE", 2)
    section = make_section()
    for n in range(5):
        make_article(f"Article {n}", section=section)
    index = _xml(client, "/sitemap.xml")
    files = [
        s.findtext(f"{SITEMAP_NS}loc")
        for s in index.findall(f"{SITEMAP_NS}sitemap")
        if "articles-" in s.findtext(f"{SITEMAP_NS}loc")
    ]
    assert len(files) == 3
    assert len(_xml(client, "/sitemaps/articles-3.xml").findall(f"{SITEMAP_NS}url")) == 1
    assert client.get("/sitemaps/articles-4.xml").status_code == 404
    assert client.get("/sitemaps/articles-0.xml").status_code == 404


def test_robots_points_to_the_sitemaps(client, app):
    body = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in body
    assert "Sitemap: http://localhost/sitemaps/actualites.xml" in body
    assert "Disallow: /redaction/" in body
