"""What readers see: front page, section pages, author pages, article pages."""

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import (
    Article,
    ArticleSlugRedirect,
    LegacyRedirect,
    Section,
    SectionRedirect,
    Tag,
    TagRedirect,
    User,
    db,
)
from models.correction import Correction
from models.listing import ArticlePage, Cursor, live_page
from services import embeds, front, prepared, sections
from views import http_cache
from views.pages import or_404

bp = Blueprint("reading", __name__)


def paginate(**filters) -> ArticlePage:
    """The page of live articles the URL's cursor asks for (keyset: see models/listing.py).

    A malformed cursor, or one past the oldest article, is a 404; the first page of
    nothing is an empty list. A reader (nobody logged in) gets the teasers prepared at
    save (items: services.prepared.Teaser), read with the page's keys in one query;
    anyone else the Article entities (reading/_article_list.html renders either, with
    the same bytes).
    """
    per_page = current_app.config["ARTICLES_PER_PAGE"]
    page = listed(per_page, before=_cursor("avant"), after=_cursor("apres"), **filters)
    if not page.items and not page.is_first:
        abort(404)
    return page


def listed(per_page: int, **query) -> ArticlePage:
    """models.listing.live_page(per_page, **query) as this request shows it: for a reader,
    its items are the teasers prepared at save (services.prepared.Teaser)."""
    page = None
    if not current_user.is_authenticated:
        page = prepared.teaser_page(per_page, **query)
    if page is None:
        return live_page(per_page, **query)
    # The page cache forgets the page when anything its teasers show changes.
    http_cache.note_shown(name for teaser in page.items for name in teaser.shows)
    return page


def front_stories(article_ids: list[int]) -> dict:
    """The front page's pins and block stories as this request shows them: for a reader,
    prepared at save (services.prepared.FrontStory), else the Article entities."""
    if current_user.is_authenticated:
        return front.articles_by_id(article_ids)
    stories = prepared.front_stories(article_ids)
    # The page cache forgets the page when anything these stories show changes.
    http_cache.note_shown(name for story in stories.values() for name in story.shows)
    return stories


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
    """The curated front page (services/front.py): lead, featured, latest, section blocks;
    ?avant=/?apres= pages are the latest articles alone. Editors arrange it in place.
    WordPress's plain permalink of an imported article, /?p=42, moves (301) to it."""
    if request.args.get("p", "").isdigit():
        moved = legacy_redirect(f"/?p={request.args['p']}")
        if moved is not None:
            return moved
    page = front.front_page(
        current_app.config["ARTICLES_PER_PAGE"],
        before=_cursor("avant"),
        after=_cursor("apres"),
        latest_page=listed,
        stories=front_stories,
    )
    if not page.latest.items and not page.is_first:
        abort(404)
    editing = (
        current_user.is_authenticated and current_user.is_editor and not current_user.reader_view
    )
    return render_template(
        "reading/front_page.html",
        front=page,
        articles=page.latest,
        editing=editing,
        curation=front.curation() if editing else None,
        view_switch=current_user.is_authenticated and current_user.is_editor,
    )


@bp.get("/rubrique/<path:section_path>")
def section(section_path: str):
    """A section and every section below it: Politique's articles also show under International.

    A path the section used to have (before a rename or a move) moves (301) to its current one.
    """
    section = sections.section_at(section_path)
    if section is None:
        moved = moved_section(section_path)
        return redirect(with_query(url_for("reading.section", section_path=moved.path)), 301)
    articles = paginate(section_ids=section.with_descendant_ids())
    return render_template("reading/section.html", section=section, articles=articles)


@bp.get("/auteur/<slug>")
def author(slug: str):
    """An author's bio and the articles they signed, co-signed ones included."""
    author = or_404(db.session.scalar(select(User).filter_by(slug=slug)))
    articles = paginate(author_id=author.id)
    return render_template("reading/author.html", author=author, articles=articles)


@bp.get("/sujet/<slug>")
def tag(slug: str):
    """A tag's description and its live articles; an old slug moves (301) to the new one.

    A tag no live article carries is a 404 for readers: an empty topic page is a dead
    end for them and thin content for search engines.
    """
    tag = Tag.by_slug(slug)
    if tag is None:
        return redirect(with_query(url_for("reading.tag", slug=moved_tag(slug).slug)), 301)
    articles = paginate(tag_id=tag.id)
    if not articles.items:
        abort(404)
    return render_template("reading/tag.html", tag=tag, articles=articles)


@bp.get("/article/<slug>")
def article(slug: str):
    """One article, as readers see it; with edit controls (and even unpublished) for its editors.

    A reader (nobody logged in) gets the HTML prepared at save (services/prepared.py):
    one query and a thin template. Anything else (an editor, an old slug, a draft, the
    trash) takes the full page below.
    """
    if not current_user.is_authenticated:
        page = prepared.reader_page(slug)
        if page is not None:
            return prepared_article_page(page)
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
    may_edit = current_user.is_authenticated and current_user.can_edit(article)
    if not (article.is_live or may_edit):
        return not_shown(article)
    if article.is_trashed:
        # Its editors see it as it was, under a "Dans la corbeille" banner, with nothing
        # to edit until it is restored (views.access.require_can_edit refuses with a 410).
        return render_template("reading/article.html", article=article, editing=False)
    # The staff bar's switch (views/auth.reader_view): as readers see it, or with controls.
    editing = may_edit and not current_user.reader_view
    return render_template(
        "reading/article.html", article=article, editing=editing, view_switch=may_edit
    )


def prepared_article_page(page: prepared.ReaderPage):
    """The reader's article page from its prepared pieces: the same bytes as the full one."""
    g.frame_origins = set(page.frame_origins)  # the CSP allows the embeds it shows (app.py)
    http_cache.note_shown(page.shows)  # the page cache forgets it when any of them changes
    return render_template(
        "reading/article_prepared.html", page=page, current_trail_ids=list(page.trail_ids)
    )


def redirect_from_old_slug(slug: str):
    """An address the article used to have moves permanently (301) to its current one."""
    moved = db.session.scalar(select(ArticleSlugRedirect).filter_by(old_slug=slug))
    article = db.session.get(Article, moved.article_id) if moved else None
    if article is None:
        return or_404(None)
    if not (article.is_live or (current_user.is_authenticated and current_user.can_edit(article))):
        return not_shown(article)
    return redirect(url_for("reading.article", slug=article.slug), 301)


def legacy_redirect(path: str):
    """The 301 to a live imported article from an address it had on the old site
    (models/imports.LegacyRedirect: "/2019/03/14/titre", "/?p=42"), or None.

    Called by the 404 page for a GET or HEAD that matched no route (app.py), and by the
    front page for "?p=N": one indexed lookup, never for a path Gazette routes itself.
    """
    if "\x00" in path:
        return None
    article_id = LegacyRedirect.article_id_for(path)
    article = db.session.get(Article, article_id) if article_id is not None else None
    if article is None or not article.is_live:
        return None
    return redirect(url_for("reading.article", slug=article.slug), 301)


def not_shown(article: Article):
    """What a reader gets for an article they may not see: 410 Gone if it was public and
    went to the trash (search engines drop it at once, and nothing suggests it moved),
    404 otherwise (a draft, even trashed, was never there for readers)."""
    if article.was_live:
        abort(410)
    return or_404(None)


def moved_section(section_path: str) -> Section:
    """The section that used to have this path (SectionRedirect); 404 if none did."""
    moved = db.session.get(SectionRedirect, section_path.strip("/"))
    return or_404(db.session.get(Section, moved.section_id) if moved else None)


def moved_tag(slug: str) -> Tag:
    """The tag that used to have this slug (TagRedirect: renamed or merged); 404 if none."""
    moved = db.session.get(TagRedirect, slug)
    return or_404(moved.tag if moved else None)


def with_query(url: str) -> str:
    """`url` with this request's query string (a cursor, a campaign tag) kept as sent."""
    query = request.query_string.decode("latin-1")
    return f"{url}?{query}" if query else url


def navigation():
    """The sections in the masthead's menu, in the admins' order, on every page."""
    return {"nav_sections": sections.masthead_menu}


def embed_for_page(data: dict | None) -> embeds.Embed | None:
    """The embed a block shows (templates/reading/blocks/_embed.html), its frame allowed.

    Recognised again from the stored address (services.embeds.from_block_data); its frame
    origin joins `g.frame_origins`, from which app.py builds this response's CSP, so a
    page lets frames load from exactly the providers it shows, whichever view rendered
    it. None for an address no longer accepted: the template then shows the link alone.
    """
    embed = embeds.from_block_data(data)
    if embed is not None:
        g.setdefault("frame_origins", set()).add(embed.frame_origin)
    return embed
