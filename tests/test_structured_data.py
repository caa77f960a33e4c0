"""Structured data on article pages: JSON-LD, Open Graph and Twitter tags, meta descriptions."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser

from models import Correction, Sponsor, db
from models.time import utcnow
from tests.factories import make_article, make_section, make_user

DEMO = "/article/poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"


class HeadReader(HTMLParser):
    """The JSON-LD documents and <meta> tags of a page, as a browser would parse them."""

    def __init__(self):
        super().__init__()
        self.json_ld: list[str] = []
        self.meta: dict[str, str] = {}
        self.links: list[dict] = []
        self._in_json = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json = True
            self.json_ld.append("")
        elif tag == "meta" and "content" in attrs:
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta[key] = attrs["content"]
        elif tag == "link":
            self.links.append(attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json = False

    def handle_data(self, data):
        if self._in_json:
            self.json_ld[-1] += data


def read(client, url: str) -> HeadReader:
    response = client.get(url)
    assert response.status_code == 200
    reader = HeadReader()
    reader.feed(response.get_data(as_text=True))
    return reader


def documents(client, url: str) -> dict[str, dict]:
    """The page's JSON-LD documents by @type (each must parse as JSON)."""
    return {doc["@type"]: doc for doc in map(json.loads, read(client, url).json_ld)}


def test_news_article_has_every_property_google_asks_for(client, demo):
    article = documents(client, DEMO)["NewsArticle"]
    url = "http://localhost" + DEMO
    assert article["@context"] == "https://schema.org"
    assert (
        article["headline"] == "Poutine salue le soutien nord-coréen lors d’un sommet à Pyongyang"
    )
    assert article["description"].startswith("Vladimir Poutine a salué le soutien")
    assert article["datePublished"] == "2024-06-19T12:05:00+00:00"
    assert article["dateModified"] == "2024-06-19T14:40:00+00:00"
    assert article["author"] == [
        {
            "@type": "Person",
            "name": "Julien Marchand",
            "url": "http://localhost/auteur/julien-marchand",
        }
    ]
    publisher = article["publisher"]
    assert publisher["@type"] == "Organization" and publisher["name"] == "Gazette"
    assert publisher["logo"]["@type"] == "ImageObject"
    assert (publisher["logo"]["width"], publisher["logo"]["height"]) == (600, 60)
    logo = client.get(publisher["logo"]["url"].removeprefix("http://localhost"))
    assert logo.status_code == 200 and logo.data.startswith(b"\x89PNG")
    assert article["articleSection"] == "Politique"
    assert article["inLanguage"] == "fr"
    assert article["isAccessibleForFree"] is True
    assert article["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert "image" not in article and "correction" not in article and "sponsor" not in article


def test_breadcrumbs_follow_the_section_trail_to_the_article(client, demo):
    crumbs = documents(client, DEMO)["BreadcrumbList"]["itemListElement"]
    assert [(c["position"], c["name"]) for c in crumbs] == [
        (1, "International"),
        (2, "Politique"),
        (3, "Poutine salue le soutien nord-coréen lors d’un sommet à Pyongyang"),
    ]
    assert crumbs[1]["item"] == "http://localhost/rubrique/international/politique"
    assert crumbs[2]["item"] == "http://localhost" + DEMO


def test_first_image_block_is_the_image_with_its_srcset_largest_first(client, app):
    article = make_article(
        blocks=[
            ("paragraph", {"html": "Texte."}),
            (
                "image",
                {
                    "src": "/medias/abc-960.webp",
                    "srcset": "/medias/abc-480.webp 480w, /medias/abc-1600.webp 1600w",
                    "alt": "Une place pleine de monde",
                    "width": 960,
                    "height": 640,
                },
            ),
            ("image", {"src": "/medias/second-960.webp", "alt": "Second"}),
        ]
    )
    url = f"/article/{article.slug}"
    assert documents(client, url)["NewsArticle"]["image"] == [
        "http://localhost/medias/abc-1600.webp",
        "http://localhost/medias/abc-480.webp",
        "http://localhost/medias/abc-960.webp",
    ]
    meta = read(client, url).meta
    assert meta["og:image"] == "http://localhost/medias/abc-1600.webp"
    assert meta["og:image:alt"] == "Une place pleine de monde"
    assert meta["twitter:card"] == "summary_large_image"


def test_corrections_and_sponsor_appear_in_the_json_ld(client, app):
    published = utcnow() - timedelta(days=2)
    article = make_article(published_at=published)
    sponsor = Sponsor(name="Banque Exemple", link="https://banque.example/")
    db.session.add(sponsor)
    article.sponsor = sponsor
    article.corrections.append(Correction(text="Le sommet a eu lieu mardi, pas lundi."))
    article.updated_at = utcnow()
    db.session.commit()
    data = documents(client, f"/article/{article.slug}")["NewsArticle"]
    [correction] = data["correction"]
    assert correction["@type"] == "CorrectionComment"
    assert correction["text"] == "Le sommet a eu lieu mardi, pas lundi."
    assert correction["datePublished"].endswith("+00:00")
    assert data["dateModified"] > data["datePublished"]
    assert data["sponsor"] == {
        "@type": "Organization",
        "name": "Banque Exemple",
        "url": "https://banque.example/",
    }


def test_json_ld_cannot_break_out_of_its_script_element(client, app):
    headline = "</script><script>alert(1)</script> & <!-- «ça»"
    article = make_article(headline, standfirst="</SCRIPT><img src=x onerror=alert(1)>")
    html = client.get(f"/article/{article.slug}").get_data(as_text=True)
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
        assert "<" not in block and ">" not in block and "&" not in block
    data = documents(client, f"/article/{article.slug}")["NewsArticle"]
    assert data["headline"] == headline
    assert data["description"] == "</SCRIPT><img src=x onerror=alert(1)>"


def test_open_graph_and_twitter_tags(client, demo):
    meta = read(client, DEMO).meta
    assert meta["og:type"] == "article"
    assert meta["og:title"] == "Poutine salue le soutien nord-coréen lors d’un sommet à Pyongyang"
    assert meta["og:url"] == "http://localhost" + DEMO
    assert meta["og:site_name"] == "Gazette" and meta["og:locale"] == "fr_FR"
    assert meta["og:description"] == meta["description"] == meta["twitter:description"]
    assert meta["article:published_time"] == "2024-06-19T12:05:00+00:00"
    assert meta["article:author"] == "http://localhost/auteur/julien-marchand"
    assert meta["twitter:card"] == "summary" and "og:image" not in meta
    assert meta["twitter:title"] == meta["og:title"]


def test_open_graph_locale_follows_the_site_language(client, demo):
    client.application.config["BABEL_DEFAULT_LOCALE"] = "en"
    assert read(client, DEMO).meta["og:locale"] == "en_US"  # the catalogue is US English


def test_canonical_and_meta_descriptions_on_reader_pages(client, demo):
    for url in ("/", "/rubrique/international", "/auteur/julien-marchand", DEMO, "/corrections"):
        reader = read(client, url)
        assert reader.meta.get("description"), url
        canonical = [link["href"] for link in reader.links if link.get("rel") == "canonical"]
        assert canonical == ["http://localhost" + (url if url != "/" else "/")], url


def test_favicon_ico_is_served(client, app):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # the ICO signature


def test_an_article_without_standfirst_or_section_parent_still_has_valid_data(client, app):
    section = make_section("Sport", slug="sport")
    article = make_article("Sans chapô", section=section, author=make_user("Léa"), standfirst="")
    data = documents(client, f"/article/{article.slug}")
    assert "description" not in data["NewsArticle"]
    assert len(data["BreadcrumbList"]["itemListElement"]) == 2
    assert "og:description" not in read(client, f"/article/{article.slug}").meta
