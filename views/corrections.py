"""Corrections: an editor appends a dated correction to a published article, in place.

The corrections section at the foot of the article (reading/_corrections.html) is one
part of the page, like the editor's parts: "Ajouter une correction" swaps the section for
itself with a form open; publishing swaps it back with the new correction listed. A
correction is never edited or deleted: it is the newsroom's public record. Each one sets
the article's updated_at (dateModified, "Mis à jour le …") and writes a revision.
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from wtforms import TextAreaField

from models import Article, Correction, db
from models.correction import CORRECTION_MAX
from models.time import utcnow
from views.access import wants_fragment
from views.editor import article_url, editable_article, fragment, saved
from views.editor_forms import Cleaned, cleaned

bp = Blueprint("corrections", __name__)

PER_PAGE = 20
# ?avant=<created_at>_<id>, exactly as this module writes it.
_BEFORE = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{6})?)_(\d{1,18})", re.ASCII)
SECTION = "reading/_corrections.html"


class CorrectionForm(FlaskForm):
    text = TextAreaField(
        _l("Correction à publier"),
        validators=[
            Cleaned(
                "plain",
                required=True,
                max_length=CORRECTION_MAX,
                message=_l("Écrivez la correction avant de la publier."),
            )
        ],
    )


@bp.before_request
def require_login_for_editing():
    """The editing routes need a login; an htmx save gets its form back, text intact."""
    if request.endpoint == "corrections.index" or current_user.is_authenticated:
        return None
    if request.endpoint == "corrections.create" and wants_fragment():
        return resubmit(401, **request.view_args)
    if wants_fragment():
        abort(401)
    return current_app.login_manager.unauthorized()


@bp.errorhandler(CSRFError)
def csrf_failed(error):
    """A stale CSRF token: the form comes back as typed, with a fresh token."""
    if request.endpoint == "corrections.create" and wants_fragment():
        try:
            return resubmit(400, **request.view_args)
        except HTTPException as refused:  # no such article: an abort() may not leave a handler
            return render_template("errors/error.html", error=refused), refused.code
    return render_template("errors/error.html", error=error), 400


@bp.after_request
def vary_on_htmx(response):
    if request.endpoint != "corrections.index":
        response.vary.add("HX-Request")
    return response


def render_section(article, form=None, status: int = 200, **context):
    """The corrections section: the list, and the form when one is open."""
    return fragment(SECTION, status, article=article, correction_form=form, **context)


def resubmit(status: int, article_id: int):
    article = db.get_or_404(Article, article_id)
    if not article.is_live:
        abort(status)  # nothing public to show around the form
    form = CorrectionForm(meta={"csrf": False})
    return render_section(article, form, status, reauth=True)


@bp.get("/redaction/articles/<int:article_id>/corrections")
def section(article_id: int):
    """The corrections as readers see them, with the "Ajouter une correction" button."""
    article = editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article, "corrections"))
    return render_section(article, focus_edit_button=True)


@bp.get("/redaction/articles/<int:article_id>/corrections/nouvelle")
def new(article_id: int):
    """The section with an empty correction form open."""
    article = editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article, "corrections"))
    return render_section(article, CorrectionForm(formdata=None))


@bp.post("/redaction/articles/<int:article_id>/corrections")
def create(article_id: int):
    """Publish a correction; an invalid one comes back (422) with its text."""
    article = editable_article(article_id)
    form = CorrectionForm()
    if not form.validate_on_submit():
        return render_section(article, form, 422)
    if not article.is_live:
        form.text.errors = [_("Seul un article publié peut recevoir une correction.")]
        return render_section(article, form, 422)
    article.corrections.append(
        Correction(text=cleaned(form.text), author_id=current_user.id, created_at=utcnow())
    )
    saved(article, _("Correction publiée"))  # sets updated_at (after created_at): dateModified
    if not wants_fragment():
        return redirect(article_url(article, "corrections"))
    return render_section(article, notice=_("Correction publiée."), focus_edit_button=True)


def _before_key() -> tuple[datetime, int] | None:
    """?avant=<created_at>_<id>: the last correction of the previous page."""
    raw = request.args.get("avant")
    if raw is None:
        return None
    match = _BEFORE.fullmatch(raw)
    try:
        return datetime.fromisoformat(match[1]), int(match[2])
    except (TypeError, ValueError):  # no match, or a date that does not exist
        abort(404)


@bp.get("/corrections")
def index():
    """Every correction on a live article, newest first, twenty a page."""
    before = _before_key()
    rows = Correction.published_page(PER_PAGE + 1, before)
    if not rows and before is not None:
        abort(404)
    corrections, more = rows[:PER_PAGE], len(rows) > PER_PAGE
    older = None
    if more:
        last = corrections[-1]
        older = url_for(".index", avant=f"{last.created_at.isoformat()}_{last.id}")
    return render_template(
        "corrections/index.html", corrections=corrections, older=older, is_first=before is None
    )
