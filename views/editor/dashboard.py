"""The editor's dashboard (drafts, scheduled, published) and the new-article form."""

from __future__ import annotations

from flask import redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

import views.editor
from models import Article, User, db
from models.content import ArticleStatus
from models.slugs import slugify, unique_slug
from views.editor import bp
from views.editor.forms import NewArticleForm
from views.editor.parts import section_choices
from views.forms import cleaned
from views.htmx import article_url


def author_choices() -> list[SelectChoice]:
    """Editors sign for anyone active; authors only for themselves."""
    if not current_user.is_editor:
        return [SelectChoice(current_user.id, current_user.display_name)]
    users = db.session.scalars(select(User).where(User.active).order_by(User.display_name)).all()
    return [SelectChoice(user.id, user.display_name) for user in users]


@bp.route("/articles/nouveau", methods=["GET", "POST"])
def new_article():
    """Create a draft, then edit it in place on its own page."""
    form = NewArticleForm()
    form.section.choices = section_choices()
    form.author.choices = author_choices()
    if request.method == "GET":
        form.author.data = current_user.id
    if not form.validate_on_submit():
        return render_template("editor/new_article.html", form=form), 422 if form.errors else 200
    headline = cleaned(form.headline)
    article = Article(
        headline=headline,
        slug=unique_slug(slugify(headline), Article.slug_taken),
        section_id=form.section.data,
        author_id=form.author.data,
        status=ArticleStatus.DRAFT,
    )
    db.session.add(article)
    db.session.flush()
    views.editor.saved(article, _("Article créé"))
    return redirect(article_url(article))


@bp.get("")
def dashboard():
    """Drafts, scheduled and recently published articles, with links into their pages."""
    mine = select(Article).where(current_user.editable_articles())
    lists = {
        "drafts": mine.where(Article.in_state("draft")).order_by(Article.created_at.desc()),
        "scheduled": mine.where(Article.is_scheduled).order_by(Article.published_at),
        "published": mine.where(Article.is_live).order_by(Article.published_at.desc()).limit(20),
    }
    return render_template(
        "editor/dashboard.html",
        **{name: db.session.scalars(query).all() for name, query in lists.items()},
    )
