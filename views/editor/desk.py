"""The articles desk (/redaction/articles): every article the user may edit, and the trash.

One page, filtered by a GET form (state, section, author, sujet, words): htmx swaps the list as
the filters change and pushes the URL, so a filtered list is a shareable address; without
JavaScript the same form submits and gets the same page. Putting an article in the trash
asks for confirmation in a <details> of its row (no script needed); with htmx the answer
is the refreshed list, with a "Restaurer" button to undo.

The list and its counts: services/desk.py. The trash: services/trash.py.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Article, db
from models.listing import Cursor
from models.time import utcnow
from services import desk, trash
from views.access import register_staff_link
from views.editor import bp
from views.editor.parts import section_choices
from views.forms import EmptyForm
from views.htmx import article_url, wants_fragment

register_staff_link("editor.desk", _l("Articles"))

# ?etat= values (French, like every address on the site) -> services.desk.STATES.
STATE_PARAMS = {"": "", "brouillons": "draft", "programmes": "scheduled", "publies": "published"}
STATE_PARAMS["corbeille"] = "trash"
PARAM_OF_STATE = {state: param for param, state in STATE_PARAMS.items()}
STATE_LABELS = {
    "": _l("Tous"),
    "draft": _l("Brouillons"),
    "scheduled": _l("Programmés"),
    "published": _l("Publiés"),
    "trash": _l("Corbeille"),
}
PER_PAGE = 25


def _id_param(name: str) -> int | None:
    """An id from the query string (or the form); anything but a plain number: no filter."""
    raw = request.values.get(name, "")
    if raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return int(raw)
    return None


def requested_filters() -> desk.DeskFilters:
    """The desk's filters from the query string (or a form's fields, for the trash and
    restore forms): anything unknown or malformed falls back to "no filter"."""
    values = request.values
    return desk.DeskFilters(
        state=STATE_PARAMS.get(values.get("etat", ""), ""),
        section_id=_id_param("rubrique"),
        author_id=_id_param("auteur"),
        search=" ".join(values.get("q", "").split())[: desk.SEARCH_MAX],
        tag_id=_id_param("sujet"),
    )


def filter_args(filters: desk.DeskFilters, **extra) -> dict:
    """The query string of a list with these filters (empty ones left out), for links."""
    args = {
        "etat": PARAM_OF_STATE[filters.state] or None,
        "rubrique": filters.section_id,
        "auteur": filters.author_id,
        "q": filters.search or None,
        "sujet": filters.tag_id,
    }
    return {key: value for key, value in {**args, **extra}.items() if value is not None}


def _before() -> Cursor | None:
    """?avant=: where the page starts; junk is a 404, as on every keyset list."""
    raw = request.args.get("avant")
    if raw is None:
        return None
    try:
        return desk.DESK_ORDER.parse(raw)
    except ValueError:
        abort(404)


def render_desk(filters: desk.DeskFilters, before: Cursor | None = None, notice=None):
    """The desk's page, or (htmx) its list with the counts swapped out of band."""
    articles, older = desk.page(current_user, filters, PER_PAGE, before)
    if not articles and before is not None:
        abort(404)  # a cursor past the last article
    context = {
        "articles": articles,
        "older": older,
        "is_first": before is None,
        "filters": filters,
        "filter_args": filter_args,
        "counts": desk.counts(current_user, filters),
        "state_labels": STATE_LABELS,
        "state_params": PARAM_OF_STATE,
        "sections": section_choices(),
        "authors": desk.authors(current_user) if current_user.is_editor else [],
        "tags": desk.tags(current_user),
        "notice": notice,
        "action_form": EmptyForm(),
        "trash_days": current_app.config["GAZETTE_TRASH_DAYS"],
        "now": utcnow(),
    }
    if not wants_fragment():
        return render_template("editor/desk.html", **context)
    html = render_template("editor/_desk_results.html", oob_counts=True, **context)
    if request.method == "GET":
        # The address htmx pushes: the list's own, without the form's empty fields.
        args = filter_args(filters, avant=str(before) if before else None)
        return html, {"HX-Push-Url": url_for("editor.desk", **args)}
    return html


@bp.get("/articles", endpoint="desk")
def desk_page():
    """Every article the user may edit, newest created first, filtered and searched."""
    return render_desk(requested_filters(), _before())


def trashable_article(article_id: int) -> Article:
    """The article, if the current user may trash or restore it (User.can_trash): 404 if
    there is none, 403 if not (an author's published article: only editors may)."""
    article = db.get_or_404(Article, article_id)
    if not current_user.can_trash(article):
        abort(403)
    return article


def _after_move(article: Article, notice: str, back_to_article: bool):
    """Where a trash or restore lands: the refreshed list (htmx), else a redirect."""
    if wants_fragment():
        return render_desk(requested_filters(), notice=notice)
    if back_to_article:  # the banner's absence says it: reader pages read no flash
        return redirect(article_url(article))
    flash(notice)
    return redirect(url_for("editor.desk", **filter_args(requested_filters())))


@bp.post("/articles/<int:article_id>/corbeille")
def trash_article(article_id: int):
    """Move an article to the trash (confirmed in its row); its readers lose it at once."""
    article = trashable_article(article_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not article.is_trashed:  # twice (two tabs, a double click): nothing more to do
        trash.trash(article, current_user)
        db.session.commit()
    notice = _("L’article « %(headline)s » est dans la corbeille.", headline=article.headline)
    return _after_move(article, notice, back_to_article=False)


@bp.post("/articles/<int:article_id>/restaurer")
def restore_article(article_id: int):
    """Take an article out of the trash, exactly as it was before."""
    article = trashable_article(article_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if article.is_trashed:
        trash.restore(article, current_user)
        db.session.commit()
    notice = _("L’article « %(headline)s » est sorti de la corbeille.", headline=article.headline)
    return _after_move(article, notice, back_to_article=request.form.get("depuis") == "article")
