"""Republishing an unpublished article keeps its first publication date, unless the
editor ticks "Republier avec la date d'aujourd'hui" (issue 14): the model's rule
(Article.publish(today=…), Article.unpublish()) and the publication part's form."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

import pytest

from models import Article, db
from models.time import utcnow
from tests.factories import HX, log_in, make_article, make_user

FIRST = datetime(2024, 6, 19, 12, 5)
URL = "/redaction/articles/{id}/publication"


def fresh(article_id: int) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article_id)


@pytest.fixture
def unpublished(app):
    """An article readers saw on 19 June 2024, unpublished since."""
    article = make_article("Un retour", published_at=FIRST)
    article.unpublish()
    db.session.commit()
    return article


# --------------------------------------------------------------------------- the model


def test_unpublishing_keeps_the_first_date(unpublished):
    assert unpublished.published_at is None
    assert unpublished.first_published_at == FIRST


def test_republishing_keeps_the_first_date_by_default(unpublished):
    unpublished.publish()
    assert unpublished.published_at == FIRST and unpublished.is_live


def test_republishing_today_takes_now(unpublished):
    before = utcnow()
    unpublished.publish(today=True)
    assert unpublished.published_at >= before and unpublished.is_live
    assert unpublished.first_published_at == FIRST  # still the first time readers saw it


def test_a_second_unpublication_keeps_the_very_first_date(unpublished):
    unpublished.publish(today=True)
    unpublished.unpublish()
    unpublished.publish()
    assert unpublished.published_at == FIRST


def test_publishing_a_live_article_again_changes_nothing(app):
    article = make_article("En ligne", published_at=FIRST)
    article.publish(today=True)
    assert article.published_at == FIRST


# --------------------------------------------------------------------------- the part's form


@pytest.fixture
def editor(client, app):
    log_in(client, make_user("Élise Éditrice", role="editor"))


def form_html(client, article) -> str:
    response = client.get(URL.format(id=article.id) + "/modifier", headers=HX)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def save(client, article, state="now", today=False):
    data = {"publication-state": state, "publication-version": str(fresh(article.id).version)}
    if today:
        data["publication-today"] = "y"
    return client.post(URL.format(id=article.id), headers=HX, data=data)


def test_the_form_offers_today_and_says_which_date_it_keeps(client, editor, unpublished):
    page = form_html(client, unpublished)
    assert 'name="publication-today"' in page
    assert "Republier avec la date d’aujourd’hui" in page
    # French typography: the colon keeps to its word (a no-break space before it).
    words = page.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Il reprendra sa date de première publication : 19 juin 2024" in words
    assert 'name="publication-today" type="checkbox" value="y">' in page  # not ticked


def test_the_choice_is_not_offered_for_a_live_article_or_a_new_draft(client, editor):
    live = make_article("En ligne")
    never = make_article("Jamais publié", status="draft", published_at=None)
    for article in (live, never):
        page = form_html(client, article)
        assert "publication-today" not in page and "Il reprendra" not in page


def test_saving_now_keeps_the_first_date(client, editor, unpublished):
    assert save(client, unpublished).status_code == 200
    article = fresh(unpublished.id)
    assert article.published_at == FIRST and article.is_live
    assert client.application.test_client().get(f"/article/{article.slug}").status_code == 200


def test_saving_now_with_today_takes_todays_date(client, editor, unpublished):
    before = utcnow() - timedelta(seconds=1)
    assert save(client, unpublished, today=True).status_code == 200
    article = fresh(unpublished.id)
    assert article.published_at >= before and article.is_live
    assert article.first_published_at == FIRST


def test_ticking_today_for_a_draft_publishes_nothing(client, editor, unpublished):
    assert save(client, unpublished, state="draft", today=True).status_code == 200
    assert fresh(unpublished.id).published_at is None
