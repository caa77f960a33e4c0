"""The staff bar's switch: an article as readers see it, or with its edit controls
(views/auth.reader_view, User.reader_view, views/reading.article)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import db
from models.audit import AuditEvent
from models.content import ArticleStatus
from models.user import User
from tests.factories import HX, make_article, make_user

PASSWORD = "correct horse battery"
SWITCH = "/redaction/affichage"


def log_in(client, role="editor", **fields) -> User:
    user = make_user(role=role, password=PASSWORD, **fields)
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return user


def article_page(client, article) -> str:
    return client.get(f"/article/{article.slug}").get_data(as_text=True)


def main_of(html: str) -> str:
    """The page's content: what readers read, without the staff bar."""
    return html[html.index("<main") : html.index("</main>")]


def reader_view_of(user: User) -> bool:
    db.session.expire_all()
    return db.session.get(User, user.id).reader_view


@pytest.fixture
def article(app):
    return make_article(
        "Un titre",
        standfirst="Un chapô.",
        blocks=[("paragraph", {"html": "Premier paragraphe."}), ("quote", {"text": "Citation."})],
    )


def test_editing_is_the_default_with_a_switch_to_the_reader_s_view(client, article):
    log_in(client)
    html = article_page(client, article)
    assert "Modifier le titre" in html and "Monter ce paragraphe" in html
    assert "css/editor.css" in html and "js/editor.js" in html
    assert "Voir comme un lecteur" in html and "Modifier la page" not in html


def test_the_reader_s_view_is_the_anonymous_reader_s_page(client, article):
    anonymous = main_of(article_page(client, article))
    user = log_in(client)
    response = client.post(SWITCH, data={"view": "lecteur", "next": f"/article/{article.slug}"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/article/{article.slug}"
    assert reader_view_of(user) is True
    html = article_page(client, article)
    assert main_of(html) == anonymous
    assert "Modifier" not in main_of(html) and "editable" not in html
    assert "css/editor.css" not in html and "js/editor.js" not in html
    assert "Modifier la page" in html and "Voir comme un lecteur" not in html


def test_the_choice_is_remembered_per_account(client, article):
    editor = log_in(client)
    client.post(SWITCH, data={"view": "lecteur"})
    client.post("/deconnexion")
    other = log_in(client, display_name="Autre Éditrice")
    assert "Modifier le titre" in article_page(client, article)  # someone else's choice
    client.post("/deconnexion")
    response = client.post(
        "/connexion", data={"email": editor.email, "password": PASSWORD}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Modifier le titre" not in article_page(client, article)
    client.post(SWITCH, data={"view": "edition"})
    assert "Modifier le titre" in article_page(client, article)
    assert (reader_view_of(editor), reader_view_of(other)) == (False, False)


def test_htmx_reloads_the_page_where_it_was(client, article):
    user = log_in(client)
    response = client.post(SWITCH, data={"view": "lecteur"}, headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Refresh"] == "true"
    assert reader_view_of(user) is True


def test_a_draft_stays_visible_to_its_editors_in_the_reader_s_view(client, article):
    author = make_user("Aude Autrice")
    draft = make_article(
        "Un brouillon", author=author, status=ArticleStatus.DRAFT, published_at=None
    )
    log_in(client)
    client.post(SWITCH, data={"view": "lecteur"})
    response = client.get(f"/article/{draft.slug}")
    assert response.status_code == 200 and "Modifier le titre" not in response.get_data(
        as_text=True
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    client.post("/deconnexion")
    assert client.get(f"/article/{draft.slug}").status_code == 404


def test_the_switch_shows_only_where_it_changes_something(client, article):
    log_in(client, role="author")  # not this article's author
    assert "Voir comme un lecteur" not in article_page(client, article)
    for path in ("/", "/redaction"):
        assert "Voir comme un lecteur" not in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [{}, {"view": ""}, {"view": "admin"}, {"view": "lecteur\x00"}, {"view": "x" * 5000}],
)
def test_junk_choices_change_nothing(client, article, data):
    user = log_in(client)
    response = client.post(SWITCH, data=data)
    assert response.status_code == 422
    assert reader_view_of(user) is False


@pytest.mark.parametrize(
    "next_url", ["//evil.example/", "https://evil.example/", "/\\evil", "javascript:alert(1)", ""]
)
def test_it_only_ever_goes_back_to_this_site(client, article, next_url):
    log_in(client)
    response = client.post(SWITCH, data={"view": "lecteur", "next": next_url})
    assert response.status_code == 303
    assert response.headers["Location"] == "/redaction"


def test_anonymous_visitors_are_sent_to_log_in(client, article):
    response = client.post(SWITCH, data={"view": "lecteur"})
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_the_switch_needs_its_csrf_token(app, client, article):
    user = log_in(client)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(SWITCH, data={"view": "lecteur"}).status_code == 400
    assert reader_view_of(user) is False
    html = article_page(client, article)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)[1]
    assert client.post(SWITCH, data={"view": "lecteur", "csrf_token": token}).status_code == 303
    assert reader_view_of(user) is True


def test_the_switch_is_in_the_journal(client, article):
    user = log_in(client)
    client.post(SWITCH, data={"view": "lecteur"})
    [event] = db.session.scalars(select(AuditEvent).filter_by(action="auth.reader_view")).all()
    assert event.user_id == user.id


def test_readers_pages_in_the_cache_do_not_change(app, client, article):
    """The switch is personal: the anonymous page (and its cache entry) stays as it was."""
    app.config["GAZETTE_PAGE_CACHE"] = True
    url = f"/article/{article.slug}"
    first = client.get(url)
    assert client.get(url).headers.get("X-Page-Cache") == "hit"
    log_in(client)
    client.post(SWITCH, data={"view": "lecteur"})
    client.post("/deconnexion")
    with client.session_transaction() as session:
        session.clear()
    again = client.get(url)
    assert again.get_data() == first.get_data()
    assert "Voir comme un lecteur" not in again.get_data(as_text=True)


def test_empty_parts_keep_their_button_shown(client, article):
    article.standfirst = ""
    db.session.commit()
    log_in(client)
    html = article_page(client, article)
    assert 'class="editable editable-part editable-empty" id="part-chapo"' in html
    assert 'class="editable editable-part" id="part-titre"' in html
