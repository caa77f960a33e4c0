"""The inquiry inbox: editors and admins work sponsorship inquiries here.

Each action on the detail page (status, assignment, note, another try of an email) is a
small form that swaps itself with htmx, and falls back to POST → redirect without it.
"""

from __future__ import annotations

from datetime import datetime

from babel.lists import format_list
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from models import User, db
from models.sponsorship import (
    NOTE_MAX,
    InquiryNote,
    InquiryStatus,
    NoteKind,
    OutboxMessage,
    SponsorshipInquiry,
    count_new,
    erase_email,
    inbox_query,
    staff_who_can_be_assigned,
    status_counts,
)
from services import inquiry_export, outbox
from services.typography import lazy_number
from views.access import editor_required, register_staff_link
from views.audit_trail import client_address
from views.forms import EmptyForm, Form
from views.htmx import wants_fragment
from views.pages import or_404, requested_page

bp = Blueprint("inbox", __name__, url_prefix="/redaction/demandes")

SEARCH_MAX = 100  # characters of ?q= the inbox searches for (and the box accepts)
SORT_LABELS = {
    "recent": _l("Plus récentes d’abord"),
    "ancien": _l("Plus anciennes d’abord"),
    "budget-haut": _l("Budget le plus élevé d’abord"),
    "budget-bas": _l("Budget le plus faible d’abord"),
}


class StatusForm(Form):
    status = SelectField(
        _l("Statut"),
        choices=[SelectChoice(s.value, s.label) for s in InquiryStatus],
        validate_choice=True,
    )


class AssignForm(Form):
    assignee = SelectField(_l("Assignée à"), coerce=int, validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignee.choices = [SelectChoice(0, _("Personne"))] + [
            SelectChoice(user.id, user.display_name) for user in staff_who_can_be_assigned()
        ]


class NoteForm(Form):
    body = TextAreaField(
        _l("Nouvelle note interne"),
        validators=[
            DataRequired(_l("Écrivez la note avant de l’ajouter.")),
            Length(
                max=NOTE_MAX,
                message=_l(
                    "Une note compte %(max)s caractères au plus.", max=lazy_number(NOTE_MAX)
                ),
            ),
        ],
        render_kw={"maxlength": NOTE_MAX},
    )


def inbox_link_label():
    """The account bar link, with the number of new inquiries as a badge."""
    try:
        new = count_new()
    except SQLAlchemyError:
        return _("Demandes")  # the account bar never breaks a page
    if not new:
        return _("Demandes")
    return Markup(
        '{} <span class="badge">{}<span class="visually-hidden"> {}</span></span>'
    ).format(escape(_("Demandes")), new, _("nouvelles") if new > 1 else _("nouvelle"))


register_staff_link("inbox.index", inbox_link_label, visible_to=lambda user: user.is_editor)


def _filters() -> dict:
    """The list filters from the query string; anything unknown falls back to the default."""
    status = request.args.get("statut", "")
    sort = request.args.get("tri", "recent")
    return {
        "status": status if status in set(InquiryStatus) else "",
        "search": request.args.get("q", "")[:SEARCH_MAX],
        "sort": sort if sort in SORT_LABELS else "recent",
    }


def _query(filters: dict):
    return inbox_query(filters["status"] or None, filters["search"], filters["sort"])


@bp.get("/")
@editor_required
def index():
    """Inquiries with a count per status, filtered, searched and sorted."""
    filters = _filters()
    page = db.paginate(
        _query(filters),
        page=requested_page(),
        per_page=current_app.config["SPONSORSHIP_INBOX_PER_PAGE"],
        error_out=False,
    )
    context = {
        "page": page,
        "filters": filters,
        "counts": status_counts(),
        "sorts": SORT_LABELS,
        "search_max": SEARCH_MAX,
    }
    template = "inbox/_results.html" if wants_fragment() else "inbox/index.html"
    return render_template(template, **context), {"Vary": "HX-Request"}


def _download_headers(extension: str) -> dict[str, str]:
    filename = f"demandes-sponsoring-{datetime.now():%Y-%m-%d}.{extension}"
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
    }


@bp.get("/export.csv")
@editor_required
def export():
    """The filtered list as CSV, for tools; ";" between cells in French, "," in English."""
    delimiter = inquiry_export.csv_delimiter(str(get_locale() or ""))
    return Response(
        stream_with_context(inquiry_export.csv_chunks(_query(_filters()), delimiter)),
        mimetype="text/csv",
        headers=_download_headers("csv"),
    )


@bp.get("/export.xlsx")
@editor_required
def export_xlsx():
    """The filtered list as an Excel workbook: every cell text, so none can be a formula."""
    return Response(
        inquiry_export.xlsx_bytes(_query(_filters())),
        mimetype=inquiry_export.XLSX_MIMETYPE,
        headers=_download_headers("xlsx"),
    )


def _inquiry(inquiry_id: int) -> SponsorshipInquiry:
    return or_404(db.session.get(SponsorshipInquiry, inquiry_id))


@bp.get("/<int:inquiry_id>")
@editor_required
def detail(inquiry_id: int):
    """One inquiry: what was sent, its status, who handles it, notes and emails."""
    inquiry = _inquiry(inquiry_id)
    return render_template("inbox/detail.html", **_detail_context(inquiry))


def _detail_context(inquiry, **forms) -> dict:
    return {
        "inquiry": inquiry,
        "status_form": forms.get("status_form") or StatusForm(formdata=None, status=inquiry.status),
        "assign_form": forms.get("assign_form")
        or AssignForm(formdata=None, assignee=inquiry.assignee_id or 0),
        "note_form": forms.get("note_form") or NoteForm(formdata=None),
        "action_form": EmptyForm(),
    }


def _answer(inquiry, partial: str, status: int = 200, **forms):
    """htmx gets the partial (plus the notes and emails, which may have changed);
    without htmx, back to the detail page."""
    if not wants_fragment():
        if status != 200:
            return render_template("inbox/detail.html", **_detail_context(inquiry, **forms)), status
        return redirect(url_for(".detail", inquiry_id=inquiry.id), 303)
    context = _detail_context(inquiry, **forms)
    return render_template(partial, **context, with_side_effects=True), status


@bp.post("/<int:inquiry_id>/statut")
@editor_required
def update_status(inquiry_id: int):
    """Move the inquiry along; releasing it from spam sends its notification."""
    inquiry = _inquiry(inquiry_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _answer(inquiry, "inbox/_status.html", 422, status_form=form)
    was_spam = inquiry.status == InquiryStatus.SPAM
    inquiry.change_status(InquiryStatus(form.status.data), by=current_user)
    released = was_spam and inquiry.status != InquiryStatus.SPAM
    if released and not inquiry.outbox_messages:
        from views.sponsorship import queue_inquiry_emails

        queue_inquiry_emails(inquiry)
    db.session.commit()
    if released:
        outbox.send_soon([message.id for message in inquiry.outbox_messages])
    return _answer(inquiry, "inbox/_status.html")


@bp.post("/<int:inquiry_id>/assignation")
@editor_required
def assign(inquiry_id: int):
    """Hand the inquiry to a colleague (or to nobody)."""
    inquiry = _inquiry(inquiry_id)
    form = AssignForm()
    if not form.validate_on_submit():
        return _answer(inquiry, "inbox/_assign.html", 422, assign_form=form)
    chosen = db.session.get(User, form.assignee.data) if form.assignee.data else None
    inquiry.assign(chosen, by=current_user)
    db.session.commit()
    return _answer(inquiry, "inbox/_assign.html")


@bp.post("/<int:inquiry_id>/notes")
@editor_required
def add_note(inquiry_id: int):
    """An internal note, signed and dated; an invalid one comes back with its text."""
    inquiry = _inquiry(inquiry_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _answer(inquiry, "inbox/_notes.html", 422, note_form=form)
    inquiry.notes.append(InquiryNote(author=current_user, kind=NoteKind.NOTE, body=form.body.data))
    db.session.commit()
    return _answer(inquiry, "inbox/_notes.html")


@bp.post("/<int:inquiry_id>/courriels/<int:message_id>/renvoyer")
@editor_required
def retry_email(inquiry_id: int, message_id: int):
    """Another try, now, for an email that failed or waits for its next try."""
    inquiry = _inquiry(inquiry_id)
    message = or_404(db.session.get(OutboxMessage, message_id))
    if message.inquiry_id != inquiry.id:
        abort(404)
    if EmptyForm().validate_on_submit() and message.status != "sent":
        outbox.requeue(message)
        db.session.commit()
        outbox.send_soon([message.id])
    return _answer(inquiry, "inbox/_outbox.html")


def _erased_counts(inquiries: int, notes: int, emails: int) -> str:
    """ "2 demandes, 1 note et 2 courriels", in the reader's language."""
    counts = [
        ngettext("%(num)d demande", "%(num)d demandes", inquiries),
        ngettext("%(num)d note", "%(num)d notes", notes),
        ngettext("%(num)d courriel", "%(num)d courriels", emails),
    ]
    return format_list(counts, locale=get_locale())


@bp.route("/<int:inquiry_id>/effacer", methods=["GET", "POST"])
@editor_required
def erase(inquiry_id: int):
    """Erase everything held about this inquiry's sender, after confirmation."""
    inquiry = _inquiry(inquiry_id)
    form = EmptyForm()
    if form.validate_on_submit():
        erased = erase_email(inquiry.email, by=current_user, ip=client_address())
        flash(
            _(
                "Données de %(email)s effacées : %(counts)s.",
                email=inquiry.email,
                counts=_erased_counts(**erased),
            )
        )
        return redirect(url_for(".index"), 303)
    held = db.session.scalar(select(func.count()).where(SponsorshipInquiry.email == inquiry.email))
    return render_template("inbox/erase.html", inquiry=inquiry, form=form, held=held)
