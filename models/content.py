"""What readers read: sections, articles and the blocks that make an article's body."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, and_, or_, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import db
from models.authorship import ArticleAuthor
from models.media import ALT_MAX, CREDIT_MAX
from models.revision import ArticleSlugRedirect, Revision
from models.tag import ArticleTag, Tag
from models.text import to_plain_text
from models.time import utcnow
from models.user import User

if TYPE_CHECKING:
    from models.correction import Correction
    from models.media import Media
    from models.sponsor import Sponsor

WORDS_READ_PER_MINUTE = 230
# Limits on what an editor types, in characters of cleaned text: the column, the editing
# form's validator and its "… caractères au maximum" message all read these.
HEADLINE_MAX = 300
STANDFIRST_MAX = 600
# Search and social fields (issue 13): the column's limit, and the length search engines
# show before cutting, which the form's counters and hints announce.
SEO_TITLE_MAX, SEO_TITLE_SHOWN = 120, 60
SEO_DESCRIPTION_MAX, SEO_DESCRIPTION_SHOWN = 320, 155


SECTION_NAME_MAX = 80
SECTION_DESCRIPTION_MAX = 1000


class Section(db.Model):
    """A rubrique. Two levels are enough for a newsroom: International › Politique.

    `position` orders a section among its siblings; `in_navigation` and `nav_position`
    say whether and where it appears in the masthead's navigation (admins choose both).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(SECTION_NAME_MAX))
    slug: Mapped[str] = mapped_column(String(80))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"))
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    in_navigation: Mapped[bool] = mapped_column(default=False, server_default="0")
    nav_position: Mapped[int] = mapped_column(default=0, server_default="0")

    parent: Mapped[Section | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Section]] = relationship(
        back_populates="parent", order_by="(Section.position, Section.id)"
    )

    __table_args__ = (UniqueConstraint("parent_id", "slug"),)

    @property
    def trail(self) -> list[Section]:
        """Sections from the top down to this one, for breadcrumbs and URLs."""
        chain, section = [], self
        while section is not None:
            chain.append(section)
            section = section.parent
        return chain[::-1]

    @property
    def path(self) -> str:
        return "/".join(s.slug for s in self.trail)

    @property
    def trail_name(self) -> str:
        """ "International › Politique": how titles, feeds and staff lists name a section,
        so that two sections with one name under different parents can be told apart."""
        return " › ".join(s.name for s in self.trail)

    def with_descendant_ids(self, children: dict[int | None, list[int]] | None = None) -> list[int]:
        """This section's id and every id below it: a parent page lists its children's
        articles. `children` is children_by_parent(), read once by a caller asking for
        several sections; read here otherwise (one query)."""
        children = children if children is not None else Section.children_by_parent()
        ids, todo = [], [self.id]
        while todo:
            current = todo.pop()
            ids.append(current)
            todo.extend(children.get(current, ()))
        return ids

    @classmethod
    def children_by_parent(cls) -> dict[int | None, list[int]]:
        """{parent id (None: top level): its sections' ids}, the whole tree in one query."""
        children: dict[int | None, list[int]] = {}
        for section_id, parent_id in db.session.execute(select(cls.id, cls.parent_id)):
            children.setdefault(parent_id, []).append(section_id)
        return children

    @classmethod
    def by_path(cls, path: str) -> Section | None:
        section = None
        for slug in path.strip("/").split("/"):
            parent_id = section.id if section else None
            section = db.session.scalar(select(cls).filter_by(slug=slug, parent_id=parent_id))
            if section is None:
                return None
        return section

    @classmethod
    def top_level(cls) -> list[Section]:
        return db.session.scalars(
            select(cls).filter_by(parent_id=None).order_by(cls.position, cls.name)
        ).all()


class SectionRedirect(db.Model):
    """A path a section used to have ("international/politique" before a rename or a
    move): its pages and feeds moved (301) to the section's current path."""

    __tablename__ = "section_redirect"

    old_path: Mapped[str] = mapped_column(String(255), primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("section.id", ondelete="CASCADE"), index=True
    )


class ArticleStatus(enum.StrEnum):
    DRAFT = "draft"
    # A published article whose published_at lies in the future is "scheduled":
    # it goes live by itself when that time comes, with no job to run.
    PUBLISHED = "published"


class Article(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    headline: Mapped[str] = mapped_column(String(HEADLINE_MAX))
    standfirst: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=ArticleStatus.DRAFT)
    published_at: Mapped[datetime | None]
    # The date it was first seen by readers, kept when it is unpublished: republishing
    # puts it back unless the editor asks for today's date (publish(today=True)).
    first_published_at: Mapped[datetime | None]
    # The editorial "Mis à jour le …": set when the text changes after publication.
    updated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped on every save, so a form loaded from an older version is detected as stale.
    version: Mapped[int] = mapped_column(default=1)
    # Incremented (services/prepared.py) whenever anything the reader's page shows
    # changes, in the same transaction: the prepared HTML of an older one is stale.
    content_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Sponsored content: shown to readers as "Contenu sponsorisé par …" (models/sponsor.py).
    sponsor_id: Mapped[int | None] = mapped_column(
        ForeignKey("sponsor.id", ondelete="SET NULL"), index=True
    )
    # In the trash (services/trash.py): out of every reader page until restored or purged.
    # Trashing touches nothing else, so restoring puts the article back exactly as it was.
    trashed_at: Mapped[datetime | None]
    trashed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    # The lead image (models/media.py), with this article's own words for it: alt text
    # (required when there is an image), caption and credit; readers see these, not the
    # library's defaults they start from. Deleting a used image is refused (MediaUse).
    lead_media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id", ondelete="SET NULL"))
    lead_alt: Mapped[str] = mapped_column(String(ALT_MAX), default="")
    lead_caption: Mapped[str] = mapped_column(Text, default="")
    lead_credit: Mapped[str] = mapped_column(String(CREDIT_MAX), default="")

    # Search and social (plain text; empty: the headline, the standfirst) and the social
    # image: the token of one of the article's images, empty for the default (see
    # views/seo.social_image, the one place that chooses).
    seo_title: Mapped[str] = mapped_column(String(SEO_TITLE_MAX), default="", server_default="")
    seo_description: Mapped[str] = mapped_column(
        String(SEO_DESCRIPTION_MAX), default="", server_default=""
    )
    social_image: Mapped[str] = mapped_column(String(32), default="", server_default="")

    section: Mapped[Section] = relationship(lazy="joined")
    # The lead author, first of `author_links`: both are written by set_authors().
    author: Mapped[User] = relationship(lazy="joined", foreign_keys=[author_id])
    author_links: Mapped[list[ArticleAuthor]] = relationship(
        order_by="ArticleAuthor.position", cascade="all, delete-orphan", lazy="selectin"
    )
    lead_media: Mapped[Media | None] = relationship(lazy="joined")
    # Its tags, in the editor's order (models/tag.py); written by set_tags().
    tag_links: Mapped[list[ArticleTag]] = relationship(
        order_by="ArticleTag.position", cascade="all, delete-orphan", lazy="selectin"
    )
    blocks: Mapped[list[Block]] = relationship(
        back_populates="article", order_by="Block.position", cascade="all, delete-orphan"
    )
    sponsor: Mapped[Sponsor | None] = relationship(lazy="joined")
    trashed_by: Mapped[User | None] = relationship(foreign_keys=[trashed_by_id])
    # Oldest first, as they read at the foot of the article (models/correction.py).
    corrections: Mapped[list[Correction]] = relationship(
        back_populates="article",
        order_by="(Correction.created_at, Correction.id)",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        # `id` last: lists are keyset-paginated on (published_at, id), read from the index.
        Index("ix_article_live", "status", "published_at", "id"),
        Index("ix_article_section_published", "section_id", "published_at", "id"),
        Index("ix_article_author_published", "author_id", "published_at", "id"),
        # The articles desk reads newest first by (created_at, id) (services/desk.py).
        Index("ix_article_created", "created_at", "id"),
    )

    @hybrid_property
    def is_live(self) -> bool:
        """Published, due (published_at is naive UTC) and not in the trash: what readers
        may see now.

        The one rule for "live", usable in Python (`article.is_live`) and in SQL
        (`select(Article).where(Article.is_live)`); every list, feed and cache uses it.
        """
        return self._published_and_due and self.trashed_at is None

    @property
    def _published_and_due(self) -> bool:
        return (
            self.status == ArticleStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at <= utcnow()
        )

    @is_live.inplace.expression
    @classmethod
    def _is_live_sql(cls):
        return cls.live_as_of(utcnow())

    @classmethod
    def live_as_of(cls, moment):
        """is_live in SQL at `moment` (a naive UTC datetime, or a bindparam for a
        statement built once and run many times: services/prepared.py)."""
        return and_(
            cls.status == ArticleStatus.PUBLISHED,
            cls.published_at <= moment,
            cls.trashed_at.is_(None),
        )

    @hybrid_property
    def is_scheduled(self) -> bool:
        """Published with a future published_at, not in the trash: it goes live by itself."""
        return (
            self.status == ArticleStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at > utcnow()
            and self.trashed_at is None
        )

    @is_scheduled.inplace.expression
    @classmethod
    def _is_scheduled_sql(cls):
        return and_(
            cls.status == ArticleStatus.PUBLISHED,
            cls.published_at > utcnow(),
            cls.trashed_at.is_(None),
        )

    @hybrid_property
    def is_trashed(self) -> bool:
        return self.trashed_at is not None

    @is_trashed.inplace.expression
    @classmethod
    def _is_trashed_sql(cls):
        return cls.trashed_at.is_not(None)

    @property
    def was_live(self) -> bool:
        """In the trash, and live once restored: its address answers 410 Gone, not 404
        (a trashed draft was never public, so it stays a plain 404)."""
        return self.is_trashed and self._published_and_due

    @classmethod
    def in_state(cls, state: str):
        """SQL for `state` as the desk files articles: "draft", "scheduled", "published"
        (as Article.state says, trash excluded), "trash", or "" (everything but the trash).
        Raises KeyError for any other state."""
        not_trashed = cls.trashed_at.is_(None)
        return {
            "": not_trashed,
            "draft": and_(
                not_trashed,
                or_(cls.status != ArticleStatus.PUBLISHED, cls.published_at.is_(None)),
            ),
            "scheduled": cls.is_scheduled,
            "published": cls.is_live,
            "trash": cls.is_trashed,
        }[state]

    @classmethod
    def live(cls):
        """A select() of the articles readers may see right now, newest first."""
        return select(cls).where(cls.is_live).order_by(cls.published_at.desc(), cls.id.desc())

    @property
    def authors(self) -> list[User]:
        """Who signs the article, in byline order (the lead author alone before a flush)."""
        return [link.user for link in self.author_links] or (
            [self.author] if self.author is not None else []
        )

    def set_authors(self, users: list[User]) -> None:
        """The one writer of the author list: `users` in byline order, the first the lead.

        Raises ValueError for an empty list or one naming someone twice. Rows of authors
        who stay are kept (only their position changes); author_id follows the first.
        """
        if not users or len({user.id for user in users}) != len(users):
            raise ValueError("an article needs one or more distinct authors")
        kept = {link.user.id: link for link in self.author_links}
        self.author_links = [
            kept.get(user.id) or ArticleAuthor(user=user, published_at=self.published_at)
            for user in users
        ]
        for position, link in enumerate(self.author_links):
            link.position = position
        self.author = users[0]

    @property
    def tags(self) -> list[Tag]:
        """Its tags, in the editor's order."""
        return [link.tag for link in self.tag_links]

    def set_tags(self, tags: list[Tag]) -> None:
        """The one writer of the tag list: `tags` in order. Rows of tags that stay are
        kept (only their position changes). Raises ValueError for a tag named twice or
        more than TAGS_PER_ARTICLE_MAX tags."""
        from models.tag import TAGS_PER_ARTICLE_MAX

        if len(tags) > TAGS_PER_ARTICLE_MAX or len({id(tag) for tag in tags}) != len(tags):
            raise ValueError(f"at most {TAGS_PER_ARTICLE_MAX} distinct tags")
        kept = {link.tag_id: link for link in self.tag_links if link.tag_id is not None}
        self.tag_links = [
            (kept.get(tag.id) if tag.id is not None else None)
            or ArticleTag(tag=tag, published_at=self.published_at)
            for tag in tags
        ]
        for position, link in enumerate(self.tag_links):
            link.position = position

    @classmethod
    def tagged(cls, tag_id: int):
        """SQL: the article carries this tag (the desk's and search's tag filter)."""
        return cls.id.in_(select(ArticleTag.article_id).where(ArticleTag.tag_id == tag_id))

    @classmethod
    def signed_by(cls, user_id: int):
        """SQL condition: `user_id` is one of the article's authors, co-signed included
        (for lists filtered by author: `select(Article).where(Article.signed_by(7))`)."""
        return cls.id.in_(select(ArticleAuthor.article_id).where(ArticleAuthor.user_id == user_id))

    @property
    def was_updated(self) -> bool:
        """Worth a "Mis à jour" line: changed at least a minute after publication."""
        return bool(
            self.updated_at
            and self.published_at
            and (self.updated_at - self.published_at).total_seconds() >= 60
        )

    @property
    def word_count(self) -> int:
        # to_plain_text is cheap (a regex over stored, sanitised HTML): fine on every page view.
        texts = [self.headline, self.standfirst]
        texts += [to_plain_text(block.text_for_reading()) for block in self.blocks]
        return sum(len(text.split()) for text in texts)

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.word_count / WORDS_READ_PER_MINUTE))

    @property
    def state(self) -> str:
        """ "draft", "scheduled" or "published": what the editor's banner says.

        A trashed article is neither live nor scheduled, hence "draft": ask is_trashed first.
        """
        if self.is_live:
            return "published"
        return "scheduled" if self.is_scheduled else "draft"

    def snapshot(self) -> dict:
        """The whole article as JSON, for a revision: enough to show, compare and restore it.

        Keys: version, headline, standfirst, section_id, status, published_at (ISO, naive
        UTC, or None), slug, sponsor_id and sponsor_name (None when not sponsored; the
        name is kept for the history should the sponsor be deleted), author_id and
        author_bio (the author's bio_html, which the editor edits from the article),
        blocks [{kind, data}], lead_media (a token or None), lead_alt, lead_caption and
        lead_credit. Revisions saved before slug, sponsor and bio were added
        lack those keys: readers of a snapshot must treat a missing key as "not recorded".
        Since issue 13: author_ids and author_names (the byline, in order), seo_title,
        seo_description and social_image. Since issue 14: tag_ids and tag_names (the
        sujets, in order; the names kept for the history should a tag be deleted).
        """
        authors = self.authors
        return {
            "version": self.version,
            "headline": self.headline,
            "standfirst": self.standfirst,
            "section_id": self.section_id,
            "status": self.status,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "slug": self.slug,
            "sponsor_id": self.sponsor_id,
            "sponsor_name": self.sponsor.name if self.sponsor is not None else None,
            "author_id": self.author_id,
            "author_bio": self.author.bio_html if self.author is not None else "",
            "author_ids": [user.id for user in authors],
            "author_names": [user.display_name for user in authors],
            "seo_title": self.seo_title,
            "seo_description": self.seo_description,
            "social_image": self.social_image,
            "tag_ids": [link.tag.id for link in self.tag_links],
            "tag_names": [link.tag.name for link in self.tag_links],
            "blocks": [{"kind": b.kind, "data": b.data} for b in self.blocks],
            **self._lead_snapshot(),
        }

    def _restore_tags(self, tag_ids: list[int], tag_names: list[str]) -> None:
        """The sujets a snapshot had: by id, else (deleted or merged since) by the name's
        old slug, which a merge left as a redirect to the tag it became; else skipped."""
        from models.slugs import slugify
        from models.tag import TagRedirect

        tags: list[Tag] = []
        for position, tag_id in enumerate(tag_ids):
            tag = db.session.get(Tag, tag_id)
            if tag is None and position < len(tag_names):
                moved = db.session.get(TagRedirect, slugify(tag_names[position]))
                tag = moved.tag if moved is not None else None
            if tag is not None and all(tag is not other for other in tags):
                tags.append(tag)
        self.set_tags(tags)

    def _lead_snapshot(self) -> dict:
        """lead_media (the image's token, or None), lead_alt, lead_caption, lead_credit."""
        media = self.lead_media
        return {
            "lead_media": media.token if media is not None else None,
            "lead_alt": self.lead_alt,
            "lead_caption": self.lead_caption,
            "lead_credit": self.lead_credit,
        }

    def mark_edited(self) -> None:
        """A change readers can see after publication earns a "Mis à jour le …"."""
        if self.is_live:
            self.updated_at = utcnow()

    def restore(
        self,
        snapshot: dict,
        *,
        publication: bool = False,
        sponsor: bool = False,
        bio: bool = False,
        authors: bool = False,
    ) -> None:
        """Put the article's text back as a snapshot had it; more only when asked.

        Always restored: headline, standfirst, section (unless it no longer exists) and
        the blocks (rebuilt: new ids, new versions), image fields included, and the lead
        image with its words (none if the image was deleted since). Restored only
        when the caller asks, because they show outside the article's text and a restore
        must never change them behind the editor's back (issue 11):
        - `publication`: status and published_at (a live article stays live otherwise);
        - `sponsor`: the sponsor (unless it no longer exists), which readers must see;
        - `bio`: the author's bio, shown under all their articles (same author only);
        - `authors`: the byline (authors whose account is gone or inactive are skipped).
        The search and social fields come back with the text, and the sujets (those
        since deleted are skipped; a merged one comes back as the tag it became).
        Never restored: the slug (a public address; it changes through the headline).
        A key the snapshot lacks (an older revision) leaves that field as it is.
        """
        self.headline = snapshot["headline"]
        self.standfirst = snapshot["standfirst"]
        if db.session.get(Section, snapshot["section_id"]) is not None:
            self.section_id = snapshot["section_id"]
        if publication:
            self.status = snapshot["status"]
            published_at = snapshot["published_at"]
            self.published_at = datetime.fromisoformat(published_at) if published_at else None
        if sponsor and "sponsor_id" in snapshot:
            from models.sponsor import Sponsor  # models/sponsor imports nothing from here

            sponsor_id = snapshot["sponsor_id"]
            if sponsor_id is None or db.session.get(Sponsor, sponsor_id) is not None:
                self.sponsor_id = sponsor_id
        if bio and "author_bio" in snapshot and snapshot.get("author_id") == self.author_id:
            self.author.bio_html = snapshot["author_bio"]
        if authors and snapshot.get("author_ids"):
            users = [db.session.get(User, user_id) for user_id in snapshot["author_ids"]]
            users = [user for user in users if user is not None and user.active]
            if users:
                self.set_authors(users)
        for key in ("seo_title", "seo_description", "social_image"):
            if key in snapshot:
                setattr(self, key, snapshot[key])
        if "tag_ids" in snapshot:
            self._restore_tags(snapshot["tag_ids"], snapshot.get("tag_names", []))
        self.blocks = [
            Block(position=i, kind=b["kind"], data=b["data"])
            for i, b in enumerate(snapshot["blocks"])
        ]
        if "lead_media" in snapshot:  # the lead image, unless it was deleted since
            from models.media import Media  # models/media imports nothing from here

            media = Media.by_token(snapshot["lead_media"])
            self.lead_media = media
            self.lead_alt, self.lead_caption, self.lead_credit = (
                (snapshot["lead_alt"], snapshot["lead_caption"], snapshot["lead_credit"])
                if media is not None
                else ("", "", "")
            )
        self.version += 1

    def insert_block(self, kind: str, data: dict, after: Block | None = None) -> Block:
        """A new block right after `after` (at the top when None); later blocks move down one."""
        index = self.blocks.index(after) + 1 if after is not None else 0
        block = Block(kind=kind, data=data, position=index)
        self.blocks.insert(index, block)
        self._renumber()
        return block

    def move_block(self, block: Block, offset: int) -> Block | None:
        """Swap a block with its neighbour (offset -1: up, +1: down); return that neighbour."""
        index = self.blocks.index(block)
        other = index + offset
        if not 0 <= other < len(self.blocks):
            return None
        neighbour = self.blocks[other]
        # Swap positions and re-sort in place: taking a block out of the collection, even
        # to put it back, would delete it (delete-orphan).
        block.position, neighbour.position = neighbour.position, block.position
        self.blocks.sort(key=lambda b: b.position)
        return neighbour

    def remove_block(self, block: Block) -> None:
        self.blocks.remove(block)
        self._renumber()

    def _renumber(self) -> None:
        """Positions are always 0..n-1 in reading order."""
        for position, block in enumerate(self.blocks):
            block.position = position

    # ----------------------------------------------------------------- publishing, history

    def publish(self, at: datetime | None = None, *, today: bool = False) -> None:
        """Publish now (`at` None), or at `at`: a naive UTC datetime (future: scheduled).

        Publishing now an article that is already live keeps its date. Republishing now
        an article that readers saw before (unpublished since) gives it back its first
        publication date, as WordPress and Ghost do, unless `today` asks for now. A past
        `at` is accepted (back-dating); the editor's form asks for a future one. Raises
        ValueError when `at` carries a timezone: dates are stored as naive UTC.
        """
        if at is None:
            if not self.is_live:
                first = None if today else self.first_published_at
                self.status, self.published_at = ArticleStatus.PUBLISHED, first or utcnow()
            return
        if at.tzinfo is not None:
            raise ValueError("publish(at=…) takes a naive UTC datetime")
        self.status, self.published_at = ArticleStatus.PUBLISHED, at

    def unpublish(self) -> None:
        """Back to a draft: readers no longer see it and it has no publication date; the
        date readers first saw it is kept in `first_published_at` for a republication."""
        if self._published_and_due and self.first_published_at is None:
            self.first_published_at = self.published_at
        self.status, self.published_at = ArticleStatus.DRAFT, None

    def trash(self, by: User | None) -> None:
        """Into the trash (now, by `by`): out of every reader page at once (is_live).

        Nothing else changes (status, published_at, slug, blocks), so that restoring puts
        the article back exactly as it was. Raises ValueError if it is already there.
        """
        if self.is_trashed:
            raise ValueError("already in the trash")
        self.trashed_at, self.trashed_by_id = utcnow(), by.id if by is not None else None

    def restore_from_trash(self) -> None:
        """Out of the trash, as it was before. Raises ValueError if it is not in the trash."""
        if not self.is_trashed:
            raise ValueError("not in the trash")
        self.trashed_at = self.trashed_by_id = None

    def record_revision(
        self, author: User | None, summary: str, *, mark_edited: bool = True
    ) -> Revision:
        """End of every save: "Mis à jour le …" if live, and a Revision of the whole article.

        `summary` is the editor's words ("Titre modifié"), cut to 200 characters. The
        revision is added to the session, not committed: the caller commits, so the save
        and its revision land (or fail) together. The article must have an id (flush first).
        `mark_edited=False` for what changes no text readers see (trash, restore).
        """
        from models.media import record_media_uses  # models/media imports nothing from here

        if mark_edited:
            self.mark_edited()
        record_media_uses(self)  # "where used": rebuilt at every save
        revision = Revision(
            article_id=self.id,
            author_id=author.id if author is not None else None,
            summary=str(summary)[:200],
            snapshot=self.snapshot(),
        )
        db.session.add(revision)
        return revision

    @classmethod
    def slug_taken(cls, slug: str, exclude_id: int | None = None) -> bool:
        """Whether `slug` names another article, or still redirects to one.

        `exclude_id` is the article being renamed: its own slug and old addresses are free
        for it. One query per table; True means unique_slug() must try the next candidate.
        """
        article = select(cls.id).where(cls.slug == slug)
        redirect = select(ArticleSlugRedirect.id).where(ArticleSlugRedirect.old_slug == slug)
        if exclude_id is not None:
            article = article.where(cls.id != exclude_id)
            redirect = redirect.where(ArticleSlugRedirect.article_id != exclude_id)
        return bool(db.session.scalar(article) or db.session.scalar(redirect))


# Body blocks' limits, in characters of cleaned text: read by the editor's forms
# (views/editor/forms.py) and by imports (services/wordpress/bodies.py).
PARAGRAPH_MAX = 20_000
HEADING_MAX = 300
PLAIN_MAX = 2_000  # quotes, captions
LIST_ITEM_MAX = 5_000
SHORT_MAX = 200  # attributions, credits
EMBED_TITLE_MAX = 300


class BlockKind(enum.StrEnum):
    PARAGRAPH = "paragraph"  # data: {"html": sanitised inline HTML}
    HEADING = "heading"  # data: {"text": plain text, "level": 2 or 3}
    QUOTE = "quote"  # data: {"text": plain text, "attribution": plain text}
    LIST = "list"  # data: {"items": [sanitised inline HTML, ...], "ordered": bool}
    IMAGE = "image"  # data: {"src": ..., "alt": ..., "caption": ..., "credit": ...}
    EMBED = "embed"  # data: {"provider", "url", "embed_url", "frame_origin", "title", "caption"}


class Block(db.Model):
    """One piece of an article's body. Each kind renders through one partial."""

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)

    article: Mapped[Article] = relationship(back_populates="blocks")

    __table_args__ = (Index("ix_block_article_position", "article_id", "position"),)

    def text_for_reading(self) -> str:
        """The block's words as HTML or text, for word counts and search."""
        data = self.data or {}
        if self.kind == BlockKind.LIST:
            return " ".join(data.get("items", []))
        if self.kind == BlockKind.EMBED:  # plain text, like captions: never the address
            return " ".join(str(data.get(key, "")) for key in ("title", "caption"))
        return " ".join(
            str(data.get(key, "")) for key in ("html", "text", "attribution", "caption")
        )


__all__ = ["Section", "Article", "ArticleStatus", "Block", "BlockKind"]
