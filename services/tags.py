"""Tags (sujets) as the newsroom manages them: find or create one from a typed name,
suggest some while a name is typed, rename, describe, merge, delete.

Names are compared by their slug (models.slugs.slugify): "Corée du nord", "coree du
nord" and "Corée du Nord" are one tag, the first created. Suggestions compare folded
words the same way, through the slug: typing "coree" or "nord" finds "Corée du Nord".

Every refusal is a ValueError whose message is French, shown to the editor as is.
Nothing here commits: the caller commits (and the journal records the request).
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from models import db
from models.content import Article
from models.slugs import slugify, unique_slug
from models.tag import (
    TAG_DESCRIPTION_MAX,
    TAG_NAME_MAX,
    TAG_SLUG_MAX,
    ArticleTag,
    Tag,
    TagRedirect,
)
from models.text import fold, is_readable_name

SUGGESTIONS_MAX = 8
# Characters XML refuses (and C0/C1 controls): a name is one line of plain text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# How much of a refused name its message quotes.
_QUOTED_MAX = 40


def _quoted(name: str) -> str:
    return name if len(name) <= _QUOTED_MAX else name[: _QUOTED_MAX - 1] + "…"


def clean_name(raw: str) -> str:
    """A typed name as stored: NFC, control characters dropped, whitespace collapsed,
    trimmed. Raises ValueError (French) when empty, longer than TAG_NAME_MAX, or without
    a letter or digit (models.text.is_readable_name)."""
    name = " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", raw or "")).split())
    if not name:
        raise ValueError(_("Le nom du sujet est vide."))
    if len(name) > TAG_NAME_MAX:
        raise ValueError(
            _(
                "« %(name)s » est trop long : le nom d’un sujet tient en %(max)d caractères.",
                name=_quoted(name),
                max=TAG_NAME_MAX,
            )
        )
    if not is_readable_name(name):
        raise ValueError(
            _(
                "Le nom d’un sujet contient au moins une lettre ou un chiffre (« %(name)s »).",
                name=name,
            )
        )
    return name


def name_key(name: str) -> str:
    """What two names of one tag share: folded (case and accents, NFC or NFD), without
    spaces, hyphens or invisible characters. "Corée du Nord" and "coree-du-nord" have
    one key; "C++" and "C", or "Feu 🔥" and "Feu !" do not (one slug, two names)."""
    key = "".join(char for char in fold(name) if not char.isspace() and char not in "-_")
    if not any(char.isalnum() for char in key):
        # Letters Unidecode cannot spell: the names themselves, compared without case.
        key = "".join(unicodedata.normalize("NFKC", name).casefold().split())
    return key


def slug_for(name: str) -> str:
    """The slug a name gets ("Corée du Nord" → "coree-du-nord"); "sujet" for no letters."""
    slug = slugify(name, max_length=TAG_SLUG_MAX - 4)
    return "sujet" if slug == "article" and "article" not in name.casefold() else slug


def _slug_taken(slug: str, exclude_id: int | None = None) -> bool:
    tag = Tag.by_slug(slug)
    if tag is not None and tag.id != exclude_id:
        return True
    redirect = db.session.get(TagRedirect, slug)
    return redirect is not None and redirect.tag_id != exclude_id


def find(raw_name: str) -> Tag | None:
    """The existing tag a typed name means (same slug, or an old slug of it), or None.

    The one rule every typed name goes through (the article's sujets, a merge's target,
    the suggestions' "Créer"; a rename through clean_name and its own slug check).
    Raises ValueError (French) for a name clean_name refuses, and for a name whose slug
    is a tag's (or an old slug of it) while the names differ by more than case, accents
    and spacing (name_key): "C++" is not silently "C", the editor chooses."""
    name = clean_name(raw_name)
    slug = slug_for(name)
    tag = Tag.by_slug(slug)
    same = tag is not None and name_key(tag.name) == name_key(name)
    if tag is None:
        redirect = db.session.get(TagRedirect, slug)
        tag = redirect.tag if redirect is not None else None
        # An old slug keeps no name: the typed name must spell that slug.
        same = tag is not None and name_key(name) == slug.replace("-", "")
    if tag is not None and not same:
        raise slug_twin(name, tag.name)
    return tag


def slug_twin(name: str, other: str) -> ValueError:
    """The refusal (French) of a name whose slug is the sujet `other`'s while the names
    differ (name_key): "« C++ » a la même adresse que le sujet « C »…"."""
    return ValueError(
        _(
            "« %(name)s » a la même adresse que le sujet « %(other)s » : "
            "choisissez un autre nom ou ce sujet.",
            name=_quoted(name),
            other=other,
        )
    )


def find_or_create(raw_name: str) -> Tag:
    """The tag named `raw_name`: an existing one whose slug matches (an old slug of a
    renamed or merged tag leads to the tag it now is), or a new one added to the session.
    Raises ValueError (French) as find() does."""
    name = clean_name(raw_name)
    tag = find(name)
    if tag is not None:
        return tag
    tag = Tag(name=name, slug=unique_slug(slug_for(name), _slug_taken), description="")
    db.session.add(tag)
    db.session.flush()
    return tag


def suggestions(typed: str, limit: int = SUGGESTIONS_MAX) -> list[Tag]:
    """Existing tags whose name has a word starting with what was typed, folded
    ("coree" and "Corée" find "Corée du Nord"; "nord" too); those whose name starts
    with it first, then by name. Empty for nothing typed."""
    match = _word_prefix(typed)
    if match is None:
        return []
    starts, any_word = match
    statement = (
        select(Tag)
        .where(any_word)
        .order_by(starts.desc(), func.lower(Tag.name), Tag.id)
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def _word_prefix(typed: str):
    """SQL conditions for what was typed, folded into a slug: (the slug starts with it,
    a word of the slug starts with it); None for text that names no tag."""
    try:
        prefix = slug_for(clean_name(typed))
    except ValueError:
        return None
    if prefix == "sujet" and "sujet" not in typed.casefold():
        return None
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    starts = Tag.slug.like(f"{escaped}%", escape="\\")
    return starts, or_(starts, Tag.slug.like(f"%-{escaped}%", escape="\\"))


def rename(tag: Tag, raw_name: str) -> Tag:
    """A new name, and the slug that goes with it; the old slug redirects (301) to the
    tag. Raises ValueError (French) when the new slug is another tag's (merge instead)."""
    name = clean_name(raw_name)
    slug = slug_for(name)
    if slug != tag.slug:
        if _slug_taken(slug, exclude_id=tag.id):
            other = find(name)
            raise ValueError(
                _(
                    "Le sujet « %(name)s » existe déjà : fusionnez plutôt les deux sujets.",
                    name=other.name if other is not None else name,
                )
            )
        reclaimed = db.session.get(TagRedirect, slug)  # its own old slug, taken back
        if reclaimed is not None:
            db.session.delete(reclaimed)
        db.session.add(TagRedirect(old_slug=tag.slug, tag_id=tag.id))
        tag.slug = slug
    tag.name = name
    db.session.flush()
    return tag


def describe(tag: Tag, raw_description: str) -> Tag:
    """Its description: plain text, NFC, lines kept, trimmed. Raises ValueError (French)
    past TAG_DESCRIPTION_MAX characters."""
    text = unicodedata.normalize("NFC", raw_description or "").replace("\r\n", "\n")
    text = _CONTROL.sub("", text.replace("\r", "\n")).strip()
    if len(text) > TAG_DESCRIPTION_MAX:
        raise ValueError(_("La description tient en %(max)d caractères.", max=TAG_DESCRIPTION_MAX))
    tag.description = text
    return tag


def merge(source: Tag, target: Tag) -> Tag:
    """`source` folded into `target`: its articles carry `target` instead (at source's
    place in their list, unless they carried `target` already, which keeps its place);
    its slug and old slugs redirect to `target`; `source` is deleted.
    Returns `target`. Raises ValueError (French) to merge a tag into itself."""
    if source.id == target.id:
        raise ValueError(_("Un sujet ne peut pas être fusionné avec lui-même."))
    already = set(
        db.session.scalars(select(ArticleTag.article_id).where(ArticleTag.tag_id == target.id))
    )
    links = db.session.scalars(select(ArticleTag).where(ArticleTag.tag_id == source.id)).all()
    for link in links:
        if link.article_id in already:
            db.session.delete(link)
        else:
            # A new row rather than a changed key: the primary key holds tag_id.
            db.session.add(
                ArticleTag(
                    article_id=link.article_id,
                    tag_id=target.id,
                    position=link.position,
                    published_at=link.published_at,
                )
            )
            db.session.delete(link)
    db.session.flush()
    db.session.execute(
        update(TagRedirect).where(TagRedirect.tag_id == source.id).values(tag_id=target.id)
    )
    db.session.add(TagRedirect(old_slug=source.slug, tag_id=target.id))
    db.session.delete(source)
    db.session.flush()
    # Articles loaded in this session still hold the old rows in their list.
    for article in db.session.identity_map.values():
        if isinstance(article, Article):
            db.session.expire(article, ["tag_links"])
    return target


def delete(tag: Tag) -> None:
    """Delete a tag no article carries (its redirects go with it). Raises ValueError
    (French) while articles carry it."""
    if article_count(tag):
        raise ValueError(
            _("Des articles portent encore ce sujet : retirez-le ou fusionnez-le d’abord.")
        )
    db.session.execute(TagRedirect.__table__.delete().where(TagRedirect.tag_id == tag.id))
    db.session.delete(tag)
    db.session.flush()


def article_count(tag: Tag) -> int:
    """How many articles (any state) carry the tag."""
    return db.session.scalar(
        select(func.count()).select_from(ArticleTag).where(ArticleTag.tag_id == tag.id)
    )


def listing(
    search: str = "", after_slug: str | None = None, per_page: int = 50
) -> list[tuple[Tag, int]]:
    """(tag, its articles in any state) in slug order, those matching `search` (folded, as
    suggestions()), past `after_slug` (the last row of the page before); `per_page` + 1
    rows so the caller knows whether more follow."""
    counts = (
        select(ArticleTag.tag_id, func.count().label("n"))
        .group_by(ArticleTag.tag_id)
        .subquery("counts")
    )
    statement = (
        select(Tag, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.tag_id == Tag.id)
        .order_by(Tag.slug)
    )
    if search.strip():
        match = _word_prefix(search)
        if match is None:
            return []
        statement = statement.where(match[1])
    if after_slug:
        statement = statement.where(Tag.slug > after_slug)
    return [(tag, n) for tag, n in db.session.execute(statement.limit(per_page + 1))]
