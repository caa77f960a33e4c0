"""Corrections through the test client: who may add one, errors, CSRF, the public list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import Article, Correction, Revision, db
from models.content import ArticleStatus
from models.time import utcnow
from tests.factories import HX, log_in, make_article, make_section, make_user


@pytest.fixture
def newsroom(app):
    section = make_section("Politique", slug="politique")
    author = make_user("Alice Autrice", role="author")
    other = make_user("Bruno Autre", role="author")
    editor = make_user("Élise Éditrice", role="editor")
    article = make_article(
        "Le sommet",
        section=section,
        author=author,
        published_at=utcnow() - timedelta(days=1),
    )
    return type("Newsroom", (), dict(section=section, author=author, other=other,
                                      editor=editor, article=article))  # fmt: skip


def create_url(article) -> str:
    return f"/redaction/articles/{article.id}/corrections"


def fresh_article(article_id: int) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article_id)


def test_editor_appends_a_correction_which_shows_at_the_foot(client, newsroom):
    log_in(client, newsroom.editor)
    form = client.get(create_url(newsroom.article) + "/nouvelle", headers=HX)
    assert form.status_code == 200
    assert 'id="corrections"' in form.text and "Publier la correction" in form.text
    response = client.post(
        create_url(newsroom.article),
        headers=HX,
        data={"text": "Le sommet a eu lieu <b>mardi</b>, pas lundi."},
    )
    assert response.status_code == 200
    assert "Correction publiée." in response.text
    assert "Le sommet a eu lieu mardi, pas lundi." in response.text  # plain text, cleaned
    assert "Ajouter une correction" in response.text

    article = fresh_article(newsroom.article.id)
    [correction] = article.corrections
    assert correction.text == "Le sommet a eu lieu mardi, pas lundi."
    assert correction.author_id == newsroom.editor.id
    assert article.updated_at is not None and article.updated_at >= correction.created_at
    revision = db.session.query(Revision).filter_by(article_id=article.id).one()
    assert revision.summary == "Correction publiée"

    client.get("/")  # a new request, as someone else
    with client.session_transaction() as session:
        session.clear()
    page = client.get(f"/article/{article.slug}").text
    assert 'aria-labelledby="corrections-title"' in page
    assert "Le sommet a eu lieu mardi, pas lundi." in page
    assert "Mis à jour le" in page
    assert "Ajouter une correction" not in page


def test_the_article_author_may_add_a_correction_but_not_another_author(client, newsroom):
    log_in(client, newsroom.other)
    response = client.post(create_url(newsroom.article), headers=HX, data={"text": "Non."})
    assert response.status_code == 403
    log_in(client, newsroom.author)
    response = client.post(create_url(newsroom.article), headers=HX, data={"text": "Oui."})
    assert response.status_code == 200
    assert [c.text for c in fresh_article(newsroom.article.id).corrections] == ["Oui."]


def test_anonymous_visitors_cannot_add_corrections(client, newsroom):
    response = client.post(create_url(newsroom.article), data={"text": "Intrus"})
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    response = client.post(create_url(newsroom.article), headers=HX, data={"text": "Intrus"})
    assert response.status_code == 401
    assert "data-reauth" in response.text and "Intrus" in response.text  # kept for later
    assert db.session.query(Correction).count() == 0


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Écrivez la correction avant de la publier."),
        ("<script>alert(1)</script>", "Écrivez la correction avant de la publier."),
        ("x" * 2001, "2000 caractères au maximum."),
    ],
)
def test_invalid_corrections_come_back_422_with_the_text(client, newsroom, text, message):
    log_in(client, newsroom.editor)
    response = client.post(create_url(newsroom.article), headers=HX, data={"text": text})
    assert response.status_code == 422
    assert message in response.text
    assert "Rien n’a été enregistré" in response.text
    if text.startswith("x"):
        assert text in response.text
    assert db.session.query(Correction).count() == 0


def test_a_draft_cannot_be_corrected(client, newsroom):
    draft = make_article("Brouillon", author=newsroom.author, status=ArticleStatus.DRAFT,
                         published_at=None)  # fmt: skip
    log_in(client, newsroom.editor)
    page = client.get(f"/article/{draft.slug}").text
    assert "Ajouter une correction" not in page
    response = client.post(create_url(draft), headers=HX, data={"text": "Une correction."})
    assert response.status_code == 422
    assert "Seul un article publié peut recevoir une correction." in response.text
    assert db.session.query(Correction).count() == 0


def test_stale_csrf_token_keeps_the_text(app, newsroom):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    log_in(client, newsroom.editor)
    response = client.post(
        create_url(newsroom.article),
        headers=HX,
        data={"text": "Texte à garder", "csrf_token": "périmé"},
    )
    assert response.status_code == 400
    assert "data-reauth" in response.text and "Texte à garder" in response.text
    assert 'name="csrf_token"' in response.text
    assert db.session.query(Correction).count() == 0


def test_without_htmx_the_form_posts_and_redirects(client, newsroom):
    log_in(client, newsroom.editor)
    assert client.get(create_url(newsroom.article) + "/nouvelle").status_code == 302
    response = client.post(create_url(newsroom.article), data={"text": "Sans JavaScript."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/article/{newsroom.article.slug}#corrections")
    response = client.post(create_url(newsroom.article), data={"text": ""})
    assert response.status_code == 422 and "Écrivez la correction" in response.text


def test_corrections_page_lists_live_articles_newest_first_with_pagination(client, newsroom):
    hidden = make_article("Dépublié", status=ArticleStatus.DRAFT, published_at=None)
    now = utcnow()
    for n in range(22):
        newsroom.article.corrections.append(
            Correction(text=f"Correction numéro {n}.", created_at=now - timedelta(minutes=n))
        )
    hidden.corrections.append(Correction(text="Ne doit pas paraître."))
    db.session.commit()

    first = client.get("/corrections")
    assert first.status_code == 200 and "Set-Cookie" not in first.headers
    assert "Ne doit pas paraître" not in first.text
    assert first.text.index("numéro 0.") < first.text.index("numéro 1.")
    assert "numéro 19." in first.text and "numéro 20." not in first.text
    assert f"/article/{newsroom.article.slug}#correction-" in first.text
    older = first.text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(older)
    assert second.status_code == 200
    assert "numéro 20." in second.text and "numéro 21." in second.text
    assert "numéro 19." not in second.text and 'rel="next"' not in second.text


@pytest.mark.parametrize("cursor", ["x", "2024-13-01T00:00:00_1", "2024-01-01T00:00:00_", "1_1"])
def test_bad_cursors_are_404(client, app, cursor):
    assert client.get("/corrections", query_string={"avant": cursor}).status_code == 404


def test_empty_corrections_page(client, app):
    response = client.get("/corrections")
    assert response.status_code == 200
    assert "Aucune correction publiée pour le moment." in response.text


def test_cached_article_page_shows_a_new_correction_at_once(client, newsroom):
    url = f"/article/{newsroom.article.slug}"
    client.get(url)
    assert client.get(url).headers["X-Page-Cache"] == "hit"
    log_in(client, newsroom.editor)
    client.post(create_url(newsroom.article), headers=HX, data={"text": "Corrigé."})
    with client.session_transaction() as session:
        session.clear()
    assert "Corrigé." in client.get(url).text
