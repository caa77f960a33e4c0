"""Share links: plain links with the article's address URL-encoded; nothing from other sites."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from tests.factories import make_article


class ShareLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[dict] = []
        self.inside = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("class") == "share":
            self.inside = True
        elif tag == "a" and self.inside:
            self.links.append(attrs)

    def handle_endtag(self, tag):
        if tag == "section":
            self.inside = False


def share_links(client, slug: str) -> dict[str, dict]:
    parser = ShareLinks()
    parser.feed(client.get(f"/article/{slug}").get_data(as_text=True))
    return {link["class"].removeprefix("share-"): link for link in parser.links}


def test_every_network_gets_a_plain_link_with_the_address_encoded(client, app):
    article = make_article("Été & hiver : « 100 % » ?", slug="ete-hiver")
    url = "http://localhost/article/ete-hiver"
    links = share_links(client, article.slug)
    assert set(links) == {"copy", "mail", "x", "facebook", "linkedin", "bluesky", "whatsapp"}
    expected = {
        "x": ("x.com", "url", url),
        "facebook": ("www.facebook.com", "u", url),
        "linkedin": ("www.linkedin.com", "url", url),
        "bluesky": ("bsky.app", "text", f"{article.headline} {url}"),
        "whatsapp": ("wa.me", "text", f"{article.headline} {url}"),
    }
    for network, (host, key, value) in expected.items():
        link = links[network]
        parts = urlsplit(link["href"])
        assert parts.scheme == "https" and parts.hostname == host, network
        assert parse_qs(parts.query)[key] == [value], network
        assert " " not in link["href"] and "«" not in link["href"], network
        assert link["rel"] == "noopener noreferrer" and link["target"] == "_blank", network
    assert parse_qs(urlsplit(links["x"]["href"]).query)["text"] == [article.headline]


def test_mail_link_has_subject_and_body(client, app):
    article = make_article("Un titre & des accents", slug="mail-test")
    href = share_links(client, article.slug)["mail"]["href"]
    assert href.startswith("mailto:?")
    query = parse_qs(urlsplit(href).query)
    assert query["subject"] == ["Un titre & des accents"]
    assert query["body"] == ["Un titre & des accents\n\nhttp://localhost/article/mail-test"]
    assert "+" not in href  # mail clients read "+" literally: spaces are %20


def test_copy_link_is_a_plain_link_enhanced_by_a_static_script(client, app):
    article = make_article(slug="copie")
    links = share_links(client, article.slug)
    assert links["copy"]["href"] == "http://localhost/article/copie"
    html = client.get(f"/article/{article.slug}").get_data(as_text=True)
    assert re.search(r'<script src="/static/(v/\w+/)?js/share\.js" defer></script>', html)
    assert client.get("/static/js/share.js").status_code == 200


def test_nothing_is_loaded_from_another_site(client, app):
    article = make_article()
    html = client.get(f"/article/{article.slug}").get_data(as_text=True)
    loaded = re.findall(r'<(?:script|img|link|iframe)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    foreign = [url for url in loaded if url.startswith(("http", "//")) and "localhost" not in url]
    assert foreign == []
