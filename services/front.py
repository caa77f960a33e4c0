"""The curated front page ("À la une"): what it shows, and the editors' changes to it.

`front_page()` assembles the page in a handful of queries, whatever the number of pins and
blocks: the pins (one query, their articles joined), the latest live articles not already
shown (models/listing.live_page), the section blocks (section_block_ids: three), and the
stories of pins and blocks (one: entities, or HTML prepared at save). Only live articles
show (Article.is_live) and only unexpired pins count: a pin whose time has come is
ignored from then on, with no job, as a scheduled article goes live by itself; the page
cache expires the front page no later than the next pin expiry
(services/page_cache.next_pin_expiry).

Decisions:
- a scheduled article may be pinned: it takes its place when it goes live (the page
  cache already expires at the next publication); a draft or an article in the trash is
  refused with a French message;
- a pinned article that is unpublished or trashed keeps its pin (hidden from readers,
  listed for editors), so that it comes back to its place if it is published again
  before the pin expires; editors can remove it;
- expired pins are deleted at the next change to the pins (no job needed before).

Writes commit nothing: the caller commits (the page cache's "front" generation is
bumped on commit, services/page_cache._generations_changed_by). Bad input raises
FrontError, whose message is French and shown as is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from flask_babel import gettext
from sqlalchemy import bindparam, literal, or_, select, union_all

from models import Article, Section, db
from models.front import FEATURED_MAX, PINS_MAX, SECTION_BLOCK_SIZE, FrontPin, FrontSection
from models.listing import ARTICLE_ORDER, ArticlePage, Cursor, live_page
from models.text import fold
from models.time import utcnow
from models.user import User
from services import sections
from services.search import headline_matches
from services.sections import SectionNode

# How many sections may have a block: the page must stay readable.
SECTIONS_MAX = 8


class FrontError(ValueError):
    """A change to the front page that cannot be made; str() is the French message."""


@dataclass
class SectionBlock:
    """A chosen section's block on the front page: its latest live articles not already
    shown above. Empty when nothing is left: readers see no block, editors a note."""

    section: SectionNode  # services.sections: name, path, id as a Section has them
    articles: list[Article]


@dataclass
class FrontPage:
    """What the front page shows, top down.

    `lead` (None without pins) and `featured` are the live, unexpired pins in order;
    `latest` the page of latest live articles (on the first page, without those already
    shown); `blocks` every chosen section's block, in order (first page only, else
    empty), without the articles shown above them, some perhaps empty (`shown_blocks`:
    those readers see).
    """

    lead: Article | None
    featured: list[Article]
    latest: ArticlePage
    blocks: list[SectionBlock] = field(default_factory=list)

    @property
    def is_first(self) -> bool:
        return self.latest.is_first

    @property
    def shown_blocks(self) -> list[SectionBlock]:
        """The blocks with at least one article: those readers see."""
        return [block for block in self.blocks if block.articles]


def current_pins(now: datetime | None = None) -> list[FrontPin]:
    """Unexpired pins in order (lead first), whatever the state of their article."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(FrontPin)
            .where(or_(FrontPin.expires_at.is_(None), FrontPin.expires_at > now))
            .order_by(FrontPin.position, FrontPin.id)
        ).unique()
    )


def front_page(
    per_page: int,
    before: Cursor | None = None,
    after: Cursor | None = None,
    latest_page: Callable[..., ArticlePage] = live_page,
    stories: Callable[[list[int]], dict] | None = None,
) -> FrontPage:
    """The front page for a ?avant=/?apres= cursor (none: the first page).

    `latest_page` reads the latest articles, as models.listing.live_page does, and
    `stories(ids)` gives what the pins and the section blocks show ({id: story}): the
    Article entities by default (articles_by_id). A reader's view passes its own of
    both, whose items are prepared at save (services/prepared.py: anything with `id`
    and `published_at` will do for the latest list).

    Deeper pages are the plain list of latest articles (no pins, no blocks). On the first
    page the latest list leaves out the lead and featured stories, and still holds
    `per_page` articles when there are enough; the section blocks leave out every article
    shown above them (pins and latest list: a story shows once) and still hold
    SECTION_BLOCK_SIZE articles when their section has more. Queries: pins 1, latest 2,
    section blocks 3 whatever their number (none when no section is chosen), stories 1.
    """
    stories = stories or articles_by_id
    if before is not None or after is not None:
        page = latest_page(per_page, before=before, after=after)
        if not page.is_first:
            return FrontPage(None, [], page)
    pinned = live_pin_ids(utcnow())[:PINS_MAX]
    shown_ids = set(pinned)
    fetched = latest_page(per_page + len(shown_ids))
    items = [article for article in fetched.items if article.id not in shown_ids]
    if len(items) > per_page:
        items = items[:per_page]
        older = ARTICLE_ORDER.cursor(items[-1])
    else:
        older = fetched.older
    latest = ArticlePage(items, older, None, is_first=True)
    blocks = section_block_ids(shown_ids | {article.id for article in items})
    found = stories(pinned + [i for _section, ids in blocks for i in ids])
    shown = [found[i] for i in pinned if i in found]
    return FrontPage(
        lead=shown[0] if shown else None,
        featured=shown[1 : 1 + FEATURED_MAX],
        latest=latest,
        blocks=[
            SectionBlock(section, [found[i] for i in ids if i in found]) for section, ids in blocks
        ],
    )


def live_pin_ids(now: datetime) -> list[int]:
    """The articles of the unexpired pins, in order (lead first), those live at `now`.

    Liveness is read as a column and kept in Python: the pins are few, and as a
    condition joined to Article SQLite walked every live article (ix_article_live) to
    probe front_pin, 0.3-0.5 s per render at 100,000 articles (make bench).
    """
    rows = db.session.connection().execute(_live_pins_query(), {"now": now})
    return [row.article_id for row in rows if row.live]


@functools.cache
def _live_pins_query():
    """live_pin_ids' query, built once (parameter: now)."""
    now = bindparam("now")
    return (
        select(FrontPin.article_id, Article.live_as_of(now).label("live"))
        .join(Article, Article.id == FrontPin.article_id)
        .where(or_(FrontPin.expires_at.is_(None), FrontPin.expires_at > now))
        .order_by(FrontPin.position, FrontPin.id)
    )


def articles_by_id(article_ids: list[int]) -> dict[int, Article]:
    """{id: Article} for these ids (one query; an id deleted since is left out)."""
    if not article_ids:
        return {}
    query = select(Article).where(Article.id.in_(article_ids))
    return {article.id: article for article in db.session.scalars(query).unique()}


def chosen_sections() -> list[Section]:
    """The sections given a block, in order."""
    return [
        choice.section
        for choice in db.session.scalars(
            select(FrontSection).order_by(FrontSection.position, FrontSection.section_id)
        ).unique()
    ]


def chosen_section_ids() -> list[int]:
    """The ids of the sections given a block, in order."""
    return list(db.session.connection().execute(_chosen_query()).scalars())


@functools.cache
def _chosen_query():
    order = (FrontSection.position, FrontSection.section_id)
    return select(FrontSection.section_id).order_by(*order)


def section_block_ids(leave_out: set[int] = frozenset()) -> list[tuple[SectionNode, list[int]]]:
    """Each chosen section, in order, with its latest live articles (its subsections'
    included, as on its own page), leaving out `leave_out` (the ids of the articles shown
    above: pins and latest list) and those of the blocks above it (a section and its
    subsection both chosen: a story shows once). A block still holds SECTION_BLOCK_SIZE
    articles when the section has more; one with nothing left is empty
    (FrontPage.shown_blocks drops it for readers).

    Returns (section, article ids) per block; the sections come from the tree the app
    keeps (services.sections.section_tree). One query for the choice, one for every
    block's keys (a UNION ALL of one limited range per block, as models/listing reads
    several sections, built once per number of blocks), whatever the number of blocks.
    """
    tree = sections.section_tree()
    chosen = [tree.by_id[i] for i in chosen_section_ids() if i in tree.by_id]
    if not chosen:
        return []
    parameters = {"now": utcnow(), "leave_out": sorted(leave_out)}
    covered: list[set[int]] = []
    for index, section in enumerate(chosen):
        ids = set(section.with_descendant_ids())
        # Each block above sharing sections may take SECTION_BLOCK_SIZE of these articles:
        # read that many more, so that this block still fills.
        overlapping = sum(1 for earlier in covered if earlier & ids)
        covered.append(ids)
        parameters[f"sections_{index}"] = sorted(ids)
        parameters[f"limit_{index}"] = SECTION_BLOCK_SIZE * (1 + overlapping)
    per_block: dict[int, list] = {}
    for row in db.session.connection().execute(_blocks_query(len(chosen)), parameters):
        per_block.setdefault(row.block, []).append(row)
    taken: set[int] = set()
    kept: list[list[int]] = []
    for index in range(len(chosen)):
        rows = sorted(per_block.get(index, ()), key=lambda r: (r.published_at, r.id), reverse=True)
        ids = [row.id for row in rows if row.id not in taken][:SECTION_BLOCK_SIZE]
        taken.update(ids)
        kept.append(ids)
    return list(zip(chosen, kept, strict=True))


@functools.cache
def _blocks_query(count: int):
    """The keys of `count` blocks, newest first in each: built once per count (building
    it cost more than running it). Parameters: now, leave_out, sections_N, limit_N."""
    parts = []
    for index in range(count):
        statement = (
            select(literal(index).label("block"), Article.published_at, Article.id)
            .where(
                Article.live_as_of(bindparam("now")),
                Article.section_id.in_(bindparam(f"sections_{index}", expanding=True)),
                Article.id.not_in(bindparam("leave_out", expanding=True)),
            )
            .order_by(*ARTICLE_ORDER.order_by())
            .limit(bindparam(f"limit_{index}"))
        )
        parts.append(select(*statement.subquery().c))
    return union_all(*parts) if count > 1 else parts[0]


# --------------------------------------------------------------------------- changes


def _renumber(pins: Sequence[FrontPin]) -> None:
    for position, pin in enumerate(pins):
        if pin.position != position:
            pin.position = position


def _drop_expired(now: datetime) -> None:
    for pin in db.session.scalars(
        select(FrontPin).where(FrontPin.expires_at.is_not(None), FrontPin.expires_at <= now)
    ).unique():
        db.session.delete(pin)


def _pin_of(article_id: int) -> FrontPin:
    pin = pin_for(article_id)
    if pin is None:
        raise FrontError(gettext("Cet article n’est pas à la une."))
    return pin


def _check_expiry(expires_at: datetime | None, now: datetime) -> None:
    if expires_at is not None and expires_at <= now:
        raise FrontError(gettext("Choisissez une date d’expiration à venir."))


def pin(
    article: Article, by: User | None, expires_at: datetime | None = None, *, lead: bool = False
) -> FrontPin:
    """Pin `article` after the current pins (first: it is the lead), or as the lead.

    `expires_at` is naive UTC, or None for no expiry. Raises FrontError for a draft or an
    article in the trash, an article already pinned, a full front page (PINS_MAX), or
    an expiry that is not ahead.
    """
    now = utcnow()
    if article.is_trashed:
        raise FrontError(gettext("Un article dans la corbeille ne peut pas être mis à la une."))
    if not (article.is_live or article.is_scheduled):
        raise FrontError(gettext("Seul un article publié ou programmé peut être mis à la une."))
    _check_expiry(expires_at, now)
    _drop_expired(now)
    db.session.flush()
    pins = current_pins(now)
    if any(existing.article_id == article.id for existing in pins):
        raise FrontError(gettext("Cet article est déjà à la une."))
    if len(pins) >= PINS_MAX:
        raise FrontError(
            gettext(
                "La une compte déjà %(count)d articles : retirez-en un d’abord.", count=PINS_MAX
            )
        )
    new = FrontPin(
        article_id=article.id,
        expires_at=expires_at,
        pinned_by_id=by.id if by is not None else None,
        pinned_at=now,
    )
    db.session.add(new)
    _renumber([new, *pins] if lead else [*pins, new])
    return new


def unpin(article_id: int) -> None:
    """Take the article off the front page; FrontError if it is not on it."""
    now = utcnow()
    removed = _pin_of(article_id)
    db.session.delete(removed)
    _drop_expired(now)
    db.session.flush()
    _renumber(current_pins(now))


def move(article_id: int, step: int) -> None:
    """Move a pin one place up (step -1: towards the lead) or down (+1).

    Raises FrontError if it is not pinned or already first/last.
    """
    pins = current_pins()
    index = next((i for i, p in enumerate(pins) if p.article_id == article_id), None)
    if index is None:
        raise FrontError(gettext("Cet article n’est pas à la une."))
    target = index + step
    if step not in (-1, 1) or not 0 <= target < len(pins):
        raise FrontError(
            gettext("Cet article est déjà en tête.")
            if step < 0
            else gettext("Cet article est déjà en dernier.")
        )
    pins[index], pins[target] = pins[target], pins[index]
    _renumber(pins)


def reorder(article_ids: Sequence[int]) -> None:
    """Put the pins in this order (the ids of every current pin, each once: drag and drop).

    FrontError when the list is not exactly the current pins (someone else changed them).
    """
    pins = current_pins()
    by_article = {p.article_id: p for p in pins}
    if sorted(article_ids) != sorted(by_article):
        raise FrontError(gettext("La une a changé entre-temps : rechargez la page et recommencez."))
    _renumber([by_article[i] for i in article_ids])


def set_expiry(article_id: int, expires_at: datetime | None) -> None:
    """When the pin ends (naive UTC), or None: never. FrontError for a time not ahead."""
    pin_ = _pin_of(article_id)
    _check_expiry(expires_at, utcnow())
    pin_.expires_at = expires_at


def choose_sections(section_ids: Sequence[int]) -> None:
    """The sections given a block, in this order (duplicates ignored); FrontError for an
    unknown section or too many."""
    ordered = list(dict.fromkeys(section_ids))
    if len(ordered) > SECTIONS_MAX:
        raise FrontError(gettext("Choisissez au plus %(count)d rubriques.", count=SECTIONS_MAX))
    known = set(db.session.scalars(select(Section.id).where(Section.id.in_(ordered))))
    if len(known) != len(ordered):
        raise FrontError(gettext("Rubrique inconnue : rechargez la page."))
    existing = {c.section_id: c for c in db.session.scalars(select(FrontSection)).unique()}
    for section_id, choice in existing.items():
        if section_id not in known:
            db.session.delete(choice)
    for position, section_id in enumerate(ordered):
        choice = existing.get(section_id)
        if choice is None:
            db.session.add(FrontSection(section_id=section_id, position=position))
        elif choice.position != position:
            choice.position = position


def pin_candidates(raw_query: str, limit: int = 10) -> list[Article]:
    """Live or scheduled articles whose headline matches the query (folded search), newest
    first: what the "Mettre à la une" search box lists. Those already pinned are listed
    too, so that the box can say so rather than "nothing matches" (Curation.pin_of)."""
    matches = headline_matches(raw_query)
    if matches is None:
        return []
    statement = (
        select(Article)
        .where(Article.id.in_(matches), or_(Article.is_live, Article.is_scheduled))
        .order_by(*ARTICLE_ORDER.order_by())
        .limit(limit)
    )
    return list(db.session.scalars(statement).unique())


@dataclass
class Curation:
    """What the editors' controls on the front page need.

    `pins`: every unexpired pin in order, its article live or not (`pin.article.is_live`
    tells whether readers see it); `sections`: every section, for the blocks chooser, in
    French alphabetical order (accents aside: "Économie" with the E); `chosen`: the ids
    of the sections with a block, in order.
    """

    pins: list[FrontPin]
    sections: list[Section]
    chosen: list[int]
    max_pins: ClassVar[int] = PINS_MAX

    def pin_of(self, article_id: int) -> FrontPin | None:
        return next((pin for pin in self.pins if pin.article_id == article_id), None)

    @property
    def is_full(self) -> bool:
        return len(self.pins) >= PINS_MAX


def curation() -> Curation:
    """The front page's pins and section choices, for its editors (three queries)."""
    return Curation(
        pins=current_pins(),
        sections=sorted(
            db.session.scalars(select(Section)), key=lambda s: (fold(s.name), s.name, s.id)
        ),
        chosen=[section.id for section in chosen_sections()],
    )


def pin_for(article_id: int) -> FrontPin | None:
    """The article's unexpired pin, or None."""
    found = db.session.scalar(select(FrontPin).where(FrontPin.article_id == article_id))
    return None if found is None or found.has_expired else found
