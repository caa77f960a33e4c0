"""Sponsorship: the offer, the inquiry form, the thanks, and the privacy note.

An inquiry is committed (with its notification email in the outbox) before the thanks is
shown. Spam policy, in one place:
- invalid fields: 422, the form comes back with French errors and nothing is stored;
- honeypot filled, form posted faster than SPONSORSHIP_MIN_FILL_SECONDS, missing or
  forged start time, link-stuffed message: stored with status "spam" (quarantine, no
  email), the sender sees the usual thanks; a person may release it from the inbox;
- more accepted inquiries than SPONSORSHIP_LIMIT_PER_ADDRESS / _PER_EMAIL: 429, the form
  comes back with the text kept, nothing stored;
- expired or missing CSRF token: 400, the form comes back with the text and a fresh token;
- database unavailable: 503, the form comes back with the text, asking to retry;
- the same form received twice (a lost response and "Envoyer" pressed again, a client
  retry, two copies at once on two workers): stored and notified once, keyed on the
  nonce signed into the form; every copy gets the same thanks.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from extensions import limiter
from models import db
from models.sponsorship import (
    INQUIRY_MESSAGE_MAX,
    INQUIRY_MESSAGE_MIN,
    InquiryStatus,
    SponsorshipInquiry,
)
from models.time import utcnow
from services import outbox
from services.typography import lazy_number
from views.htmx import wants_fragment
from views.sponsorship_forms import InquiryForm, spam_reasons, submission_key
from views.urls import absolute_url_for

bp = Blueprint("sponsorship", __name__)


# Hints under some fields, shared by the page and the one-field partial.
FIELD_HINTS = {
    "email": _l("Nous vous répondrons à cette adresse."),
    "budget": _l("Hors taxes, pour l’ensemble de l’opération."),
    "period": _l("Par exemple : septembre 2026, ou le premier trimestre."),
    "message": _l(
        "Objectifs, public visé, contraintes : de %(min)s à %(max)s caractères.",
        min=lazy_number(INQUIRY_MESSAGE_MIN),
        max=lazy_number(INQUIRY_MESSAGE_MAX),
    ),
}


@bp.context_processor
def form_hints():
    return {"hints": FIELD_HINTS}


def _limit_per_address() -> str:
    return current_app.config["SPONSORSHIP_LIMIT_PER_ADDRESS"]


def _limit_per_email() -> str:
    return current_app.config["SPONSORSHIP_LIMIT_PER_EMAIL"]


def _email_key() -> str:
    return "sponsorship-email:" + request.form.get("email", "").strip().lower()[:254]


def _inquiry_was_stored(_response) -> bool:
    """Only stored inquiries count against the limits: a typo costs the sender nothing."""
    return bool(g.get("inquiry_stored"))


def _is_a_repeat() -> bool:
    """A copy of a submission already stored gets its thanks again, even at the limit."""
    if request.method != "POST":
        return False
    try:
        return SponsorshipInquiry.received(submission_key(request.form.get("started")))
    except SQLAlchemyError:
        db.session.rollback()
        return False  # the view will say the database is unavailable


@bp.route("/sponsoring", methods=["GET", "POST"])
@limiter.limit(
    _limit_per_address,
    methods=["POST"],
    deduct_when=_inquiry_was_stored,
    exempt_when=_is_a_repeat,
)
@limiter.limit(
    _limit_per_email,
    key_func=_email_key,
    methods=["POST"],
    deduct_when=_inquiry_was_stored,
    exempt_when=_is_a_repeat,
)
def inquiry():
    """The sponsorship offer and the inquiry form; the thanks once the inquiry is stored."""
    form = InquiryForm()
    if not form.validate_on_submit():
        return render_form(form, 422 if form.is_submitted() else 200)
    try:
        stored = store_once(form)
    except SQLAlchemyError:
        current_app.logger.exception("An inquiry could not be stored")
        db.session.rollback()
        return render_form(form, 503, problem="unavailable", headers={"Retry-After": "30"})
    if stored is not None:  # a repeat changes nothing and costs nothing against the limits
        g.inquiry_stored = True
        outbox.send_soon([message.id for message in stored.outbox_messages])
    if wants_fragment():
        return render_template("sponsorship/_thanks.html"), 200, {"Vary": "HX-Request"}
    return redirect(url_for(".thanks"), 303)


@bp.post("/sponsoring/verifier/<field_name>")
def validate_field(field_name: str):
    """One field checked when it loses focus (htmx): its partial, with or without an error."""
    if not wants_fragment():
        return redirect(url_for(".inquiry"), 303)
    form = InquiryForm()
    field = form.checkable_field(field_name)
    if field is None:
        return redirect(url_for(".inquiry"), 303)
    field.validate(form)
    return render_template("sponsorship/_field.html", form=form, field=field)


@bp.get("/sponsoring/merci")
def thanks():
    """Where the form leads without JavaScript, once the inquiry is stored."""
    return render_template("sponsorship/thanks.html")


@bp.get("/sponsoring/confidentialite")
def privacy():
    """What happens to the data sent through the form."""
    return render_template("sponsorship/privacy.html")


@bp.errorhandler(429)
def too_many_inquiries(error):
    """The text comes back with the explanation, so nothing typed is lost."""
    if request.endpoint != "sponsorship.inquiry" or request.method != "POST":
        return render_template("errors/error.html", error=error), 429
    return render_form(InquiryForm(), 429, problem="rate_limited")


@bp.errorhandler(CSRFError)
def session_expired(error):
    """An expired or missing CSRF token: the text comes back with a fresh token."""
    return render_form(InquiryForm(), 400, problem="session_expired")


def render_form(form: InquiryForm, status: int, problem: str | None = None, headers=None):
    """The whole page, or only the form for htmx; status says what went wrong, if anything."""
    headers = {"Vary": "HX-Request", "Cache-Control": "private, no-store", **(headers or {})}
    context = {"form": form, "problem": problem}
    if problem == "unavailable":
        context["nav_sections"] = list  # the navigation needs the database that just failed
    template = "sponsorship/_form.html" if wants_fragment() else "sponsorship/inquiry.html"
    return render_template(template, **context), status, headers


def store_once(form: InquiryForm) -> SponsorshipInquiry | None:
    """Store a valid submission unless this very form (its signed nonce) was already
    received: the new inquiry, or None for a repeat. Two copies racing on two workers
    both try to insert; the unique submission key lets one in, and the other finds it.
    Raises SQLAlchemyError when the database fails."""
    key = submission_key(form.started.data)
    if SponsorshipInquiry.received(key):
        return None
    try:
        return record_inquiry(form, spam_reasons(form), key)
    except IntegrityError:
        db.session.rollback()
        if SponsorshipInquiry.received(key):
            return None
        raise


def record_inquiry(
    form: InquiryForm, spam: list[str], submission_key: str | None = None
) -> SponsorshipInquiry:
    """Store the inquiry and, unless it is spam, its emails, in one transaction."""
    inquiry = SponsorshipInquiry(
        submission_key=submission_key,
        name=form.name.data,
        organisation=form.organisation.data,
        email=form.email.data.lower(),
        phone=form.phone.data or "",
        kind=form.kind.data,
        budget=form.budget.data,
        period=form.period.data or "",
        message=form.message.data,
        consent_at=utcnow(),
        status=InquiryStatus.SPAM if spam else InquiryStatus.NEW,
        spam_reason="; ".join(spam)[:200],
    )
    db.session.add(inquiry)
    if not spam:
        queue_inquiry_emails(inquiry)
    db.session.commit()
    return inquiry


def queue_inquiry_emails(inquiry: SponsorshipInquiry) -> None:
    """The newsroom's notification, and the sender's acknowledgement if configured."""
    config = current_app.config
    db.session.flush()  # the inquiry's id goes into the inbox link
    # On the configured site: the Host this anonymous request claims must not choose it.
    link = absolute_url_for("inbox.detail", inquiry_id=inquiry.id)
    outbox.queue(
        inquiry=inquiry,
        purpose="notification",
        to_address=config["SPONSORSHIP_NOTIFY_TO"] or config["NEWSROOM_EMAIL"],
        reply_to=inquiry.email,
        subject=_(
            "Demande de sponsoring : %(organisation)s (%(name)s)",
            organisation=inquiry.organisation,
            name=inquiry.name,
        )[:300],
        body=render_template("sponsorship/email/notification.txt", inquiry=inquiry, link=link),
    )
    if config["SPONSORSHIP_SEND_ACKNOWLEDGEMENT"]:
        outbox.queue(
            inquiry=inquiry,
            purpose="acknowledgement",
            to_address=inquiry.email,
            reply_to=config["NEWSROOM_EMAIL"],
            subject=_("Votre demande de sponsoring à %(site)s", site=config["SITE_NAME"]),
            body=render_template("sponsorship/email/acknowledgement.txt", inquiry=inquiry),
        )
