"""Article's domain rules on the model: publishing, revisions, slugs, the column's limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import Article, ArticleSlugRedirect, Revision, db
from models.content import HEADLINE_MAX, ArticleStatus
from models.time import utcnow
from tests.factories import make_article, make_user
from views.editor.forms import HeadlineForm, NewArticleForm


def test_publish_now_keeps_the_date_of_an_article_already_live(app):
    article = make_article(status=ArticleStatus.DRAFT, published_at=None)
    article.publish()
    assert article.is_live and article.published_at <= utcnow()
    first = article.published_at
    article.publish()
    assert article.published_at == first


def test_publish_at_schedules_and_unpublish_makes_a_draft(app):
    article = make_article()
    later = utcnow() + timedelta(days=1)
    article.publish(at=later)
    assert article.is_scheduled and not article.is_live and article.published_at == later
    article.unpublish()
    assert (article.status, article.published_at, article.state) == (
        ArticleStatus.DRAFT,
        None,
        "draft",
    )


def test_publish_refuses_an_aware_datetime(app):
    article = make_article()
    with pytest.raises(ValueError):
        article.publish(at=datetime.now(UTC) + timedelta(days=1))


def test_record_revision_adds_a_snapshot_for_the_caller_to_commit(app):
    author = make_user()
    article = make_article(headline="Avant")
    article.headline = "Après"
    revision = article.record_revision(author, "Titre modifié" + "!" * 300)
    db.session.commit()
    [stored] = Revision.for_article(article.id)
    assert stored.id == revision.id and stored.author_id == author.id
    assert stored.snapshot["headline"] == "Après" and len(stored.summary) == 200
    assert article.updated_at is not None  # live: "Mis à jour le …"


def test_slug_taken_counts_other_articles_and_their_old_addresses(app):
    article = make_article(slug="le-titre")
    other = make_article(slug="autre")
    db.session.add(ArticleSlugRedirect(old_slug="ancien", article_id=article.id))
    db.session.commit()
    assert Article.slug_taken("le-titre") and Article.slug_taken("ancien")
    assert not Article.slug_taken("libre")
    assert not Article.slug_taken("le-titre", exclude_id=article.id)
    assert not Article.slug_taken("ancien", exclude_id=article.id)
    assert Article.slug_taken("ancien", exclude_id=other.id)


def test_the_headline_limit_is_the_column_s_and_the_forms(app):
    assert Article.__table__.c.headline.type.length == HEADLINE_MAX
    for form in (HeadlineForm, NewArticleForm):
        [validator] = form.headline.kwargs["validators"]
        assert validator.max_length == HEADLINE_MAX
