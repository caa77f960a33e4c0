"""How readers' software and search engines find articles: feeds, sitemaps, robots.txt.

Every XML document here is written by a kept generator, never by a text template:
feedgen 1.0.0 for RSS 2.0 and Atom 1.0, lxml for the sitemaps. They escape markup in
text and attributes; what they cannot do is refuse the characters XML 1.0 forbids (a
display name with Word's U+000B, stored before the text boundary, would make feed
readers drop the whole feed). So every text value goes through xml_text() — the one
place models.text.xml_safe is applied — on its way to the generator.

A feed item's id never changes, whatever happens to the article's slug, headline or
section: it is the RFC 4151 tag URI article_tag_uri() builds from the site's host, the
year the article was created and its id ("tag:gazette.example,2024:article:42"); the
RSS guid is the same, isPermaLink="false". A reader that saw the article keeps it as
read after a slug change. (Changing SITE_URL's host changes every id: a new site.)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from lxml import etree
from sqlalchemy import func, select

from models import Article, Section, Tag, User, db
from models.authorship import ArticleAuthor
from models.listing import live_page
from models.tag import ArticleTag
from models.text import xml_safe
from models.time import utcnow
from services.typography import iso_datetime, typeset_plain
from views.feed_content import feed_body_html
from views.media import enclosure
from views.pages import or_404
from views.reading import moved_section, moved_tag, with_query
from views.urls import absolute_url_for

bp = Blueprint("feeds", __name__)

FEED_SIZE = 50
SITEMAP_SIZE = 10_000  # URLs per sitemap file; the protocol allows 50,000
NEWS_WINDOW = timedelta(hours=48)
NEWS_MAX = 1_000
FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def xml_text(value: object) -> str:
    """Any value as text an XML document may hold: str(), then without the characters
    XML 1.0 forbids (models.text.xml_safe). None gives "". Every text value and
    attribute written by this module passes here, once."""
    return xml_safe("" if value is None else str(value))


def article_tag_uri(article: Article) -> str:
    """The article's feed id, stable across slug changes (RFC 4151 tag URI):
    "tag:<SITE_URL host>,<year of created_at>:article:<id>"."""
    host = urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"
    return f"tag:{host},{article.created_at.year}:article:{article.id}"


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "fr"


def _utc(value: datetime) -> datetime:
    """A stored (naive UTC) time as an aware one, as feedgen requires."""
    return value.replace(tzinfo=UTC)


def _xml_response(root: etree._Element, media_type: str = "application/xml") -> Response:
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return Response(body, content_type=f"{media_type}; charset=utf-8")


def _element(parent: etree._Element, tag: str, text: object = None) -> etree._Element:
    """A child element of `parent`, holding `text` made XML-safe when given."""
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = xml_text(text)
    return element


def _lastmod(value: datetime | None) -> str | None:
    return iso_datetime(value, "seconds") if value else None


def urlset_response(entries: list[tuple[str, datetime | None]]) -> Response:
    """A sitemap file (sitemaps.org 0.9) of (absolute URL, last change or None) entries."""
    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for loc, lastmod in entries:
        url = _element(urlset, f"{{{SITEMAP_NS}}}url")
        _element(url, f"{{{SITEMAP_NS}}}loc", loc)
        if lastmod:
            _element(url, f"{{{SITEMAP_NS}}}lastmod", _lastmod(lastmod))
    return _xml_response(urlset)


def feed_response(kind: str, title: str, page_url: str, articles: list[Article]) -> Response:
    """The RSS 2.0 (`kind` "rss") or Atom 1.0 ("atom") feed of `articles`, whose page is
    `page_url`; 404 for any other kind. Each item carries the whole article (views/
    feed_content.py), its lead image as enclosure, its section trail and tags as
    categories, all its authors, and the stable id article_tag_uri()."""
    if kind not in FEED_TYPES:
        abort(404)
    # The feed's own address, on the configured site (never the request's Host).
    self_url = absolute_url_for(request.endpoint, **request.view_args)
    updated = max((a.updated_at or a.published_at for a in articles), default=utcnow())
    feed = FeedGenerator()
    feed.load_extension("dc", atom=False, rss=True)  # RSS bylines: one dc:creator each
    feed.id(xml_text(self_url))
    feed.title(xml_text(title))
    # Self first: feedgen writes the *last* link as RSS's channel <link>, the HTML page.
    feed.link(href=xml_text(self_url), rel="self", type=FEED_TYPES[kind])
    feed.link(href=xml_text(page_url), rel="alternate", type="text/html")
    feed.description(xml_text(_("Les derniers articles : %(title)s", title=title)))
    feed.language(_language())
    feed.generator(xml_text(current_app.config["SITE_NAME"]))
    feed.updated(_utc(updated))
    feed.lastBuildDate(_utc(updated))
    for article in articles:
        _add_entry(feed, article)
    body = feed.rss_str() if kind == "rss" else feed.atom_str()
    return Response(body, content_type=f"{FEED_TYPES[kind]}; charset=utf-8")


class AtomEntryLinks(BaseEntryExtension):
    """Writes an Atom entry's <link> elements whole.

    feedgen 1.0.0's atom_entry() loses every attribute but href of an entry's links (its
    loop rebinds `link` to the new element, then reads rel, type and length from it), so
    readers saw neither which link is the article nor the enclosure. This extension,
    run after it, replaces them with the links given to entry.link(), attributes kept.
    """

    def __init__(self) -> None:
        self.links: list[dict] = []

    def extend_atom(self, entry):
        for broken in entry.findall("link"):
            entry.remove(broken)
        for link in self.links:
            etree.SubElement(entry, "link", {key: str(value) for key, value in link.items()})
        return entry


def _add_entry(feed: FeedGenerator, article: Article) -> None:
    """One article as a feed item (see feed_response)."""
    entry: FeedEntry = feed.add_entry(order="append")
    entry.register_extension("atom_links", AtomEntryLinks, atom=True, rss=False)
    link = url_for("reading.article", slug=article.slug, _external=True)
    entry_id = article_tag_uri(article)
    entry.id(entry_id)
    entry.guid(entry_id, permalink=False)
    entry.title(xml_text(typeset_plain(article.headline)))
    entry.link(href=xml_text(link), rel="alternate", type="text/html")
    entry.published(_utc(article.published_at))
    entry.updated(_utc(article.updated_at or article.published_at))
    for author in article.authors:
        name = xml_text(author.display_name)
        uri = url_for("reading.author", slug=author.slug, _external=True)
        entry.author({"name": name, "uri": xml_text(uri)})
        entry.dc.dc_creator(name)
    for section in article.section.trail:
        entry.category(term=xml_text(section.slug), label=xml_text(section.name))
    for tag in article.tags:
        entry.category(
            term=xml_text(tag.slug),
            label=xml_text(tag.name),
            scheme=xml_text(url_for("reading.tag", slug=tag.slug, _external=True)),
        )
    # The standfirst is the summary (RSS description); the whole article is the content.
    summary = typeset_plain(article.standfirst or article.headline)
    entry.description(xml_text(summary), isSummary=True)
    body = feed_body_html(article)
    if body:
        entry.content(xml_text(body), type="html")
    lead = enclosure(article.lead_media)
    if lead:
        entry.link(
            href=xml_text(lead["url"]),
            rel="enclosure",
            type=xml_text(lead["type"]),
            length=str(lead["length"]),
        )
    entry.atom_links.links = entry.link()


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
    return feed_response(
        kind,
        section.trail_name,
        url_for("reading.section", section_path=section.path, _external=True),
        articles,
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
    """The latest articles carrying a tag; an old slug moves (301) to the new one, and a
    tag no live article carries is a 404, as its page is."""
    tag = Tag.by_slug(slug)
    if tag is None:
        moved = moved_tag(slug)
        return redirect(with_query(url_for("feeds.tag_feed", slug=moved.slug, kind=kind)), 301)
    articles = live_page(FEED_SIZE, tag_id=tag.id).items
    if not articles:
        # As its page (reading.tag): a tag carried only by drafts or embargoed articles
        # must not show its name to whoever guesses its address.
        abort(404)
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
    index = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
    lists = ("feeds.sitemap_sections", "feeds.sitemap_authors", "feeds.sitemap_tags")
    locations: Iterable[tuple[str, datetime | None]] = [
        *((url_for(endpoint, _external=True), last_change) for endpoint in lists),
        *(
            (url_for("feeds.sitemap_articles", number=number, _external=True), None)
            for number in range(1, files + 1)
        ),
        (url_for("feeds.sitemap_news", _external=True), None),
    ]
    for loc, lastmod in locations:
        sitemap = _element(index, f"{{{SITEMAP_NS}}}sitemap")
        _element(sitemap, f"{{{SITEMAP_NS}}}loc", loc)
        if lastmod:
            _element(sitemap, f"{{{SITEMAP_NS}}}lastmod", _lastmod(lastmod))
    return _xml_response(index)


@bp.get("/sitemaps/rubriques.xml")
def sitemap_sections():
    """Every section page."""
    # In id order: without ORDER BY, PostgreSQL returns rows as they lie on disk.
    sections = db.session.scalars(select(Section).order_by(Section.id)).all()
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
    rows = _linked_to_live_articles(User, ArticleAuthor.user_id)
    entries = [(url_for("reading.author", slug=slug, _external=True), last) for slug, last in rows]
    return urlset_response(entries)


@bp.get("/sitemaps/sujets.xml")
def sitemap_tags():
    """Every tag page with at least one live article (the others are 404s)."""
    rows = _linked_to_live_articles(Tag, ArticleTag.tag_id)
    entries = [(url_for("reading.tag", slug=slug, _external=True), last) for slug, last in rows]
    return urlset_response(entries)


def _linked_to_live_articles(owner, link_owner_id) -> list[tuple[str, datetime]]:
    """(slug, last change of its live articles) of each author or tag (`owner`, a model
    with `id` and `slug`) that a live article links to through `link_owner_id`
    (ArticleAuthor.user_id, ArticleTag.tag_id: a link table with `article_id`)."""
    link = link_owner_id.class_
    return db.session.execute(
        select(owner.slug, func.max(func.coalesce(Article.updated_at, Article.published_at)))
        .join(link, link_owner_id == owner.id)
        .join(Article, Article.id == link.article_id)
        .where(Article.is_live)
        .group_by(owner.id, owner.slug)
        # In id order on every engine (a bare GROUP BY comes back sorted on SQLite, hashed
        # on PostgreSQL): the same site gives the same sitemap after a move.
        .order_by(owner.id)
    ).all()


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
    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "news": NEWS_NS})
    for article in articles:
        url = _element(urlset, f"{{{SITEMAP_NS}}}url")
        _element(
            url,
            f"{{{SITEMAP_NS}}}loc",
            url_for("reading.article", slug=article.slug, _external=True),
        )
        news = _element(url, f"{{{NEWS_NS}}}news")
        publication = _element(news, f"{{{NEWS_NS}}}publication")
        _element(publication, f"{{{NEWS_NS}}}name", current_app.config["SITE_NAME"])
        _element(publication, f"{{{NEWS_NS}}}language", _language())
        _element(news, f"{{{NEWS_NS}}}publication_date", _lastmod(article.published_at))
        _element(news, f"{{{NEWS_NS}}}title", article.headline)
    return _xml_response(urlset)


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
