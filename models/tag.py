"""Tags (sujets): "Corée du Nord", "Guerre en Ukraine"; what groups coverage of a story
across sections.

An article has any number of tags, in the order its editor gave them (ArticleTag.position).
Tag pages list a tag's live articles newest first by keyset, like every list
(models/listing.py): each ArticleTag row carries a copy of its article's `published_at`,
so the index (tag_id, published_at, article_id) reads one tag's page as one index range.
The copy is refreshed at flush time whenever the article's `published_at` changes, from
one listener (`_carry_publication_dates`), as models/authorship.py does for authors.

A tag's old slugs (after a rename or a merge) answer 301 to its page: TagRedirect.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import db
from models.time import utcnow

TAG_NAME_MAX = 80
TAG_SLUG_MAX = 100
TAG_DESCRIPTION_MAX = 1000
# An article with more tags than this is tagged for search engines, not for readers.
TAGS_PER_ARTICLE_MAX = 12


class Tag(db.Model):
    """A topic: a name as readers see it, a transliterated slug for its URL, and an
    optional plain-text description shown on its page."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(TAG_NAME_MAX))
    slug: Mapped[str] = mapped_column(String(TAG_SLUG_MAX), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def by_slug(cls, slug: str) -> Tag | None:
        return db.session.scalar(select(cls).filter_by(slug=slug))


class ArticleTag(db.Model):
    """One tag of one article, at `position` in the article's list of tags."""

    __tablename__ = "article_tag"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    # A copy of Article.published_at (naive UTC, None for a draft), for the tag index.
    published_at: Mapped[datetime | None]

    tag: Mapped[Tag] = relationship(lazy="joined")

    __table_args__ = (
        # `article_id` last: tag pages are keyset-paginated on (published_at, id).
        Index("ix_article_tag_tag_published", "tag_id", "published_at", "article_id"),
    )


class TagRedirect(db.Model):
    """A slug a tag used to have (renamed, or merged into another): its page moved (301)."""

    __tablename__ = "tag_redirect"

    old_slug: Mapped[str] = mapped_column(String(TAG_SLUG_MAX), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), index=True)

    tag: Mapped[Tag] = relationship()


def _carry_publication_dates(session: Session, _flush_context, _instances) -> None:
    """before_flush: an article whose published_at changed carries it to its tag rows."""
    from models.content import Article  # models/content imports this module

    for article in list(session.new) + list(session.dirty):
        if not isinstance(article, Article):
            continue
        if article in session.new or inspect(article).attrs.published_at.history.has_changes():
            for link in article.tag_links:
                if link.published_at != article.published_at:
                    link.published_at = article.published_at


event.listen(Session, "before_flush", _carry_publication_dates)

__all__ = ["Tag", "ArticleTag", "TagRedirect", "TAG_NAME_MAX", "TAGS_PER_ARTICLE_MAX"]
