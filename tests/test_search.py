"""French full-text search: stemming and accents, safe highlights, live articles only, and
an index that follows plain ORM saves (no editor code calls the index)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from models import Article, Block, db
from models.content import ArticleStatus, BlockKind
from models.time import utcnow
from services import search
from tests.factories import make_article

DEMO_HEADLINE = "Poutine salue le soutien nord-coréen lors d’un sommet à Pyongyang"


def found_headlines(client, query: str, **params) -> list[str]:
    response = client.get("/recherche", query_string={"q": query, **params})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return [
        re.sub(r"<[^>]+>", "", h)
        for h in re.findall(r'class="search-hit-headline"[^>]*><a [^>]+>(.*?)</a>', html)
    ]


def paragraph(text_: str) -> tuple[str, dict]:
    return (BlockKind.PARAGRAPH, {"html": text_})


def index_rows(article_id: int) -> int:
    if db.engine.dialect.name == "postgresql":
        sql = "SELECT count(*) FROM search_document WHERE article_id = :id"
    else:
        sql = "SELECT count(*) FROM article_search WHERE rowid = :id"
    return db.session.scalar(text(sql), {"id": article_id})


# --- Folding and stemming ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("forms"),
    [
        ["sommet", "sommets", "Sommet"],
        ["coréen", "coreen", "coréens", "coréenne", "coréennes", "COREEN"],
        ["journal", "journaux"],
        ["bureau", "bureaux"],
        ["politique", "politiques"],
        ["internationale", "international", "internationaux"],
        # Snowball stems folded words (so that "egalite" meets "égalité"): its rules that
        # read accents see none, and -ée / -ère forms keep a stem of their own.
        ["annonce", "annoncé", "annoncer", "annonces", "ANNONCÉS"],
        ["annoncée", "annoncées", "annoncee"],
        ["œuvre", "oeuvres"],
        ["première", "premières"],
        ["premier", "premiers"],
        ["égalité", "egalite", "EGALITÉ", "e\u0301galite\u0301", "égalités"],
        ["réforme", "reforme", "ré\u00adformes", "re\u0301\u200bforme"],
        ["Wałęsa", "walesa", "WALESA"],
        ["cœur", "coeur", "cœurs", "CŒUR"],
    ],
)
def test_forms_of_a_word_share_one_search_term(forms):
    assert len({tuple(search.search_terms(form)) for form in forms}) == 1


def test_different_words_keep_different_terms():
    terms = [search.search_terms(w)[0] for w in ("sommet", "somme", "port", "porte-parole")]
    assert terms[0] != terms[1]
    assert search.search_terms("le la de des") == []


# --- The search page --------------------------------------------------------------------


@pytest.mark.parametrize("query", ["coreen", "sommets", "Pyongyang", "nord-coréens", "Pyong"])
def test_demo_article_is_found_with_or_without_accents_and_plurals(client, demo, query):
    assert found_headlines(client, query) == [DEMO_HEADLINE]


def test_results_show_section_date_and_highlighted_snippet(client, demo):
    html = client.get("/recherche?q=coreen").get_data(as_text=True)
    assert "<mark>coréen</mark>" in html
    hit = html.split('class="search-hit"', 1)[1]
    assert "Politique" in hit and "19 juin 2024" in hit and "Julien Marchand" in hit
    snippet = re.search(r'<p class="search-hit-snippet">(.*?)</p>', html, re.S)[1]
    assert "<mark>" in snippet and len(re.sub(r"<[^>]+>", "", snippet).split()) <= 40


def test_highlights_escape_the_text_first(client, app):
    make_article(
        "<script>alert(1)</script> au sommet",
        standfirst="<b>gras</b> & sommets",
        blocks=[paragraph("Un sommet &lt;img src=x onerror=alert(1)&gt; inattendu.")],
    )
    html = client.get("/recherche?q=sommet").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>gras" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; au <mark>sommet</mark>" in html
    assert "<mark>sommet</mark> &lt;img src=x onerror=alert(1)&gt; inattendu" in html


def test_drafts_and_scheduled_articles_are_not_found_until_due(client, app):
    make_article("Girafe en brouillon", status=ArticleStatus.DRAFT)
    scheduled = make_article("Girafe programmée", published_at=utcnow() + timedelta(hours=2))
    make_article("Girafe publiée")
    assert found_headlines(client, "girafes") == ["Girafe publiée"]

    scheduled.published_at = utcnow() - timedelta(seconds=1)  # its time has come
    db.session.commit()
    assert sorted(found_headlines(client, "girafe")) == ["Girafe programmée", "Girafe publiée"]


def test_index_follows_plain_orm_saves(client, app):
    article = make_article("Un titre ordinaire", blocks=[paragraph("Rien à signaler.")])
    assert found_headlines(client, "hippopotame") == []

    article.blocks[0].data = {"html": "Un <em>hippopotame</em> dans la Seine."}
    db.session.commit()
    assert found_headlines(client, "hippopotames") == ["Un titre ordinaire"]

    article.headline = "Le zoo déménage"
    article.insert_block(BlockKind.QUOTE, {"text": "Quel ornithorynque !", "attribution": "Zoé"})
    db.session.commit()
    assert found_headlines(client, "ornithorynque") == ["Le zoo déménage"]
    assert found_headlines(client, "titre ordinaire") == []

    article.remove_block(article.blocks[1])  # the hippopotamus paragraph, after the quote
    db.session.commit()
    assert found_headlines(client, "hippopotame") == []
    assert found_headlines(client, "zoo") == ["Le zoo déménage"]


def test_index_follows_publish_unpublish_and_delete(client, app):
    article = make_article("Le loup revient", status=ArticleStatus.DRAFT)
    assert found_headlines(client, "loups") == []
    article.status = ArticleStatus.PUBLISHED
    db.session.commit()
    assert found_headlines(client, "loups") == ["Le loup revient"]
    article.status = ArticleStatus.DRAFT
    db.session.commit()
    assert found_headlines(client, "loups") == []

    article_id = article.id
    db.session.delete(article)
    db.session.commit()
    assert index_rows(article_id) == 0


def test_index_api_reindexes_and_removes(app):
    article = make_article("Le lynx boréal")
    assert index_rows(article.id) == 1
    search.remove_article(article.id)
    db.session.commit()
    assert search.search("lynx").results == []
    search.index_article(article.id)
    db.session.commit()
    assert [r.article.id for r in search.search("lynx").results] == [article.id]


def test_results_are_paginated_and_bounded(client, app):
    for n in range(12):
        make_article(f"Tempête numéro {n}")
    first = client.get("/recherche?q=tempete").get_data(as_text=True)
    assert first.count('class="search-hit"') == 10 and 'rel="next"' in first
    second = client.get("/recherche?q=tempete&page=2").get_data(as_text=True)
    assert second.count('class="search-hit"') == 2 and 'rel="prev"' in second
    for page in ("3", "0", "abc", str(search.MAX_PAGE + 1)):
        assert client.get(f"/recherche?q=tempete&page={page}").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        '"',
        'a"b',
        "*",
        "NEAR(a b)",
        "sommet OR",
        "(",
        "-sommet",
        "col:x",
        "\x00",
        "💥",
        "l’été",
        "x" * 5000,
        "AND AND",
        "sommet*",
        "^sommet",
    ],
)
def test_odd_queries_never_break_the_page(client, demo, query):
    response = client.get("/recherche", query_string={"q": query})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert any(answer in html for answer in ("Résultats pour", "Aucun article", "Précisez"))


def test_only_common_words_asks_for_more(client, demo):
    html = client.get("/recherche?q=le+de+la").get_data(as_text=True)
    assert "Précisez votre recherche" in html


def test_empty_search_page_is_a_form_without_cookie(client, demo):
    response = client.get("/recherche")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert '<form class="search-form" role="search"' in html and 'method="get"' in html
    assert 'name="csrf_token"' not in html
    assert 'hx-get="/recherche"' in html and 'hx-push-url="true"' in html


def test_htmx_gets_the_results_region_only(client, demo):
    response = client.get("/recherche?q=sommet", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in html and "<mark>sommet</mark>" in html
    boosted = client.get(
        "/recherche?q=sommet", headers={"HX-Request": "true", "HX-Boosted": "true"}
    )
    assert "<html" in boosted.get_data(as_text=True)


def test_masthead_links_to_search(client, demo):
    assert 'href="/recherche"' in client.get("/").get_data(as_text=True)


def test_bulk_deletes_empty_the_index_too(app):
    """Core deletes bypass the ORM's hooks: a trigger (SQLite) or a cascade (PostgreSQL) acts."""
    article_id = make_article("Le castor", blocks=[paragraph("Un barrage de castor.")]).id
    db.session.execute(Block.__table__.delete())
    db.session.execute(Article.__table__.delete().where(Article.__table__.c.id == article_id))
    db.session.commit()
    assert index_rows(article_id) == 0


def test_broad_queries_rank_a_bounded_set_of_the_newest_matches(app, monkeypatch):
    monkeypatch.setattr(search, "MAX_CANDIDATES", 3)
    ids = [make_article(f"Orage numéro {n}").id for n in range(5)]
    found = [r.article.id for r in search.search("orage").results]
    assert sorted(found) == sorted(ids[-3:])


def test_the_search_box_accepts_what_the_search_reads(client, app):
    html = client.get("/recherche").get_data(as_text=True)
    assert f'maxlength="{search.MAX_QUERY_LENGTH}"' in html
