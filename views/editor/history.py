"""An article's history: who saved what and when, what changed since, and restoring it.

The comparison shows every difference between a revision and the article as it is: the
text word by word (headline, standfirst, blocks, image files and fields included), and
a table of the rest (section, publication state and date, address, sponsor, the
author's bio). Restoring brings back the text and the section; the publication state,
the sponsor and the bio come back only when the editor ticks them in the same form, so
a restore never unpublishes a live article behind anyone's back (issue 11). The address
is never restored: a public address changes only through the headline's form.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime
from posixpath import basename

from flask import abort, make_response, redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from flask_login import current_user

import views.editor
from models import Article, Revision, Section, db
from models.slugs import slugify
from models.time import utcnow
from services.richtext import to_plain_text
from services.typography import publication_datetime
from views.editor import bp
from views.editor.forms import RestoreForm
from views.editor.parts import change_slug
from views.forms import EmptyForm
from views.htmx import article_url, editable_article, fragment, wants_fragment


def plain_text(snapshot: dict) -> str:
    """An article snapshot as plain text, one paragraph a line: what the diff compares.

    An image block reads "[Image : <file>] alt — caption — credit", so that a replaced
    photo or a changed credit shows in the diff too; an embed "[Contenu externe : <address>]
    title — caption".
    """
    lines = [snapshot["headline"], snapshot.get("standfirst", "")]
    for block in snapshot["blocks"]:
        data = block["data"]
        if block["kind"] == "list":
            lines += ["• " + to_plain_text(item) for item in data.get("items", [])]
            continue
        keys = ("html", "text", "attribution", "alt", "caption", "credit")
        parts = [to_plain_text(str(data[key])) for key in keys if data.get(key)]
        if block["kind"] == "image":
            parts.insert(
                0, "[" + _("Image : %(file)s", file=basename(str(data.get("src", "")))) + "]"
            )
        if block["kind"] == "embed":  # a changed address or title shows in the diff too
            shown = [str(data.get("title") or "")] if data.get("title") else []
            label = _("Contenu externe : %(url)s", url=str(data.get("url", "")))
            parts = ["[" + label + "]", *shown, *parts]
        lines.append(" — ".join(parts))
    return "\n".join(line for line in lines if line)


# What the text diff does not show, in the order of the comparison table.
# restored: "always" (with the text), "ask" (a checkbox in the restore form), "never".
@dataclass(frozen=True)
class Difference:
    """One field that differs between a revision and the article: labels to show, not values."""

    key: str  # "section", "publication", "slug", "sponsor", "bio": the restore form's field
    label: str
    then: str  # as in the revision
    now: str  # as the article is
    restored: str


def publication_label(status: str, published_at: datetime | None) -> str:
    """ "Brouillon — non publié", "Programmé pour le …" or "Publié le …" for a state."""
    if status != "published" or published_at is None:
        return _("Brouillon — non publié")
    if published_at > utcnow():
        return _("Programmé pour le %(date)s", date=publication_datetime(published_at))
    return _("Publié le %(date)s", date=publication_datetime(published_at))


def _section_label(section_id: int | None) -> str:
    section = db.session.get(Section, section_id) if section_id is not None else None
    if section is None:
        return _("(rubrique supprimée)")
    return section.trail_name


def _published_at(snapshot: dict) -> datetime | None:
    value = snapshot.get("published_at")
    return datetime.fromisoformat(value) if value else None


def other_differences(then: dict, article: Article) -> list[Difference]:
    """Every difference the text diff does not show; keys an older revision lacks are skipped."""
    now = article.snapshot()
    found: list[Difference] = []
    if then.get("section_id") != now["section_id"]:
        found.append(Difference("section", _("Rubrique"), _section_label(then.get("section_id")),
                                _section_label(now["section_id"]), "always"))  # fmt: skip
    if (then.get("status"), then.get("published_at")) != (now["status"], now["published_at"]):
        found.append(Difference(
            "publication", _("Publication"),
            publication_label(then.get("status", "draft"), _published_at(then)),
            publication_label(now["status"], _published_at(now)), "ask",
        ))  # fmt: skip
    if "slug" in then and then["slug"] != now["slug"]:
        found.append(Difference("slug", _("Adresse"), then["slug"], now["slug"], "never"))
    if "sponsor_id" in then and then["sponsor_id"] != now["sponsor_id"]:
        none = _("Aucun sponsor")
        found.append(Difference("sponsor", _("Sponsor"), then.get("sponsor_name") or none,
                                now["sponsor_name"] or none, "ask"))  # fmt: skip
    if (
        "author_bio" in then
        and then.get("author_id") == now["author_id"]
        and then["author_bio"] != now["author_bio"]
    ):
        empty = _("(vide)")
        found.append(Difference("bio", _("Biographie de l’auteur"),
                                to_plain_text(then["author_bio"]) or empty,
                                to_plain_text(now["author_bio"]) or empty, "ask"))  # fmt: skip
    if "author_ids" in then and then["author_ids"] != now["author_ids"]:
        found.append(Difference("authors", _("Auteurs"), ", ".join(then.get("author_names", [])),
                                ", ".join(now["author_names"]), "ask"))  # fmt: skip
    for key, label in (("seo_title", _("Titre pour les moteurs de recherche")),
                       ("seo_description", _("Description pour les moteurs de recherche"))):  # fmt: skip
        if key in then and then[key] != now[key]:
            empty = _("(vide)")
            found.append(Difference(key, label, then[key] or empty, now[key] or empty, "always"))
    return found


RESTORED_LABELS = {
    "always": _l("rétablie avec le texte"),
    "ask": _l("seulement si vous cochez la case ci-dessous"),
    "never": _l("non : l’adresse actuelle est conservée"),
}


# A word with the spaces after it: a changed phrase reads as one <del> and one <ins>.
_WORDS = re.compile(r"^\s+|\S+\s*")


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(operation, text) pieces, word by word: "same", "del" (old only) or "ins" (new only)."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("ins", "".join(b[j1:j2])))
    return pieces


def article_revision(article: Article, revision_id: int) -> Revision:
    """A revision of this article; 404 if it belongs to another one (or to none)."""
    revision = db.get_or_404(Revision, revision_id)
    if revision.article_id != article.id:
        abort(404)
    return revision


@bp.get("/articles/<int:article_id>/historique")
def history(article_id: int):
    """The history panel: who saved what, and when."""
    article = editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article))
    return fragment(
        "editor/_history.html",
        article=article,
        revisions=Revision.for_article(article.id),
        form=EmptyForm(),
    )


@bp.get("/articles/<int:article_id>/historique/<int:revision_id>")
def revision_diff(article_id: int, revision_id: int):
    """What changed between a revision and the current text."""
    article = editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article))
    revision = article_revision(article, revision_id)
    pieces = text_diff(plain_text(revision.snapshot), plain_text(article.snapshot()))
    return fragment(
        "editor/_revision_diff.html",
        article=article,
        revision=revision,
        pieces=pieces,
        differences=other_differences(revision.snapshot, article),
        restored_labels=RESTORED_LABELS,
        form=RestoreForm(),
    )


@bp.post("/articles/<int:article_id>/historique/<int:revision_id>/restaurer")
def restore_revision(article_id: int, revision_id: int):
    """Put an earlier version back (itself a new revision), then show the whole page again.

    The text and section come back; the publication state, sponsor and bio only when
    their box is ticked (RestoreForm). A draft's address follows its restored headline,
    as it does when the headline is saved; a public address never changes here.
    """
    article = editable_article(article_id)
    revision = article_revision(article, revision_id)
    form = RestoreForm()  # the CSRF token was checked app-wide (CSRFProtect)
    when = to_user_timezone(revision.created_at).strftime("%d/%m/%Y %H:%M")
    article.restore(
        revision.snapshot,
        publication=form.publication.data,
        sponsor=form.sponsor.data,
        bio=form.bio.data,
        # An author restores a byline only if it still has them (Authors part's rule).
        authors=form.authors.data
        and (current_user.is_editor or current_user.id in revision.snapshot.get("author_ids", [])),
    )
    if article.state == "draft":
        change_slug(article, slugify(article.headline))
    views.editor.saved(article, _("Version du %(date)s restaurée", date=when))
    response = redirect(article_url(article))
    if wants_fragment():  # the whole article changed: htmx reloads the page
        response = make_response("", 204)
        response.headers["HX-Redirect"] = article_url(article)
    return response
