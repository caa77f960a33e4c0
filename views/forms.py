"""Form pieces shared by every blueprint: button-only forms, cleaned text, kept choices.

- EmptyForm: a button-only action ("Supprimer", "Restaurer", "Se déconnecter") still
  carries a CSRF token;
- Cleaned / cleaned() / clean_results() / notice_for(): every text typed into an editing
  form goes through services.richtext.clean_html, and the editor is told what was removed;
- keep_posted_choice(): a select given back to someone not logged in keeps only the
  posted choice, never the list read from the database (views.htmx).
"""

from __future__ import annotations

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from services.richtext import CleanResult, TooLongError, clean_html, removal_message


class EmptyForm(FlaskForm):
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
