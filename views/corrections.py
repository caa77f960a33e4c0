"""Corrections: an editor appends a dated correction to a published article, in place.

The corrections section at the foot of the article (reading/_corrections.html) is one
part of the page, like the editor's parts: "Ajouter une correction" swaps the section for
itself with a form open; publishing swaps it back with the new correction listed. A
correction is never edited or deleted: it is the newsroom's public record. Each one sets
the article's updated_at (dateModified, "Mis à jour le …") and writes a revision.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import TextAreaField

from models import Article, Correction, db
from models.correction import CORRECTION_MAX, CORRECTION_ORDER
from models.listing import Cursor
from models.time import utcnow
from views.forms import Cleaned, Form, cleaned
from views.htmx import (
    InPlaceEditing,
    article_url,
    editable_article,
    fragment,
    saved,
    wants_fragment,
)

bp = Blueprint("corrections", __name__)
# /corrections is public; everything under /redaction is in-place editing.
editing = InPlaceEditing(bp, public=("index",))

PER_PAGE = 20
SECTION = "reading/_corrections.html"


class CorrectionForm(Form):
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


def render_section(article, form=None, status: int = 200, **context):
    """The corrections section: the list, and the form when one is open."""
    return fragment(SECTION, status, article=article, correction_form=form, **context)


@editing.form_back("create")
def resubmit(status: int, article_id: int):
    """The posted correction, given back as typed (expired session or CSRF token).

    The section around it is what readers of the live article see; a draft has no
    public section, so nothing is shown around the form: a bare 401/400.
    """
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


def _before() -> Cursor | None:
    """?avant=<created_at>_<id>: the last correction of the previous page; junk is a 404."""
    raw = request.args.get("avant")
    if raw is None:
        return None
    try:
        return CORRECTION_ORDER.parse(raw)
    except ValueError:
        abort(404)


@bp.get("/corrections")
def index():
    """Every correction on a live article, newest first, twenty a page."""
    before = _before()
    corrections, older_cursor = Correction.live_page(PER_PAGE, before)
    if not corrections and before is not None:
        abort(404)
    older = url_for(".index", avant=str(older_cursor)) if older_cursor else None
    return render_template(
        "corrections/index.html", corrections=corrections, older=older, is_first=before is None
    )
