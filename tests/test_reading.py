"""What a reader gets: the demo article's structure, lists, pagination and 404s."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from models.content import ArticleStatus
from models.time import utcnow
from tests.factories import make_article, make_section, make_user

DEMO_URL = "/article/poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"
NNBSP = "\u202f"


class Outline(HTMLParser):
    """Collects the tags and their text, enough to assert on a page's structure."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text_by_tag: dict[str, list[str]] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)
        self.text_by_tag.setdefault(tag, []).append("")

    def handle_endtag(self, tag):
        if tag in self._open:
            while self._open and self._open.pop() != tag:
                pass

    def handle_data(self, data):
        for tag in set(self._open):
            self.text_by_tag[tag][-1] += data

    def texts(self, tag):
        # Collapse ASCII whitespace only: typographic spaces (U+202F) are part of the text.
        return [re.sub(r"[ \t\r\n]+", " ", t).strip() for t in self.text_by_tag.get(tag, [])]


def outline(response) -> Outline:
    parser = Outline()
    parser.feed(response.get_data(as_text=True))
    return parser


def test_demo_article_structure(client, demo):
    response = client.get(DEMO_URL)
    assert response.status_code == 200
    page = outline(response)
    html = response.get_data(as_text=True)

    assert page.texts("h1") == ["Poutine salue le soutien nord-coréen lors d’un sommet à Pyongyang"]
    assert '<html lang="fr">' in html
    trail = re.search(r'<nav class="trail".*?</nav>', html, re.S).group(0)
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', trail) == [
        ("/rubrique/international", "International"),
        ("/rubrique/international/politique", "Politique"),
    ]
    assert "Vladimir Poutine a salué le soutien indéfectible" in html
    assert 'Par <a rel="author" href="/auteur/julien-marchand">Julien Marchand</a>' in html
    assert "Publié le mercredi 19 juin 2024 à 14\u00a0h\u00a005" in html
    assert "Mis à jour le mercredi 19 juin 2024 à 16\u00a0h\u00a040" in html
    assert f"Lecture{NNBSP}: 2 min" in html

    headings = page.texts("h2")
    assert "Un appui précieux sur le dossier ukrainien" in headings
    assert f"Vers un “partenariat stratégique global”{NNBSP}?" in headings
    assert len(page.texts("blockquote")) == 1
    assert page.texts("blockquote")[0].startswith("Nous apprécions beaucoup votre soutien")
    assert page.texts("figcaption") == ["Vladimir Poutine"]
    assert (
        len([t for t, a in page.tags if t == "p" and "block-paragraph" in a.get("class", "")]) == 6
    )


def test_author_box_ends_with_sponsorship_invitation(client, demo):
    html = client.get(DEMO_URL).get_data(as_text=True)
    box = re.search(r'<aside class="author-box".*?</aside>', html, re.S).group(0)
    assert "Passionné et dévoué, j’explore sans cesse" in box
    assert (
        'Pour explorer les options de sponsoring, <a href="/sponsoring">contactez-nous</a>.' in box
    )
    # The invitation is written by the template, not duplicated from the seed.
    assert box.count("Pour explorer") == 1
    assert client.get("/sponsoring").status_code == 200


def test_seed_typography_is_kept(client, demo):
    html = client.get(DEMO_URL).get_data(as_text=True)
    assert "C’est sous les vivats d’une foule en liesse" in html
    assert "“le soutien systématique et permanent”" in html
    assert "'" not in re.sub(
        r"<[^>]+>", "", html.split("<main", 1)[1]
    )  # no straight apostrophe in text


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/rubrique/international",
        "/rubrique/international/politique",
        "/auteur/julien-marchand",
        DEMO_URL,
    ],
)
def test_public_pages_set_no_cookie_and_have_strict_csp(client, demo, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.get_data(as_text=True)
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    loaded = re.findall(r'(?:src|<link rel="(?:stylesheet|icon)" href)="([^"]+)"', html)
    assert loaded and all(url.startswith("/") and not url.startswith("//") for url in loaded)


def test_politique_articles_also_appear_under_international(client, demo):
    assert "Poutine salue" in client.get("/rubrique/international").get_data(as_text=True)
    assert "Poutine salue" in client.get("/rubrique/international/politique").get_data(as_text=True)
    assert "Poutine salue" not in client.get("/rubrique/international/europe").get_data(
        as_text=True
    )
    assert "Aucun article publié" in client.get("/rubrique/culture").get_data(as_text=True)


def test_front_page_lists_live_articles_newest_first(client, app):
    section = make_section("Culture", slug="culture")
    make_article("Plus ancien", section=section, published_at=utcnow() - timedelta(days=2))
    make_article("Plus récent", section=section, published_at=utcnow() - timedelta(hours=1))
    make_article("Brouillon", section=section, status=ArticleStatus.DRAFT)
    make_article("Programmé", section=section, published_at=utcnow() + timedelta(hours=1))

    html = client.get("/").get_data(as_text=True)
    assert html.index("Plus récent") < html.index("Plus ancien")
    assert "Brouillon" not in html and "Programmé" not in html


def test_drafts_and_scheduled_articles_are_404_for_readers(client, app):
    draft = make_article("Brouillon", status=ArticleStatus.DRAFT)
    scheduled = make_article("Programmé", published_at=utcnow() + timedelta(hours=1))
    assert client.get(f"/article/{draft.slug}").status_code == 404
    assert client.get(f"/article/{scheduled.slug}").status_code == 404


def test_scheduled_article_goes_live_at_its_time_without_a_job(client, app):
    article = make_article("Bientôt", published_at=utcnow() + timedelta(hours=1))
    assert client.get(f"/article/{article.slug}").status_code == 404
    article.published_at = utcnow() - timedelta(seconds=1)
    from models import db

    db.session.commit()
    assert client.get(f"/article/{article.slug}").status_code == 200


def test_front_page_paginates(client, app):
    app.config["ARTICLES_PER_PAGE"] = 2
    section = make_section()
    for n in range(5):
        make_article(f"Article numéro {n}", section=section)  # 0 is the newest
    first = client.get("/").get_data(as_text=True)
    assert "Article numéro 1" in first and 'rel="prev"' not in first
    older = re.search(r'rel="next" href="(/\?avant=[^"]+)"', first)[1]
    second = client.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert "Article numéro 2" in second and "Article numéro 1" not in second
    last = client.get(re.search(r'rel="next" href="([^"]+)"', second)[1]).get_data(as_text=True)
    assert "Article numéro 4" in last and 'rel="next"' not in last
    newer = re.search(r'rel="prev" href="([^"]+)"', last)[1]
    assert "Article numéro 2" in client.get(newer).get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/?avant=0",
        "/?avant=abc",
        "/?avant=",
        "/?apres=2024-06-19T12:05:00_1",  # not a cursor the site writes
        "/?avant=2024-13-45T12:05:00.000000_1",  # no such date
        "/?avant=2024-06-19T12:05:00.000000_99999999999999999999999",
        "/?avant=%C2%B2024-06-19T12:05:00.000000_1",  # superscript two: isdigit() but not a digit
        "/?avant=2000-01-01T00:00:00.000000_1",  # past the end
        "/article/n-existe-pas",
        "/rubrique/n-existe-pas",
        "/rubrique/international/n-existe-pas",
        "/rubrique/politique",  # a child section only lives under its parent
        "/auteur/personne",
        "/rubrique/international?avant=2000-01-01T00:00:00.000000_1",
    ],
)
def test_bad_urls_get_the_french_404_page(client, demo, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page introuvable" in html and '<html lang="fr">' in html


def test_author_page_shows_bio_and_articles(client, demo):
    html = client.get("/auteur/julien-marchand").get_data(as_text=True)
    assert '<h1 class="listing-title">Julien Marchand</h1>' in html
    assert "Passionné et dévoué" in html
    assert "Poutine salue le soutien nord-coréen" in html


def test_user_text_is_escaped_on_reader_pages(client, app):
    author = make_user("<script>alert(1)</script>")
    make_article("<img src=x onerror=alert(1)>", author=author, standfirst="<b>chapô</b>")
    html = client.get("/").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_server_error_gets_the_french_500_page_without_a_trace(client, app, monkeypatch):
    import views.reading

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.reading.front, "front_page", broken)  # the front page's one call
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Le site rencontre un problème" in html
    assert "RuntimeError" not in html and "Traceback" not in html


def test_english_ui_is_available_by_configuration(client, demo):
    client.application.config["BABEL_DEFAULT_LOCALE"] = "en"
    html = client.get(DEMO_URL).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Published on Wednesday, June 19, 2024 at 2:05" in html
    assert 'To explore sponsorship options, <a href="/sponsoring">contact us</a>.' in html


def test_database_down_gets_a_french_503_page(client, app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    # The front page's articles and the masthead's menu: both read the database.
    monkeypatch.setattr("services.front.front_page", unreachable)
    monkeypatch.setattr("services.sections.navigation", unreachable)
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    html = response.get_data(as_text=True)
    assert "Service momentanément indisponible" in html and "OperationalError" not in html
