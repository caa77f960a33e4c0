"""What the reader's article page shows, prepared when the article is saved.

Ghost keeps each post's HTML beside its source; Gazette does the same for the parts
every reader's view of an article would otherwise compute again (blocks with French
typography, byline and reading time, tags, corrections, author box, JSON-LD and social
tags, the teaser lists show), one row per article and language.

A row is valid only while both hold (services/prepared.py checks them in the one query
that answers a reader):
- `content_version` equals the article's own `Article.content_version`, which every
  change to anything the page shows increments in the same transaction (the article,
  its blocks, authors, tags, sponsor, section, corrections, lead image);
- `stamp` equals the running code's stamp: a hash of the templates, translations,
  typography and the site settings pages show. Deploying a template or typography
  change makes every row stale at once, with no migration.

A stale or missing row is prepared again on the next read. Data only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models import db
from models.time import utcnow

STAMP_LENGTH = 32
LOCALE_MAX = 16


class PreparedArticle(db.Model):
    """One article's reader HTML in one language, and what it was prepared from."""

    __tablename__ = "prepared_article"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str] = mapped_column(String(LOCALE_MAX), primary_key=True)
    content_version: Mapped[int] = mapped_column()
    stamp: Mapped[str] = mapped_column(String(STAMP_LENGTH))
    # <title>, the JSON-LD and social <meta> (block "meta"), the search and social tags
    # (block "seo"), the whole <article> element, the teaser of lists and the story of
    # the front page's latest list (<li>s, their image not lazy: services/prepared.Teaser),
    # and the social image tags of a list whose newest article this is ("" if no image).
    title: Mapped[str] = mapped_column(Text)
    meta_html: Mapped[str] = mapped_column(Text)
    seo_html: Mapped[str] = mapped_column(Text)
    article_html: Mapped[str] = mapped_column(Text)
    teaser_html: Mapped[str] = mapped_column(Text)
    front_latest_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    list_image_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The body as plain text, one block a line: search results cut their snippet from it.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The article as the front page's lead, featured and section-block story
    # (reading/_front_lead.html, reading/_front_story.html; see services/prepared.py).
    front_lead_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    front_featured_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    front_block_html: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Space-separated: the embeds' frame origins (the page's CSP allows exactly those),
    # the ids of its section's trail (the masthead marks them), and the page cache
    # generations it shows ("article:3 author:7 tag:2"), noted for the page cache.
    frame_origins: Mapped[str] = mapped_column(Text, default="")
    trail_ids: Mapped[str] = mapped_column(Text, default="")
    shows: Mapped[str] = mapped_column(Text, default="")
    prepared_at: Mapped[datetime] = mapped_column(default=utcnow)
