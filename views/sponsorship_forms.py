"""The sponsorship inquiry form: its fields, their limits, and the spam signals it carries."""

from __future__ import annotations

import re
import secrets
import time

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from models.sponsorship import (
    BUDGET_RANGES,
    INQUIRY_MESSAGE_MAX,
    INQUIRY_MESSAGE_MIN,
    INQUIRY_NAME_MAX,
    INQUIRY_ORGANISATION_MAX,
    INQUIRY_PERIOD_MAX,
    INQUIRY_PHONE_MAX,
    SPONSORSHIP_KINDS,
    SUBMISSION_KEY_MAX,
)
from models.user import EMAIL_MAX
from views.forms import Form

# More links than this in the message looks like link spam (quarantined, not refused).
MAX_LINKS_IN_MESSAGE = 3
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
# Line and paragraph separators as well as \r and \n: none belongs in a one-line field.
# (Control characters never get here: Form's text boundary removes them first, and
# turns Word's line break, U+000B, into a space.)
_LINE_BREAK = re.compile(r"[\n\r\v\f\x85\u2028\u2029]")
_PHONE = re.compile(r"^\+?[0-9 ().\-]{6,}$")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _unix_newlines(value):
    """Browsers send \r\n; count and store a line break as one character."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class SingleLine:
    """No line breaks in a one-line field."""

    def __call__(self, form, field):
        if field.data and _LINE_BREAK.search(field.data):
            raise StopValidation(
                _("Ce champ tient sur une seule ligne : retirez les retours à la ligne.")
            )


class PhoneNumber:
    def __call__(self, form, field):
        if field.data and not _PHONE.match(field.data):
            raise ValidationError(
                _(
                    "Indiquez un numéro de téléphone avec des chiffres (par exemple +33 1 23 45 67 89)."
                )
            )


def _length(maximum: int, minimum: int = -1, message=None):
    return Length(
        min=minimum,
        max=maximum,
        message=message or _l("%(max)d caractères au maximum.", max=maximum),
    )


def _choices(choices, placeholder):
    return [
        SelectChoice("", placeholder),
        *(SelectChoice(value, label) for value, label in choices),
    ]


def _list_field(label, options, missing_message, unknown_message) -> SelectField:
    """A required choice among `options` ((value, label) pairs), after a "Choisissez…" prompt.

    WTForms' own choice check is replaced by AnyOf so that a forged value gets a French
    sentence next to the field instead of WTForms' generic one.
    """
    return SelectField(
        label,
        choices=_choices(options, _l("Choisissez…")),
        validate_choice=False,
        validators=[
            DataRequired(missing_message),
            AnyOf([value for value, _label in options], unknown_message),
        ],
    )


class InquiryForm(Form):
    name = StringField(
        _l("Nom et prénom"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Indiquez votre nom.")),
            _length(INQUIRY_NAME_MAX),
            SingleLine(),
        ],
    )
    organisation = StringField(
        _l("Organisation"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Indiquez le nom de votre organisation.")),
            _length(INQUIRY_ORGANISATION_MAX),
            SingleLine(),
        ],
    )
    email = EmailField(
        _l("Adresse électronique"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Indiquez votre adresse électronique.")),
            _length(EMAIL_MAX),
            SingleLine(),
            Email(_l("Cette adresse électronique n’est pas valide (exemple : nom@domaine.fr).")),
        ],
    )
    phone = StringField(
        _l("Téléphone (facultatif)"),
        filters=[_strip],
        validators=[Optional(), _length(INQUIRY_PHONE_MAX), SingleLine(), PhoneNumber()],
    )
    kind = _list_field(
        _l("Type de sponsoring"),
        SPONSORSHIP_KINDS,
        _l("Choisissez un type de sponsoring."),
        _l("Choisissez un type de sponsoring dans la liste."),
    )
    budget = _list_field(
        _l("Budget envisagé"),
        BUDGET_RANGES,
        _l("Choisissez une fourchette de budget."),
        _l("Choisissez une fourchette de budget dans la liste."),
    )
    period = StringField(
        _l("Période souhaitée (facultatif)"),
        filters=[_strip],
        validators=[Optional(), _length(INQUIRY_PERIOD_MAX), SingleLine()],
    )
    message = TextAreaField(
        _l("Votre projet"),
        filters=[_unix_newlines, _strip],
        validators=[
            DataRequired(_l("Décrivez votre projet en quelques phrases.")),
            _length(
                INQUIRY_MESSAGE_MAX,
                INQUIRY_MESSAGE_MIN,
                message=_l(
                    "Votre message doit compter entre %(min)d et %(max)d caractères.",
                    min=INQUIRY_MESSAGE_MIN,
                    max=INQUIRY_MESSAGE_MAX,
                ),
            ),
        ],
    )
    consent = BooleanField(
        validators=[
            DataRequired(
                _l("Votre accord est nécessaire pour que nous puissions traiter votre demande.")
            )
        ],
    )
    # Spam signals: a signed "form shown at" time, and a field people never see.
    started = HiddenField()
    website = StringField(_l("Laissez ce champ vide"), validators=[Optional(), Length(max=500)])

    # Fields the htmx validation endpoint may check one at a time.
    CHECKABLE = (
        "name",
        "organisation",
        "email",
        "phone",
        "kind",
        "budget",
        "period",
        "message",
        "consent",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        privacy = url_for("sponsorship.privacy")
        self.consent.label.text = Markup('{} (<a href="{}">{}</a>).').format(
            _(
                "J’accepte que la rédaction conserve et utilise ces informations pour répondre à ma demande"
            ),
            privacy,
            _("note de confidentialité"),
        )
        if not self.is_submitted():
            self.started.data = sign_start_time()

    def checkable_field(self, name: str):
        return self[name] if name in self.CHECKABLE else None


# ---------------------------------------------------------------------------------------
# Spam signals. Quarantine (stored with status "spam", no email) rather than refusal, so a
# false positive costs a human a click, never an inquiry.


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="sponsorship-form-started")


def sign_start_time() -> str:
    """The form's signed token: when it was shown, and a nonce naming this one rendering.

    The nonce is the inquiry's submission key (models.sponsorship): the same form sent
    twice is stored once. A timestamp alone would not do: two people shown the form in
    the same second would get the same token.
    """
    return _serializer().dumps({"nonce": secrets.token_urlsafe(24)})


def submission_key(token: str | None) -> str | None:
    """The nonce of a genuine form token; None if missing, forged or of the old kind."""
    if not token:
        return None
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    nonce = payload.get("nonce") if isinstance(payload, dict) else None
    if isinstance(nonce, str) and 0 < len(nonce) <= SUBMISSION_KEY_MAX:
        return nonce
    return None


def seconds_since_start(token: str | None) -> float | None:
    """How long ago the form was shown; None if the token is missing or forged."""
    if not token:
        return None
    try:
        _payload, signed_at = _serializer().loads(token, return_timestamp=True)
    except BadSignature:
        return None
    return time.time() - signed_at.timestamp()


def spam_reasons(form: InquiryForm) -> list[str]:
    """Why a valid submission looks like spam; an empty list means it does not."""
    reasons = []
    if form.website.data:
        reasons.append(_("champ piège rempli"))
    elapsed = seconds_since_start(form.started.data)
    minimum = current_app.config["SPONSORSHIP_MIN_FILL_SECONDS"]
    if elapsed is None:
        reasons.append(_("horodatage absent ou falsifié"))
    elif elapsed < minimum:
        reasons.append(
            _(
                "rempli en %(seconds)d s (minimum %(minimum)d s)",
                seconds=max(elapsed, 0),
                minimum=minimum,
            )
        )
    links = len(_LINK.findall(form.message.data or ""))
    if links > MAX_LINKS_IN_MESSAGE:
        reasons.append(_("%(count)d liens dans le message", count=links))
    return reasons
