"""An article's history: who saved what and when, what changed since, and restoring it."""

from __future__ import annotations

import difflib
import re

from flask import abort, make_response, redirect
from flask_babel import gettext as _
from flask_babel import to_user_timezone

import views.editor
from models import Article, Revision, db
from services.richtext import to_plain_text
from views.editor import bp
from views.forms import EmptyForm
from views.htmx import article_url, editable_article, fragment, wants_fragment


def plain_text(snapshot: dict) -> str:
    """An article snapshot as plain text, one paragraph a line: what the diff compares."""
    lines = [snapshot["headline"], snapshot.get("standfirst", "")]
    for block in snapshot["blocks"]:
        data = block["data"]
        if block["kind"] == "list":
            lines += ["• " + to_plain_text(item) for item in data.get("items", [])]
        else:
            parts = [data.get(key, "") for key in ("html", "text", "attribution", "caption", "alt")]
            lines.append(" — ".join(to_plain_text(str(p)) for p in parts if p))
    return "\n".join(line for line in lines if line)


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
        form=EmptyForm(),
    )


@bp.post("/articles/<int:article_id>/historique/<int:revision_id>/restaurer")
def restore_revision(article_id: int, revision_id: int):
    """Put an earlier version back (itself a new revision), then show the whole page again."""
    article = editable_article(article_id)
    revision = article_revision(article, revision_id)
    when = to_user_timezone(revision.created_at).strftime("%d/%m/%Y %H:%M")
    article.restore(revision.snapshot)
    views.editor.saved(article, _("Version du %(date)s restaurée", date=when))
    response = redirect(article_url(article))
    if wants_fragment():  # the whole article changed: htmx reloads the page
        response = make_response("", 204)
        response.headers["HX-Redirect"] = article_url(article)
    return response
