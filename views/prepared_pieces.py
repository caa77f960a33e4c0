"""The pieces of a reader's article page prepared at save (services/prepared.py), rendered
by the full page's own templates and helpers, so that both ways give the same bytes."""

from __future__ import annotations

from flask import current_app, g, render_template
from flask_babel import force_locale

from models import Article
from services import search
from services.prepared import BLOCK_MARK_CONTEXT, shown_generations
from views.seo import search_and_social
from views.structured_data import list_image_meta


def render_pieces(article: Article, locale: str) -> dict[str, str]:
    """The reader HTML of `article` in `locale`, as PreparedArticle's columns ({column:
    text}), rendered in a reader's request of its own (own `g`, anonymous, on SITE_URL),
    so that nothing of the current request leaks in."""
    app = current_app._get_current_object()
    path = f"/article/{article.slug}"
    request = app.test_request_context(path, base_url=app.config["SITE_URL"])
    with app.app_context(), request, force_locale(locale):
        g.frame_origins = set()
        seo = search_and_social(article)
        context = {"article": article, "section": article.section, "editing": False}
        pieces = {
            "title": seo.title,
            "meta_html": render_template("reading/_structured_data.html", **context),
            "seo_html": render_template("_seo_meta.html", seo=seo),
            "article_html": render_template("reading/_article.html", **context),
            "teaser_html": render_template("reading/_teaser.html", article=article, lazy=False),
            "front_latest_html": render_template(
                "reading/_front_latest.html", article=article, position=1, editing=False
            ),
            "list_image_html": list_image_meta(article),
            "search_text": search.body_text((b.kind, b.data or {}) for b in article.blocks),
            "front_lead_html": render_template("reading/_front_lead.html", article=article),
            "front_featured_html": render_template(
                "reading/_front_story.html", article=article, story_kind="featured"
            ),
            # Its id carries the block's section, which only the front page knows: a
            # mark, replaced there (services.prepared.FrontStory.block_html).
            "front_block_html": render_template(
                "reading/_front_story.html",
                article=article,
                story_kind="block",
                block=BLOCK_MARK_CONTEXT,
            ),
        }
        pieces["frame_origins"] = " ".join(sorted(g.frame_origins))
    pieces["trail_ids"] = " ".join(str(section.id) for section in article.section.trail)
    pieces["shows"] = " ".join(shown_generations(article))
    return pieces
