"""Form pieces shared by every blueprint: the text boundary, button-only forms, cleaned
text, kept choices.

- Form: the base of Gazette's forms; every text field it binds passes the text boundary
  (models.text.accept_text) before anything else reads it;
- EmptyForm: a button-only action ("Supprimer", "Restaurer", "Se déconnecter") still
  carries a CSRF token;
- Cleaned / cleaned() / clean_results() / notice_for(): every text typed into an editing
  form goes through services.richtext.clean_html, and the editor is told what was removed;
- keep_posted_choice(): a select given back to someone not logged in keeps only the
  posted choice, never the list read from the database (views.htmx).

Text fields reach the boundary one of two ways, and tests/test_text_boundary.py checks
that every form class of the app uses one for every text field:
- fields with a Cleaned validator (editor text): clean_html applies it; characters XML
  forbids are removed, the save goes on and the editor's notice says how many;
- every other text field of a Form: TextBoundary (below); the form comes back once with
  the characters removed and a message, so nothing is stored that its author has not seen.
"""

from __future__ import annotations

from flask_babel import get_translations, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from models.text import accept_text, describe_characters
from services.richtext import CleanResult, TooLongError, clean_html, removal_message


class TextBoundary:
    """A field filter: the field's text through models.text.accept_text.

    NFC; U+000B and U+000C become a line break (a space in a one-line field); any other
    character XML 1.0 forbids is removed from the text shown back, and the field gets an
    error saying so, which makes the form invalid this once. Form adds it to every text
    field it binds; it needs its field, to record that error.
    """

    def __init__(self, field):
        self.field = field
        self.multiline = isinstance(field, TextAreaField)

    def __call__(self, value):
        if not isinstance(value, str):
            return value
        accepted = accept_text(value, multiline=self.multiline)
        if accepted.removed:
            self.field.process_errors.append(
                ngettext(
                    "Un caractère invisible non autorisé (%(codes)s) a été retiré de ce "
                    "texte : vérifiez-le, puis envoyez à nouveau.",
                    "%(num)d caractères invisibles non autorisés (%(codes)s) ont été retirés "
                    "de ce texte : vérifiez-le, puis envoyez à nouveau.",
                    len(accepted.removed),
                    codes=describe_characters(accepted.removed),
                )
            )
        return accepted.text


def takes_text(field) -> bool:
    """Whether a bound field holds text someone typed: passwords and hidden tokens do not.

    A password is hashed, never shown or stored as text, and changing its code points
    would lock its owner out; hidden fields carry the app's own tokens, checked exactly.
    """
    return isinstance(field, StringField) and not isinstance(field, (PasswordField, HiddenField))


def applies_boundary(field) -> bool:
    """Whether a bound text field passes the text boundary: a Cleaned validator or TextBoundary."""
    return any(isinstance(v, Cleaned) for v in field.validators) or any(
        isinstance(f, TextBoundary) for f in field.filters
    )


class Form(FlaskForm):
    """The base of Gazette's forms: every text field passes the text boundary first.

    Fields with a Cleaned validator are left to it: clean_html applies the same boundary
    and tells the editor in the usual notice.
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if takes_text(field) and not applies_boundary(field):
                field.filters = (TextBoundary(field), *field.filters)
            return field


class EmptyForm(Form):
    """A button-only action still carries a CSRF token."""


class Cleaned:
    """Validator: pass the field through richtext.clean_html and keep the result on the field.

    Every write from an editing form goes through this, so nothing reaches the database
    unsanitised. `kind` is a clean_html kind ("plain", "paragraph", "list_item");
    `required` refuses text that is empty once cleaned (e.g. only a script); `max_length`
    counts characters of the cleaned HTML and is shown as "%(max)d caractères au maximum.".
    """

    def __init__(
        self, kind: str, required: bool = False, max_length: int | None = None, message=None
    ):
        self.kind, self.required, self.max_length = kind, required, max_length
        self.message = message or _l("Ce champ est obligatoire.")

    def __call__(self, form, field):
        try:
            field.cleaned = clean_html(field.data, self.kind)
        except TooLongError:
            raise StopValidation(_l("Ce texte est trop long.")) from None
        if self.required and not field.cleaned.html.strip():
            raise StopValidation(self.message)
        if self.max_length and len(field.cleaned.html) > self.max_length:
            raise ValidationError(_l("%(max)d caractères au maximum.", max=self.max_length))


def cleaned(field) -> str:
    """The field's cleaned HTML (set by Cleaned during validation), or "" if it has none."""
    return field.cleaned.html if hasattr(field, "cleaned") else ""


def clean_results(form) -> list[CleanResult]:
    """Every Cleaned result in a form, list entries included, for the removal notice."""
    results = []
    for field in form:
        entries = field.entries if isinstance(field, FieldList) else [field]
        results += [entry.cleaned for entry in entries if hasattr(entry, "cleaned")]
    return results


def notice_for(results: list[CleanResult]) -> str | None:
    """ "2 styles et 1 script ont été retirés." when cleaning removed anything, else None."""
    merged: dict[str, int] = {}
    for result in results:
        for category, count in result.removed:
            merged[category] = merged.get(category, 0) + count
    # The catalogue's own functions: flask_babel's gettext/ngettext would %-format too early.
    translations = get_translations()
    return removal_message(
        CleanResult("", tuple(merged.items())),
        ngettext=translations.ngettext,
        gettext=translations.gettext,
    )


def keep_posted_choice(field) -> None:
    """Offer only the posted choice, under a neutral label: no list read from the database."""
    posted = field.data
    field.choices = [] if posted is None else [SelectChoice(posted, _l("Votre choix (conservé)"))]
