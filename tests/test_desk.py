"""The articles desk: who sees what, the filters, search, keyset pages, counts, the trash
from the list (with and without htmx), and junk in every query parameter."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from models import Article, db
from models.content import ArticleStatus
from models.time import utcnow
from services import desk
from tests.factories import HX, log_in, make_article, make_section, make_user
from views.editor import desk as desk_view


@pytest.fixture
def newsroom(app):
    """Two sections (Culture under Société), two authors, an editor; Alice has a draft, a
    scheduled article and a published one, Bruno a published one and a trashed one."""
    societe = make_section("Société", slug="societe")
    culture = make_section("Culture", slug="culture", parent=societe)
    sport = make_section("Sport", slug="sport")
    alice = make_user("Alice Autrice", slug="alice")
    bruno = make_user("Bruno Auteur", slug="bruno")
    editor = make_user("Élise Éditrice", role="editor", slug="elise")
    now = utcnow()

    def article(headline, section, author, status=ArticleStatus.PUBLISHED, **fields):
        return make_article(headline, section=section, author=author, status=status, **fields)

    draft = article(
        "Brouillon sur l’économie",
        societe,
        alice,
        ArticleStatus.DRAFT,
        published_at=None,
        standfirst="Les Œuvres complètes de l’été",
        created_at=now - timedelta(hours=1),
    )
    scheduled = article(
        "Le festival de demain",
        culture,
        alice,
        published_at=now + timedelta(days=1),
        created_at=now - timedelta(hours=2),
    )
    published = article(
        "Élection à la mairie",
        societe,
        alice,
        published_at=now - timedelta(days=1),
        created_at=now - timedelta(hours=3),
    )
    other = article(
        "Match de rugby",
        sport,
        bruno,
        published_at=now - timedelta(days=2),
        created_at=now - timedelta(hours=4),
    )
    trashed = article(
        "Un article retiré",
        sport,
        bruno,
        published_at=now - timedelta(days=3),
        created_at=now - timedelta(hours=5),
    )
    trashed.trash(editor)
    db.session.commit()
    return type("Newsroom", (), dict(locals()))


def rows(response) -> list[str]:
    """The headlines listed, in order."""
    html = response.get_data(as_text=True)
    return [
        re.sub(r"<[^>]+>", "", cell)
        for cell in re.findall(r'<th scope="row" class="desk-headline"><a [^>]+>(.*?)</a>', html)
    ]


def count(response, state: str) -> int:
    html = response.get_data(as_text=True)
    return int(re.search(rf'id="desk-count-{state}"[^>]*>(\d+)<', html)[1])


# --------------------------------------------------------------------------- the list


def test_editors_see_every_article_but_the_trash_newest_created_first(client, newsroom):
    log_in(client, newsroom.editor)
    response = client.get("/redaction/articles")
    assert response.status_code == 200
    assert rows(response) == [
        "Brouillon sur l’économie",
        "Le festival de demain",
        "Élection à la mairie",
        "Match de rugby",
    ]
    assert [count(response, s) for s in ("all", "draft", "scheduled", "published", "trash")] == [
        4,
        1,
        1,
        2,
        1,
    ]
    assert 'href="/redaction/articles"' in response.get_data(as_text=True)  # staff bar link


@pytest.mark.parametrize(
    ("etat", "expected"),
    [
        ("brouillons", ["Brouillon sur l’économie"]),
        ("programmes", ["Le festival de demain"]),
        ("publies", ["Élection à la mairie", "Match de rugby"]),
        ("corbeille", ["Un article retiré"]),
    ],
)
def test_the_state_filter(client, newsroom, etat, expected):
    log_in(client, newsroom.editor)
    assert rows(client.get(f"/redaction/articles?etat={etat}")) == expected


def test_section_filter_takes_the_sections_below_and_counts_follow(client, newsroom):
    log_in(client, newsroom.editor)
    response = client.get(f"/redaction/articles?rubrique={newsroom.societe.id}")
    assert rows(response) == [
        "Brouillon sur l’économie",
        "Le festival de demain",
        "Élection à la mairie",
    ]
    # The counts follow the other filters (section here), not the state one.
    assert [count(response, s) for s in ("all", "draft", "scheduled", "published", "trash")] == [
        3,
        1,
        1,
        1,
        0,
    ]
    response = client.get(f"/redaction/articles?rubrique={newsroom.societe.id}&etat=brouillons")
    assert rows(response) == ["Brouillon sur l’économie"] and count(response, "published") == 1


def test_author_filter(client, newsroom):
    log_in(client, newsroom.editor)
    response = client.get(f"/redaction/articles?auteur={newsroom.bruno.id}")
    assert rows(response) == ["Match de rugby"] and count(response, "trash") == 1


def test_search_folds_accents_case_and_ligatures_however_typed(client, newsroom):
    log_in(client, newsroom.editor)
    for typed in ("ELECTION", "élection", "electi", "Élec"):
        assert rows(client.get("/redaction/articles", query_string={"q": typed})) == [
            "Élection à la mairie"
        ], typed
    # The standfirst is searched too; "oeuvres" meets "Œuvres".
    assert rows(client.get("/redaction/articles?q=oeuvres")) == ["Brouillon sur l’économie"]
    # The body is not: the desk searches headlines and standfirsts only.
    body_only = make_article("Sans rapport", blocks=[("paragraph", {"html": "Hippopotame"})])
    assert body_only.id and rows(client.get("/redaction/articles?q=hippopotame")) == []
    # Search and state together, counts following the search.
    response = client.get("/redaction/articles?q=article&etat=corbeille")
    assert rows(response) == ["Un article retiré"] and count(response, "all") == 0
    # Nothing to search for (stop words): the list is not filtered.
    assert len(rows(client.get("/redaction/articles?q=le"))) == 5


def test_authors_see_only_their_own_articles_and_no_author_filter(client, newsroom):
    log_in(client, newsroom.alice)
    response = client.get("/redaction/articles")
    assert rows(response) == [
        "Brouillon sur l’économie",
        "Le festival de demain",
        "Élection à la mairie",
    ]
    assert count(response, "trash") == 0
    assert 'name="auteur"' not in response.get_data(as_text=True)
    # Asking for Bruno's articles shows none of them.
    assert rows(client.get(f"/redaction/articles?auteur={newsroom.bruno.id}")) == []
    assert rows(client.get("/redaction/articles?etat=corbeille")) == []


def test_keyset_pages_are_stable_and_shareable(client, newsroom, monkeypatch):
    monkeypatch.setattr(desk_view, "PER_PAGE", 2)
    log_in(client, newsroom.editor)
    first = client.get("/redaction/articles")
    assert rows(first) == ["Brouillon sur l’économie", "Le festival de demain"]
    older = re.search(r'<a rel="next" href="([^"]+)"', first.get_data(as_text=True))[1]
    older = older.replace("&amp;", "&")
    # Something created meanwhile does not shift the next page.
    make_article("Tout nouveau", created_at=utcnow())
    second = client.get(older)
    assert rows(second) == ["Élection à la mairie", "Match de rugby"]
    assert "Revenir aux plus récents" in second.get_data(as_text=True)
    assert 'rel="next"' not in second.get_data(as_text=True)


def test_htmx_gets_the_list_and_the_counts_out_of_band(client, newsroom):
    log_in(client, newsroom.editor)
    response = client.get("/redaction/articles?etat=publies", headers=HX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="desk-results"')
    assert "<html" not in html and 'id="desk-count-trash" hx-swap-oob="true">1<' in html
    assert "HX-Request" in response.headers["Vary"]
    assert rows(response) == ["Élection à la mairie", "Match de rugby"]


def test_the_filter_form_works_without_javascript(client, newsroom):
    """The same GET form, submitted by the browser: every field by name, the same page."""
    log_in(client, newsroom.editor)
    html = client.get("/redaction/articles").get_data(as_text=True)
    form = re.search(r'<form id="desk-filters"[^>]*>', html)[0]
    assert 'method="get"' in form and 'action="/redaction/articles"' in form
    assert 'hx-push-url="true"' in form
    for name in ("etat", "q", "rubrique", "auteur"):
        assert f'name="{name}"' in html
    query = {"etat": "publies", "q": "", "rubrique": "", "auteur": str(newsroom.alice.id)}
    assert rows(client.get("/redaction/articles", query_string=query)) == ["Élection à la mairie"]


def test_junk_in_every_query_parameter_is_never_a_500(client, newsroom):
    log_in(client, newsroom.editor)
    junk = ["", "-1", "0", "99999999999999999999", "%00", "\x00", "é" * 5000, "<script>", "[]"]
    for name in ("etat", "rubrique", "auteur", "q", "avant", "tri", "tag"):
        for value in junk:
            for headers in ({}, HX):
                response = client.get(
                    "/redaction/articles", query_string={name: value}, headers=headers
                )
                assert response.status_code in (200, 404), (name, value, response.status_code)
                if name != "avant":
                    assert response.status_code == 200, (name, value)
    for raw in ("avant=2024-13-45T99:99:99.000000_1", "avant=zz_1", "avant=%FF%FE"):
        assert client.get(f"/redaction/articles?{raw}").status_code == 404
    assert client.get("/redaction/articles?q=%FF%FE%C3%28").status_code == 200


def test_the_desk_needs_a_login(client, newsroom):
    response = client.get("/redaction/articles")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert client.get("/redaction/articles", headers=HX).status_code == 401


# --------------------------------------------------------------------------- the trash


def test_trash_from_the_list_with_htmx_answers_the_refreshed_list(client, newsroom):
    log_in(client, newsroom.editor)
    article = newsroom.published
    response = client.post(
        f"/redaction/articles/{article.id}/corbeille", data={"etat": "publies"}, headers=HX
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "L’article « Élection à la mairie » est dans la corbeille." in html
    assert rows(response) == ["Match de rugby"]  # the list as it was filtered
    assert 'id="desk-count-trash" hx-swap-oob="true">2<' in html
    db.session.expire_all()
    assert db.session.get(Article, article.id).is_trashed


def test_trash_without_javascript_redirects_to_the_same_list(client, newsroom):
    log_in(client, newsroom.editor)
    html = client.get("/redaction/articles").get_data(as_text=True)
    assert '<details class="desk-confirm">' in html  # the confirmation step, no script
    response = client.post(
        f"/redaction/articles/{newsroom.published.id}/corbeille",
        data={"etat": "publies", "q": "mairie"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/redaction/articles?etat=publies&q=mairie"
    followed = client.get(response.headers["Location"])
    assert "est dans la corbeille" in followed.get_data(as_text=True)


def test_restore_from_the_list(client, newsroom):
    log_in(client, newsroom.editor)
    response = client.post(
        f"/redaction/articles/{newsroom.trashed.id}/restaurer",
        data={"etat": "corbeille"},
        headers=HX,
    )
    assert response.status_code == 200 and rows(response) == []
    assert "est sorti de la corbeille" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Article, newsroom.trashed.id).is_live


def test_authors_trash_their_own_drafts_only(client, newsroom):
    log_in(client, newsroom.alice)
    html = client.get("/redaction/articles").get_data(as_text=True)
    assert html.count("Mettre à la corbeille<") == 1  # the draft's row only
    for article in (newsroom.published, newsroom.scheduled, newsroom.other):
        response = client.post(f"/redaction/articles/{article.id}/corbeille")
        assert response.status_code == 403, article.headline
    assert client.post(f"/redaction/articles/{newsroom.draft.id}/corbeille").status_code == 302
    assert client.post(f"/redaction/articles/{newsroom.draft.id}/restaurer").status_code == 302
    db.session.expire_all()
    assert not any(
        db.session.get(Article, a.id).is_trashed
        for a in (newsroom.draft, newsroom.published, newsroom.scheduled, newsroom.other)
    )


def test_trashing_twice_changes_nothing_more(client, newsroom):
    log_in(client, newsroom.editor)
    url = f"/redaction/articles/{newsroom.trashed.id}/corbeille"
    trashed_at = newsroom.trashed.trashed_at
    assert client.post(url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Article, newsroom.trashed.id).trashed_at == trashed_at


def test_trash_and_restore_are_in_the_journal(client, newsroom):
    from models import AuditEvent

    log_in(client, newsroom.editor)
    client.post(f"/redaction/articles/{newsroom.published.id}/corbeille")
    client.post(f"/redaction/articles/{newsroom.published.id}/restaurer")
    events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.target) for e in events] == [
        ("editor.trash_article", f"article:{newsroom.published.id}"),
        ("editor.restore_article", f"article:{newsroom.published.id}"),
    ]


def test_the_desk_service_counts_in_one_query(app, newsroom):
    filters = desk.DeskFilters()
    assert desk.counts(newsroom.editor, filters) == {
        "": 4,
        "draft": 1,
        "scheduled": 1,
        "published": 2,
        "trash": 1,
    }
    inactive = make_user("Ancien", role="editor", active=False)
    assert desk.counts(inactive, filters) == dict.fromkeys(desk.STATES, 0)
