"""Sections (rubriques) and the masthead's menu, as admins arrange them.

Rules, in one place:
- two levels only: a section's parent is a top-level section, and a section with
  children stays at the top;
- a section's slug comes from its name (models.slugs.slugify) and is unique among its
  siblings (the database says so too: UniqueConstraint(parent_id, slug));
- renaming or moving a section changes its path and its descendants' paths: each old path
  is kept as a SectionRedirect (readers and feeds get a 301). A redirect stores the
  section's id, so older redirects follow the section wherever it goes; a live section
  always wins over a redirect with the same path (that redirect is dropped);
- a section with articles (trashed ones included: restoring one must find its section)
  or with sub-sections cannot be deleted.

Every refusal raises ValueError with a French message for the admin. Each function
commits; the "sections" page-cache generation follows from the flush (services/page_cache).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, select

from models import Article, Section, SectionRedirect, db
from models.content import SECTION_DESCRIPTION_MAX, SECTION_NAME_MAX
from models.front import FrontSection
from models.slugs import slugify
from models.text import INVISIBLE_IN_WORDS, fold, is_readable_name
from services import page_cache

UP, DOWN = -1, 1  # one place towards the top, or the bottom (as Article.move_block)


def tree() -> list[tuple[Section, int]]:
    """Every section in the order the staff page lists them: each top-level section
    (by position) followed by its children (by position), as (section, depth 0 or 1)."""
    rows = []
    for top in Section.top_level():
        rows.append((top, 0))
        rows.extend((child, 1) for child in top.children)
    return rows


def article_counts() -> dict[int, int]:
    """{section id: number of its own articles, trashed ones included} (a section with
    none is absent)."""
    counts = db.session.execute(
        select(Article.section_id, func.count(Article.id)).group_by(Article.section_id)
    )
    return dict(counts.all())


@dataclass(eq=False)
class SectionNode:
    """A section as readers' pages show it, from the snapshot section_at() keeps: the
    attributes templates read from a Section (id, name, slug, description, parent,
    children, trail, path, trail_name), plain values."""

    id: int
    name: str
    slug: str
    description: str
    parent: SectionNode | None = None
    children: list[SectionNode] = field(default_factory=list)

    @property
    def trail(self) -> list[SectionNode]:
        """Sections from the top down to this one (Section.trail)."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    @property
    def path(self) -> str:
        return "/".join(node.slug for node in self.trail)

    @property
    def trail_name(self) -> str:
        return " › ".join(node.name for node in self.trail)

    def with_descendant_ids(self) -> list[int]:
        """This section's id and every id below it (Section.with_descendant_ids)."""
        ids, todo = [], [self]
        while todo:
            node = todo.pop()
            ids.append(node.id)
            todo.extend(node.children)
        return ids


def section_at(path: str) -> SectionNode | None:
    """The section at this path ("international/politique"), as Section.by_path finds
    it, from the snapshot of every section the app keeps (section_tree)."""
    return section_tree().by_path.get(path.strip("/"))


@dataclass(frozen=True)
class SectionTree:
    """Every section, by path and by id (SectionNode)."""

    by_path: dict[str, SectionNode]
    by_id: dict[int, SectionNode]


def section_tree() -> SectionTree:
    """Every section, kept by the app until the "sections" generation changes
    (services/page_cache.py): section pages and the front page's blocks would otherwise
    read the tree in three or four queries. Read afresh while the generation store is
    down. Children in the order Section.children has."""
    token = page_cache.generation_once("sections")
    kept = current_app.extensions.get("section_tree")
    if token is not None and kept is not None and kept[0] == token:
        return kept[1]
    rows = db.session.execute(
        select(
            Section.id, Section.name, Section.slug, Section.description, Section.parent_id
        ).order_by(Section.position, Section.id)
    ).all()
    nodes = {row.id: SectionNode(row.id, row.name, row.slug, row.description) for row in rows}
    for row in rows:
        if row.parent_id is not None:
            nodes[row.id].parent = nodes[row.parent_id]
            nodes[row.parent_id].children.append(nodes[row.id])
    tree = SectionTree({node.path: node for node in nodes.values()}, nodes)
    if token is not None:
        current_app.extensions["section_tree"] = (token, tree)
    return tree


@dataclass(frozen=True)
class MenuItem:
    """One link of the masthead's menu."""

    id: int
    name: str
    href: str  # the section page's path


def masthead_menu() -> list[MenuItem]:
    """navigation() as the masthead shows it, kept by the app until the "sections"
    generation changes (services/page_cache.py): every page shows the menu, and a
    generation read costs far less than the query and the links. Not kept while the
    generation store is down."""
    token = page_cache.generation_once("sections")
    kept = current_app.extensions.get("masthead_menu")
    if token is not None and kept is not None and kept[0] == token:
        return kept[1]
    menu = [
        MenuItem(section.id, section.name, url_for("reading.section", section_path=section.path))
        for section in navigation()
    ]
    if token is not None:
        current_app.extensions["masthead_menu"] = (token, menu)
    return menu


def navigation() -> list[Section]:
    """The sections in the masthead's menu, in the admins' order (any level)."""
    return list(
        db.session.scalars(
            select(Section)
            .where(Section.in_navigation.is_(True))
            .order_by(Section.nav_position, Section.name, Section.id)
        )
    )


def _clean_name(name: str) -> str:
    """A typed name as stored: plain text kept as typed ("<script>" is a name like any
    other: templates, feeds and JSON-LD escape it), NFC, whitespace collapsed, invisible
    characters at either end dropped. A name needs a letter or a digit once invisible
    characters are set aside: "\u200b", a soft hyphen or "🔥" alone name nothing a reader
    can read, and their address would be "article"."""
    name = unicodedata.normalize("NFC", name or "")
    name = " ".join(name.split())
    if not name:
        raise ValueError(_("Donnez un nom à la rubrique."))
    if not is_readable_name(name):
        raise ValueError(
            _("Le nom d’une rubrique doit contenir au moins une lettre ou un chiffre.")
        )
    name = name.strip(INVISIBLE_IN_WORDS + " ")
    if len(name) > SECTION_NAME_MAX:
        raise ValueError(_("%(max)d caractères au maximum.", max=SECTION_NAME_MAX))
    return name


def _siblings(parent_id: int | None) -> list[Section]:
    return list(
        db.session.scalars(
            select(Section).filter_by(parent_id=parent_id).order_by(Section.position, Section.id)
        )
    )


def _check_slug_free(
    slug: str, parent_id: int | None, section: Section | None = None, name: str | None = None
) -> None:
    """Refuse a slug, or (keeping its slug) a name, that a sibling already has: two
    sections side by side with one name could not be told apart in any list."""
    siblings = [s for s in _siblings(parent_id) if s is not section]
    for sibling in siblings:
        if sibling.slug == slug:
            raise ValueError(
                _(
                    "La rubrique « %(name)s » a déjà l’adresse « %(slug)s » à cet endroit.",
                    name=sibling.name,
                    slug=slug,
                )
            )
    for sibling in siblings:
        if name is not None and fold(sibling.name) == fold(name):
            raise ValueError(
                _("Une rubrique s’appelle déjà « %(name)s » à cet endroit.", name=sibling.name)
            )


def _check_parent(section: Section | None, parent: Section | None) -> None:
    """Two levels: the parent is top-level; a section with children stays at the top."""
    if parent is None:
        return
    if section is not None and parent.id == section.id:
        raise ValueError(_("Une rubrique ne peut pas être placée sous elle-même."))
    if parent.parent_id is not None:
        raise ValueError(
            _(
                "« %(parent)s » est déjà une sous-rubrique : deux niveaux au plus.",
                parent=parent.name,
            )
        )
    if section is not None and section.children:
        raise ValueError(
            _(
                "« %(name)s » a des sous-rubriques : elle reste au premier niveau.",
                name=section.name,
            )
        )


def _next_position(parent_id: int | None) -> int:
    positions = [s.position for s in _siblings(parent_id)]
    return max(positions, default=-1) + 1


def _drop_redirects_shadowed_by(sections: list[Section]) -> None:
    """A live section wins over a redirect with its path."""
    paths = [s.path for s in sections]
    if paths:
        db.session.execute(delete(SectionRedirect).where(SectionRedirect.old_path.in_(paths)))


def _paths_below(section: Section) -> dict[int, str]:
    """{id: current path} for the section and every section below it."""
    return {i: db.session.get(Section, i).path for i in section.with_descendant_ids()}


def _keep_old_paths(old_paths: dict[int, str]) -> None:
    """A redirect for each path that changed; live paths win over redirects."""
    db.session.flush()
    moved = [db.session.get(Section, i) for i in old_paths]
    _drop_redirects_shadowed_by(moved)
    for section in moved:
        old = old_paths[section.id]
        if old != section.path:
            existing = db.session.get(SectionRedirect, old)
            if existing is None:
                db.session.add(SectionRedirect(old_path=old, section_id=section.id))
            else:
                existing.section_id = section.id


def create(name: str, parent: Section | None = None) -> Section:
    """A new section named `name` (cleaned plain text), under `parent` or at the top,
    last among its siblings, out of the menu. Raises ValueError (French) if the name is
    empty or too long, the slug is taken among the siblings, or the parent is a sub-section."""
    name = _clean_name(name)
    _check_parent(None, parent)
    parent_id = parent.id if parent else None
    slug = slugify(name)
    _check_slug_free(slug, parent_id, name=name)
    section = Section(
        name=name,
        slug=slug,
        parent_id=parent_id,
        position=_next_position(parent_id),
        in_navigation=False,
        nav_position=0,
    )
    db.session.add(section)
    db.session.flush()
    _drop_redirects_shadowed_by([section])
    db.session.commit()
    return section


def save(
    section: Section,
    name: str,
    description: str,
    parent: Section | None,
    keep_slug: bool = False,
) -> None:
    """Name, description and parent in one change, all or nothing.

    The slug follows a new name unless `keep_slug`; a section that changes parent goes last
    among its new siblings. When the path changes, the old paths of the section and of
    every section below it redirect (301). Raises ValueError (French) for an empty or too
    long name or description, a slug a sibling has, three levels, or a section under itself.
    """
    name = _clean_name(name)
    description = (description or "").strip()
    if len(description) > SECTION_DESCRIPTION_MAX:
        raise ValueError(_("%(max)d caractères au maximum.", max=SECTION_DESCRIPTION_MAX))
    parent_id = parent.id if parent else None
    moving = parent_id != section.parent_id
    if moving:
        _check_parent(section, parent)
    # The address follows a new name; saving the same name (say, a new description)
    # never changes it.
    slug = slugify(name) if name != section.name and not keep_slug else section.slug
    if moving or slug != section.slug or name != section.name:
        _check_slug_free(slug, parent_id, section, name)
    old_paths = _paths_below(section)
    if moving:
        old_parent_id = section.parent_id
        section.position = _next_position(parent_id)
        section.parent = parent
        section.parent_id = parent_id
        db.session.flush()
        _renumber(old_parent_id)
    section.name, section.slug, section.description = name, slug, description
    _keep_old_paths(old_paths)
    db.session.commit()


def rename(section: Section, name: str, keep_slug: bool = False) -> None:
    """A new name and, unless `keep_slug`, the slug that follows from it (see save)."""
    save(section, name, section.description, section.parent, keep_slug)


def describe(section: Section, description: str) -> None:
    """The section's description, plain text shown on its page (see save)."""
    save(section, section.name, description, section.parent, keep_slug=True)


def move(section: Section, parent: Section | None) -> None:
    """Put the section under `parent` (None: at the top), last among its new siblings (see save)."""
    save(section, section.name, section.description, parent, keep_slug=True)


def _renumber(parent_id: int | None) -> None:
    for position, sibling in enumerate(_siblings(parent_id)):
        sibling.position = position


def _swap(
    items: list[Section], section: Section, direction: int, attribute: str, where: str
) -> None:
    """Swap the section with its neighbour; at either end, a ValueError says why nothing
    moved (`where`: "niveau" among siblings, "menu" in the masthead's menu)."""
    if direction not in (UP, DOWN):
        raise ValueError(_("Direction inconnue."))
    index = items.index(section)
    other = index - 1 if direction == UP else index + 1
    if not 0 <= other < len(items):
        if where == "menu":
            message = (
                _("« %(name)s » est déjà en tête du menu.", name=section.name)
                if direction == UP
                else _("« %(name)s » est déjà en dernier dans le menu.", name=section.name)
            )
        else:
            message = (
                _("« %(name)s » est déjà la première de son niveau.", name=section.name)
                if direction == UP
                else _("« %(name)s » est déjà la dernière de son niveau.", name=section.name)
            )
        raise ValueError(message)
    items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items):
        setattr(item, attribute, position)


def reorder(section: Section, direction: int) -> None:
    """Move the section one place up or down among its siblings (UP or DOWN). Raises
    ValueError (French) at either end (nothing moves) or for another direction."""
    _swap(_siblings(section.parent_id), section, direction, "position", "niveau")
    db.session.commit()


def set_in_navigation(section: Section, shown: bool) -> None:
    """Show the section in the masthead's menu (last) or take it out."""
    if shown and not section.in_navigation:
        section.nav_position = max((s.nav_position for s in navigation()), default=-1) + 1
    section.in_navigation = shown
    db.session.flush()
    for position, item in enumerate(navigation()):
        item.nav_position = position
    db.session.commit()


def reorder_navigation(section: Section, direction: int) -> None:
    """Move the section one place up or down in the menu. Raises ValueError if it is not
    in the menu, already at that end of it, or for an unknown direction."""
    items = navigation()
    if section not in items:
        raise ValueError(_("Cette rubrique n’est pas dans le menu."))
    _swap(items, section, direction, "nav_position", "menu")
    db.session.commit()


def delete_section(section: Section) -> None:
    """Delete an empty section (its redirects and front-page block go with it). Raises
    ValueError (French) if it has articles, trashed ones included, or sub-sections."""
    articles = db.session.scalar(
        select(func.count(Article.id)).where(Article.section_id == section.id)
    )
    if articles:
        raise ValueError(
            ngettext(
                "La rubrique « %(name)s » contient %(num)d article (corbeille comprise) : "
                "déplacez-le d’abord dans une autre rubrique.",
                "La rubrique « %(name)s » contient %(num)d articles (corbeille comprise) : "
                "déplacez-les d’abord dans une autre rubrique.",
                articles,
                name=section.name,
            )
        )
    if section.children:
        raise ValueError(
            _(
                "La rubrique « %(name)s » a des sous-rubriques : déplacez-les ou supprimez-les d’abord.",
                name=section.name,
            )
        )
    parent_id = section.parent_id
    # Foreign keys may be off (SQLite): delete what points at it explicitly.
    db.session.execute(delete(SectionRedirect).where(SectionRedirect.section_id == section.id))
    db.session.execute(delete(FrontSection).where(FrontSection.section_id == section.id))
    db.session.delete(section)
    db.session.flush()
    _renumber(parent_id)
    for position, item in enumerate(navigation()):
        item.nav_position = position
    db.session.commit()
