"""Sponsors and sponsored articles.

- /redaction/sponsors: the list of sponsors, a form to add one, and one page per sponsor
  to change its name or link (plain forms: POST, redirect);
- a won inquiry becomes a sponsor in one step from the inbox ("Créer le sponsor");
- on the article page, editors set or remove the sponsor in place: the "sponsor" part
  (reading/_sponsor_label.html) swaps with its form, like the editor's parts.

Only editors and admins decide what is sponsored: it is a commercial commitment, not a
matter of wording, so an article's author cannot set it alone.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from models import Article, Sponsor, SponsorshipInquiry, db
from models.sponsor import SPONSOR_LINK_MAX, SPONSOR_NAME_MAX, is_web_link
from models.sponsorship import InquiryStatus
from views.access import editor_required, register_staff_link
from views.forms import Cleaned, EmptyForm, Form, cleaned, keep_posted_choice
from views.htmx import (
    InPlaceEditing,
    article_url,
    editable_article,
    fragment,
    saved,
    typed_only,
    wants_fragment,
)
from views.pages import or_404

bp = Blueprint("sponsors", __name__, url_prefix="/redaction")
editing = InPlaceEditing(bp)
register_staff_link("sponsors.index", _l("Sponsors"), visible_to=lambda user: user.is_editor)

PART = "reading/_sponsor_label.html"
PART_FORM = "editor/parts/_sponsor_form.html"


def web_link(form, field):
    """Empty, or an http(s) address: nothing else may become a link on readers' pages."""
    field.data = (field.data or "").strip()
    if field.data and not is_web_link(field.data):
        raise ValidationError(_l("Indiquez une adresse complète commençant par https://."))


class SponsorForm(Form):
    name = StringField(
        _l("Nom du sponsor"),
        validators=[
            Cleaned(
                "plain",
                required=True,
                max_length=SPONSOR_NAME_MAX,
                message=_l("Indiquez le nom du sponsor."),
            )
        ],
    )
    link = StringField(
        _l("Site du sponsor (facultatif)"),
        validators=[
            Length(max=SPONSOR_LINK_MAX, message=_l("Cette adresse est trop longue.")),
            web_link,
        ],
    )

    def save_to(self, sponsor: Sponsor) -> None:
        sponsor.name, sponsor.link = cleaned(self.name), self.link.data


class ArticleSponsorForm(Form):
    sponsor = SelectField(_l("Sponsor de l’article"), coerce=int, validate_choice=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if typed_only():  # given back to someone logged out: not the list of sponsors
            keep_posted_choice(self.sponsor)
            return
        self.sponsor.choices = [SelectChoice(0, _("Aucun : article non sponsorisé"))] + [
            SelectChoice(sponsor.id, sponsor.name) for sponsor in Sponsor.all_by_name()
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.sponsor.errors:  # WTForms' own message is English and technical
            self.sponsor.errors = [_("Choisissez un sponsor dans la liste.")]
        return valid


# --------------------------------------------------------------------------- sponsors


def sponsor_for_inquiry(inquiry: SponsorshipInquiry) -> Sponsor | None:
    """The sponsor made from this inquiry, for the inbox's detail page."""
    return Sponsor.for_inquiry(inquiry.id)


@bp.route("/sponsors", methods=["GET", "POST"])
@editor_required
def index():
    """Every sponsor, with a form to add one."""
    form = SponsorForm()
    if form.validate_on_submit():
        sponsor = Sponsor()
        form.save_to(sponsor)
        db.session.add(sponsor)
        db.session.commit()
        flash(_("Sponsor « %(name)s » ajouté.", name=sponsor.name))
        return redirect(url_for(".index"), 303)
    status = 422 if form.errors else 200
    return render_template("sponsors/index.html", sponsors=Sponsor.all_by_name(), form=form), status


@bp.route("/sponsors/<int:sponsor_id>", methods=["GET", "POST"])
@editor_required
def edit(sponsor_id: int):
    """Change a sponsor's name or link."""
    sponsor = or_404(db.session.get(Sponsor, sponsor_id))
    form = SponsorForm(obj=sponsor)
    if form.validate_on_submit():
        form.save_to(sponsor)
        db.session.commit()
        flash(_("Sponsor « %(name)s » enregistré.", name=sponsor.name))
        return redirect(url_for(".index"), 303)
    status = 422 if form.errors else 200
    return render_template("sponsors/edit.html", sponsor=sponsor, form=form), status


@bp.post("/demandes/<int:inquiry_id>/sponsor")
@editor_required
def create_from_inquiry(inquiry_id: int):
    """A won inquiry becomes a sponsor, named after its organisation."""
    inquiry = or_404(db.session.get(SponsorshipInquiry, inquiry_id))
    if not EmptyForm().validate_on_submit() or inquiry.status != InquiryStatus.WON:
        abort(400)
    sponsor = Sponsor.for_inquiry(inquiry.id)
    if sponsor is None:
        sponsor = Sponsor(name=cleaned_name(inquiry.organisation), inquiry_id=inquiry.id)
        db.session.add(sponsor)
        db.session.commit()
        flash(_("Sponsor « %(name)s » créé : ajoutez son site si besoin.", name=sponsor.name))
    return redirect(url_for(".edit", sponsor_id=sponsor.id), 303)


def cleaned_name(organisation: str) -> str:
    """The inquiry's organisation, already plain text (Jinja escapes it), as a sponsor name."""
    return organisation.strip()[:SPONSOR_NAME_MAX] or _("Sponsor sans nom")


# --------------------------------------------------------------------------- the article's sponsor part


def sponsor_editable_article(article_id: int) -> Article:
    """The article, if the current user may edit it and is an editor: else 404 or 403."""
    article = editable_article(article_id)
    if not current_user.is_editor:
        abort(403)
    return article


def render_form(article: Article, form, status: int = 200, **context):
    """The article's sponsor form, in place of the label."""
    return fragment(PART_FORM, status, article=article, form=form, **context)


@editing.form_back("save_article_sponsor")
def resubmit(status: int, article_id: int):
    """The posted choice, given back to save again (expired session or CSRF token).

    A logged-in requester passes the save's own check first (an author gets a 403, not
    the list of sponsors); a logged-out one gets only what was posted (typed_only)."""
    if current_user.is_authenticated:
        article = sponsor_editable_article(article_id)
    else:
        article = db.get_or_404(Article, article_id)
    return render_form(article, ArticleSponsorForm(meta={"csrf": False}), status, reauth=True)


@bp.get("/articles/<int:article_id>/sponsor")
def article_sponsor(article_id: int):
    """The sponsor label as readers see it, with its "Modifier le sponsor" button."""
    article = sponsor_editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article))
    return fragment(PART, article=article, focus_edit_button=True)


@bp.get("/articles/<int:article_id>/sponsor/modifier")
def article_sponsor_form(article_id: int):
    """The choice of sponsor, in place of the label."""
    article = sponsor_editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article))
    return render_form(article, ArticleSponsorForm(formdata=None, sponsor=article.sponsor_id or 0))


@bp.post("/articles/<int:article_id>/sponsor")
def save_article_sponsor(article_id: int):
    """Set or remove the article's sponsor; answer with the label (or the form, 422)."""
    article = sponsor_editable_article(article_id)
    form = ArticleSponsorForm()
    if not form.validate_on_submit():
        return render_form(article, form, 422)
    article.sponsor = db.session.get(Sponsor, form.sponsor.data) if form.sponsor.data else None
    saved(article, _("Sponsor modifié") if article.sponsor else _("Sponsor retiré"))
    if not wants_fragment():
        return redirect(article_url(article))
    return fragment(PART, article=article, focus_edit_button=True)
