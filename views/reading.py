"""What readers see: front page, section pages, author pages, article pages."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Article, ArticleSlugRedirect, Section, User, db
from models.correction import Correction
from models.listing import ArticlePage, Cursor, live_page
from views.pages import or_404

bp = Blueprint("reading", __name__)


def paginate(**filters) -> ArticlePage:
    """The page of live articles the URL's cursor asks for (keyset: see models/listing.py).

    A malformed cursor, or one past the oldest article, is a 404; the first page of
    nothing is an empty list.
    """
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    page = live_page(per_page, before=_cursor("avant"), after=_cursor("apres"), **filters)
    if not page.items and not page.is_first:
        abort(404)
    return page


def _cursor(name: str) -> Cursor | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return Cursor.parse(raw)
    except ValueError:
        abort(404)


@bp.get("/")
def front_page():
    """Latest published articles, newest first."""
    return render_template("reading/front_page.html", articles=paginate())


@bp.get("/rubrique/<path:section_path>")
def section(section_path: str):
    """A section and every section below it: Politique's articles also show under International."""
    section = or_404(Section.by_path(section_path))
    articles = paginate(section_ids=section.with_descendant_ids())
    return render_template("reading/section.html", section=section, articles=articles)


@bp.get("/auteur/<slug>")
def author(slug: str):
    """An author's bio and the articles they signed, co-signed ones included."""
    author = or_404(db.session.scalar(select(User).filter_by(slug=slug)))
    articles = paginate(author_id=author.id)
    return render_template("reading/author.html", author=author, articles=articles)


@bp.get("/article/<slug>")
def article(slug: str):
    """One article, as readers see it; with edit controls (and even unpublished) for its editors."""
    article = db.session.scalar(
        select(Article)
        .filter_by(slug=slug)
        .options(
            selectinload(Article.blocks),
            # A correction's article is this one (already loaded): don't join it again.
            selectinload(Article.corrections).lazyload(Correction.article),
        )
    )
    if article is None:
        return redirect_from_old_slug(slug)
    editing = current_user.is_authenticated and current_user.can_edit(article)
    if not (article.is_live or editing):
        return or_404(None)
    return render_template("reading/article.html", article=article, editing=editing)


def redirect_from_old_slug(slug: str):
    """An address the article used to have moves permanently (301) to its current one."""
    moved = db.session.scalar(select(ArticleSlugRedirect).filter_by(old_slug=slug))
    article = db.session.get(Article, moved.article_id) if moved else None
    if article is None or not (
        article.is_live or (current_user.is_authenticated and current_user.can_edit(article))
    ):
        return or_404(None)
    return redirect(url_for("reading.article", slug=article.slug), 301)


def navigation():
    """The sections in the masthead's navigation, on every page."""
    return {"nav_sections": Section.top_level}
