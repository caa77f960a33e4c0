"""How readers' software and search engines find articles: feeds, sitemaps, robots.txt.

Every XML document here is rendered by xml_response(), the one place that makes it
well-formed whatever the rows hold: Jinja escapes markup, and models.text.xml_safe takes
out the characters XML 1.0 forbids (a display name with Word's U+000B, stored before the
text boundary, would otherwise make feed readers drop the whole feed).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import func, select

from models import Article, Section, Tag, TagRedirect, User, db
from models.authorship import ArticleAuthor
from models.listing import live_page
from models.tag import ArticleTag
from models.text import xml_safe
from models.time import utcnow
from views.pages import or_404
from views.reading import moved_section, with_query
from views.urls import absolute_url_for

bp = Blueprint("feeds", __name__)

FEED_SIZE = 50
SITEMAP_SIZE = 10_000  # URLs per sitemap file; the protocol allows 50,000
NEWS_WINDOW = timedelta(hours=48)
NEWS_MAX = 1_000
FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


def xml_response(template: str, media_type: str = "application/xml", **context) -> Response:
    """An XML template rendered, without the characters XML 1.0 forbids, as UTF-8."""
    body = xml_safe(render_template(template, **context))
    return Response(body, content_type=f"{media_type}; charset=utf-8")


def urlset_response(entries: list[tuple[str, datetime | None]]) -> Response:
    """A sitemap file (sitemaps.org 0.9) of (absolute URL, last change or None) entries."""
    return xml_response("feeds/urlset.xml", entries=entries)


def feed_response(kind: str, title: str, page_url: str, articles: list[Article]) -> Response:
    """The RSS 2.0 (`kind` "rss") or Atom 1.0 ("atom") feed of `articles`, whose page is
    `page_url`; 404 for any other kind."""
    if kind not in FEED_TYPES:
        abort(404)
    return xml_response(
        f"feeds/feed.{kind}.xml",
        FEED_TYPES[kind],
        title=title,
        page_url=page_url,
        # The feed's own address, on the configured site (never the request's Host).
        self_url=absolute_url_for(request.endpoint, **request.view_args),
        articles=articles,
        updated=max((a.updated_at or a.published_at for a in articles), default=utcnow()),
    )


@bp.get("/flux.<kind>")
def site_feed(kind: str):
    """The latest articles of the whole site."""
    articles = live_page(FEED_SIZE).items
    return feed_response(
        kind,
        current_app.config["SITE_NAME"],
        url_for("reading.front_page", _external=True),
        articles,
    )


@bp.get("/rubrique/<path:section_path>/flux.<kind>")
def section_feed(section_path: str, kind: str):
    """The latest articles of a section and its sub-sections."""
    section = Section.by_path(section_path)
    if section is None:
        moved = moved_section(section_path)
        return redirect(
            with_query(url_for("feeds.section_feed", section_path=moved.path, kind=kind)), 301
        )
    articles = live_page(FEED_SIZE, section_ids=section.with_descendant_ids()).items
    title = " › ".join(s.name for s in section.trail)
    return feed_response(
        kind, title, url_for("reading.section", section_path=section.path, _external=True), articles
    )


@bp.get("/auteur/<slug>/flux.<kind>")
def author_feed(slug: str, kind: str):
    """The latest articles an author signed, co-signed ones included."""
    author = or_404(db.session.scalar(select(User).filter_by(slug=slug)))
    articles = live_page(FEED_SIZE, author_id=author.id).items
    return feed_response(
        kind,
        author.display_name,
        url_for("reading.author", slug=author.slug, _external=True),
        articles,
    )


@bp.get("/sujet/<slug>/flux.<kind>")
def tag_feed(slug: str, kind: str):
    """The latest articles carrying a tag; an old slug moves (301) to the new one."""
    tag = Tag.by_slug(slug)
    if tag is None:
        moved = or_404(db.session.get(TagRedirect, slug))
        return redirect(url_for("feeds.tag_feed", slug=moved.tag.slug, kind=kind), 301)
    articles = live_page(FEED_SIZE, tag_id=tag.id).items
    return feed_response(
        kind, tag.name, url_for("reading.tag", slug=tag.slug, _external=True), articles
    )


@bp.get("/sitemap.xml")
def sitemap_index():
    """The sitemap index: sections, authors, articles in files of 10,000, and news."""
    count, last_change = db.session.execute(
        select(
            func.count(Article.id),
            func.max(func.coalesce(Article.updated_at, Article.published_at)),
        ).where(Article.is_live)
    ).one()
    files = (count + SITEMAP_SIZE - 1) // SITEMAP_SIZE
    return xml_response(
        "feeds/sitemap_index.xml", article_files=range(1, files + 1), last_change=last_change
    )


@bp.get("/sitemaps/rubriques.xml")
def sitemap_sections():
    """Every section page."""
    sections = db.session.scalars(select(Section)).all()
    last_change = dict(
        db.session.execute(
            select(
                Article.section_id,
                func.max(func.coalesce(Article.updated_at, Article.published_at)),
            )
            .where(Article.is_live)
            .group_by(Article.section_id)
        ).all()
    )
    entries = [
        (url_for("reading.section", section_path=s.path, _external=True), last_change.get(s.id))
        for s in sections
    ]
    return urlset_response(entries)


@bp.get("/sitemaps/auteurs.xml")
def sitemap_authors():
    """Every author who has signed something published, alone or with others."""
    rows = db.session.execute(
        select(User.slug, func.max(func.coalesce(Article.updated_at, Article.published_at)))
        .join(ArticleAuthor, ArticleAuthor.user_id == User.id)
        .join(Article, Article.id == ArticleAuthor.article_id)
        .where(Article.is_live)
        .group_by(User.slug)
    ).all()
    entries = [(url_for("reading.author", slug=slug, _external=True), last) for slug, last in rows]
    return urlset_response(entries)


@bp.get("/sitemaps/sujets.xml")
def sitemap_tags():
    """Every tag page with at least one live article (the others are 404s)."""
    rows = db.session.execute(
        select(Tag.slug, func.max(func.coalesce(Article.updated_at, Article.published_at)))
        .join(ArticleTag, ArticleTag.tag_id == Tag.id)
        .join(Article, Article.id == ArticleTag.article_id)
        .where(Article.is_live)
        .group_by(Tag.slug)
    ).all()
    return urlset_response(
        [(url_for("reading.tag", slug=slug, _external=True), last) for slug, last in rows]
    )


@bp.get("/sitemaps/articles-<int:number>.xml")
def sitemap_articles(number: int):
    """One file of article URLs, oldest first, so a file's content rarely changes."""
    if not 1 <= number <= 10_000:
        abort(404)
    rows = db.session.execute(
        select(Article.slug, func.coalesce(Article.updated_at, Article.published_at))
        .where(Article.is_live)
        .order_by(Article.id)
        .offset((number - 1) * SITEMAP_SIZE)
        .limit(SITEMAP_SIZE)
    ).all()
    if not rows and number > 1:
        abort(404)
    entries = [(url_for("reading.article", slug=slug, _external=True), last) for slug, last in rows]
    return urlset_response(entries)


@bp.get("/sitemaps/actualites.xml")
def sitemap_news():
    """Google News sitemap: articles published in the last 48 hours, at most 1,000."""
    articles = db.session.scalars(
        Article.live().where(Article.published_at >= utcnow() - NEWS_WINDOW).limit(NEWS_MAX)
    ).all()
    return xml_response("feeds/news.xml", articles=articles)


@bp.get("/robots.txt")
def robots():
    """Crawlers may read everything public; the sitemaps say where it is."""
    lines = [
        "User-agent: *",
        f"Disallow: {url_for('auth.login')}",
        "Disallow: /redaction/",
        f"Sitemap: {url_for('feeds.sitemap_index', _external=True)}",
        f"Sitemap: {url_for('feeds.sitemap_news', _external=True)}",
    ]
    return Response("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def rfc822(value: datetime) -> str:
    """RSS dates: "Wed, 19 Jun 2024 12:05:00 +0000" (stored times are UTC)."""
    return format_datetime(value.replace(tzinfo=UTC))
