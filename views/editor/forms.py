"""The editor's forms, and the registry that says how each block kind is edited.

A block kind plugs into the editor with one BlockEditor entry: its form (a BlockForm that
knows how to load a block's data and produce new data), its form partial, and its labels.
The display partial is always templates/reading/blocks/_<kind>.html, the reader's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, ValidationError

from models.content import (
    EMBED_TITLE_MAX,
    HEADING_MAX,
    HEADLINE_MAX,
    LIST_ITEM_MAX,
    PARAGRAPH_MAX,
    PLAIN_MAX,
    SEO_DESCRIPTION_MAX,
    SEO_TITLE_MAX,
    SHORT_MAX,
    STANDFIRST_MAX,
    BlockKind,
)
from models.media import ALT_MAX, Media
from models.text import accept_text
from models.user import BIO_MAX
from services import embeds
from services.images import ImageRejected
from services.media import block_image_data, store_upload
from services.richtext import newlines_as_breaks, split_list_item, split_paragraphs
from views.forms import Cleaned, Form, cleaned

# Block data is JSON: these limits are the forms' alone.


# --------------------------------------------------------------------------- rich text typed in a textarea


class RichTextArea(TextAreaField):
    """A rich-text field's textarea: what the editor types is HTML, and a newline a <br>.

    Without JavaScript the editor types HTML source in the textarea itself, and the
    hint promises that line breaks are kept: newlines become <br> on arrival
    (richtext.newlines_as_breaks), before Cleaned sanitises. Shown again (a form loaded
    or given back), each <br> is followed by a newline, so that the textarea shows lines
    and saving it unchanged changes nothing. With JavaScript (editor.js) the contenteditable
    posts <br> for Enter, and reads the textarea the same way.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, filters=[newlines_as_breaks], **kwargs)

    def _value(self):
        return _BR_THEN_NOT_NEWLINE.sub("<br>\n", self.data or "")


_BR_THEN_NOT_NEWLINE = re.compile(r"<br\s*/?>(?!\r?\n)", re.IGNORECASE)


# --------------------------------------------------------------------------- article parts


def headline_field() -> TextAreaField:
    """The headline as the part form and the new-article form both ask for it."""
    return TextAreaField(
        _l("Titre"),
        validators=[
            Cleaned(
                "plain",
                required=True,
                max_length=HEADLINE_MAX,
                message=_l("Le titre ne peut pas être vide."),
            )
        ],
    )


class VersionedForm(FlaskForm):
    # The version of the part the form was loaded from: a stale save is a conflict.
    version = HiddenField()


class HeadlineForm(VersionedForm):
    headline = headline_field()
    update_slug = BooleanField(
        _l("Mettre à jour l’adresse de l’article (l’ancienne redirigera vers la nouvelle)")
    )


class StandfirstForm(VersionedForm):
    standfirst = TextAreaField(
        _l("Chapô"), validators=[Cleaned("plain", max_length=STANDFIRST_MAX)]
    )


class SectionForm(VersionedForm):
    section = SelectField(
        _l("Rubrique"), coerce=int, validators=[InputRequired(_l("Choisissez une rubrique."))]
    )


class BioForm(VersionedForm):
    bio = RichTextArea(_l("Biographie"), validators=[Cleaned("paragraph", max_length=BIO_MAX)])


PUBLICATION_CHOICES = [
    SelectChoice("draft", _l("Brouillon — non publié")),
    SelectChoice("now", _l("Publier maintenant")),
    SelectChoice("schedule", _l("Programmer la publication")),
]


class PublicationForm(VersionedForm):
    state = RadioField(
        _l("Publication"),
        choices=PUBLICATION_CHOICES,
        validators=[InputRequired(_l("Choisissez un état."))],
    )
    publish_at = DateTimeLocalField(
        _l("Date et heure de publication (heure de Paris)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    # Whether a scheduled time is given, and lies ahead, is checked on save (it needs "now").


# --------------------------------------------------------------------------- people, search and social


_ACCOUNT_ID = re.compile(r"[0-9]{1,18}", re.ASCII)


class AccountIdsField(Field):
    """Account ids in order, posted as repeated hidden inputs (the byline's authors).

    Anything but digits (junk, a forged value) makes the form invalid with a French
    message; whether each id names an active account is the part's check.
    """

    def process_formdata(self, valuelist):
        self.data = []
        for raw in valuelist:
            if _ACCOUNT_ID.fullmatch(raw.strip()) is None:
                raise ValueError(gettext("La liste des auteurs est illisible : rechargez la page."))
            self.data.append(int(raw))

    def _value(self):
        return ""


class AuthorsForm(VersionedForm):
    """The byline's authors in order; `action` is the button pressed: "ajouter",
    "monter-<id>", "descendre-<id>", "retirer-<id>", or empty for "Enregistrer"."""

    authors = AccountIdsField(_l("Auteurs"))
    add = SelectField(_l("Ajouter un auteur"), coerce=str, validate_choice=False)
    action = HiddenField()


class TagNamesField(Field):
    """Tag names in order, posted as repeated hidden inputs (the article's sujets).

    Each passes the text boundary (models.text.accept_text, one line); a name holding a
    character XML forbids makes the form invalid with a French message. Whether each
    name is acceptable (length, not empty) is the part's check (services.tags).
    """

    def process_formdata(self, valuelist):
        self.data = []
        for raw in valuelist:
            accepted = accept_text(raw, multiline=False)
            if accepted.removed:
                raise ValueError(gettext("La liste des sujets est illisible : rechargez la page."))
            self.data.append(accepted.text)

    def _value(self):
        return ""


class TagsForm(Form, VersionedForm):
    """The article's sujets in order; `add` takes new names (several separated by commas
    or lines, without JavaScript); `pick` is a suggestion chosen; `action` is the button
    pressed: "ajouter", "monter-<n>", "descendre-<n>", "retirer-<n>" (n: the tag's place
    in the list, from 0), or empty for "Enregistrer"."""

    tags = TagNamesField(_l("Sujets"))
    add = StringField(_l("Ajouter un sujet"))
    pick = StringField(_l("Suggestion choisie"))
    action = HiddenField()


class SeoForm(VersionedForm):
    """ "Référencement et partage": plain text, cleaned like a headline; empty: the default."""

    seo_title = StringField(
        _l("Titre pour les moteurs de recherche"),
        validators=[Cleaned("plain", max_length=SEO_TITLE_MAX)],
    )
    seo_description = TextAreaField(
        _l("Description"), validators=[Cleaned("plain", max_length=SEO_DESCRIPTION_MAX)]
    )
    social_image = RadioField(_l("Image de partage"), coerce=str, validate_choice=False)


class NewArticleForm(FlaskForm):
    headline = headline_field()
    section = SelectField(
        _l("Rubrique"), coerce=int, validators=[InputRequired(_l("Choisissez une rubrique."))]
    )
    author = SelectField(
        _l("Auteur"), coerce=int, validators=[InputRequired(_l("Choisissez un auteur."))]
    )


# --------------------------------------------------------------------------- blocks


class BlockForm(VersionedForm):
    """A block kind's form: `load` turns stored data into form data, `block_data` the reverse."""

    # Whether the form sends a file (multipart/form-data), and the status a refused save
    # answers with: 422, or 413 for an image too large to accept.
    has_file_upload = False
    error_status = 422

    @classmethod
    def load(cls, data: dict) -> dict:
        raise NotImplementedError

    def block_data(self) -> dict:
        raise NotImplementedError

    def blocks_data(self) -> list[dict]:
        """The data of every block this save makes: [block_data()] but for a paragraph."""
        return [self.block_data()]


class ParagraphForm(BlockForm):
    html = RichTextArea(
        _l("Paragraphe"),
        validators=[
            Cleaned(
                "paragraph",
                required=True,
                max_length=PARAGRAPH_MAX,
                message=_l("Le paragraphe ne peut pas être vide."),
            )
        ],
    )

    @classmethod
    def load(cls, data):
        return {"html": data.get("html", "")}

    def block_data(self):
        return {"html": cleaned(self.html)}

    def blocks_data(self):
        """One paragraph block per paragraph typed: a blank line starts a new one.

        Readers take a blank line for a new paragraph, so the save makes consecutive
        paragraph blocks of it (the editor is told, views.editor.blocks.split_notice)
        rather than storing "<br><br>" inside one.
        """
        return [{"html": html} for html in split_paragraphs(cleaned(self.html))] or [
            self.block_data()
        ]


class HeadingForm(BlockForm):
    text = StringField(
        _l("Intertitre"),
        validators=[
            Cleaned(
                "plain",
                required=True,
                max_length=HEADING_MAX,
                message=_l("L’intertitre ne peut pas être vide."),
            )
        ],
    )
    level = SelectField(
        _l("Niveau"),
        coerce=int,
        choices=[
            SelectChoice(2, _l("Intertitre (niveau 2)")),
            SelectChoice(3, _l("Sous-intertitre (niveau 3)")),
        ],
    )

    @classmethod
    def load(cls, data):
        return {"text": data.get("text", ""), "level": 3 if data.get("level") == 3 else 2}

    def block_data(self):
        return {"text": cleaned(self.text), "level": 3 if self.level.data == 3 else 2}


class QuoteForm(BlockForm):
    text = TextAreaField(
        _l("Citation"),
        validators=[
            Cleaned(
                "plain",
                required=True,
                max_length=PLAIN_MAX,
                message=_l("La citation ne peut pas être vide."),
            )
        ],
    )
    attribution = StringField(
        _l("Attribution (qui parle)"), validators=[Cleaned("plain", max_length=SHORT_MAX)]
    )

    @classmethod
    def load(cls, data):
        return {"text": data.get("text", ""), "attribution": data.get("attribution", "")}

    def block_data(self):
        return {"text": cleaned(self.text), "attribution": cleaned(self.attribution)}


# Blank entries offered after the existing items, for adding to a list without JavaScript.
LIST_SPARE_ITEMS = 2


class ListForm(BlockForm):
    items = FieldList(
        RichTextArea(_l("Élément"), validators=[Cleaned("list_item", max_length=LIST_ITEM_MAX)]),
        min_entries=1,
    )
    ordered = BooleanField(_l("Liste numérotée"))

    @classmethod
    def load(cls, data):
        return {
            "items": list(data.get("items", [])) + [""] * LIST_SPARE_ITEMS,
            "ordered": bool(data.get("ordered")),
        }

    def validate_items(self, field):
        if not any(cleaned(entry) for entry in field.entries):
            raise ValidationError(gettext("La liste doit avoir au moins un élément."))

    def block_data(self):
        # A list pasted as text into one item ("· un", "· deux" on their own lines, as
        # Word's plain text or a browser without JavaScript gives it) is several items.
        items = [item for entry in self.items.entries for item in split_list_item(cleaned(entry))]
        return {"items": items, "ordered": bool(self.ordered.data)}


class ImageChoice:
    """An image chosen for one use: a new upload, or an image of the library (by token).

    `image` is the file (checked and stored on arrival, services/media.store_upload),
    `choice` the token of a library image picked in editor/medias/_picker.html, `media` the
    image already chosen (kept when the form comes back with an error: nothing is sent
    twice). A library image brings its words: the use's alt text, caption and credit left
    blank take the library's (they are validated after, so a blank alt is still refused
    when the library has none). Declared before the words' fields: WTForms validates
    fields in the order they were declared.
    """

    image = FileField(_l("Photo (JPEG, PNG ou WebP, 10 Mo au maximum)"))
    choice = HiddenField()  # rendered as radio buttons by the picker
    media = HiddenField()
    # The picker's search: htmx asks editor.media_picker as the editor types; without
    # JavaScript, the "Rechercher" button posts the form, which comes back as typed with
    # the images found (validate_image refuses to save a search).
    q = StringField(_l("Rechercher une image de la médiathèque"))
    search = SubmitField(_l("Rechercher"))
    # Whether choosing nothing at all is allowed (the lead image may be removed).
    image_required = True

    def validate_image(self, field):
        if self.search.data:
            raise ValidationError(
                gettext("Choisissez une image parmi les résultats de la recherche, ci-dessous.")
            )
        if field.data is not None:
            self.media.data = self.upload(field.data).token
        elif self.choice.data:
            chosen = Media.by_token(self.choice.data)
            if chosen is None:
                raise ValidationError(gettext("Cette image n’est plus dans la médiathèque."))
            self.media.data = chosen.token
            for words in ("alt", "caption", "credit"):
                typed = getattr(self, words)
                if not (typed.data or "").strip():
                    typed.data = getattr(chosen, words)
        elif self.current_media() is None and self.image_required:
            raise ValidationError(gettext("Choisissez une image."))

    def upload(self, file) -> Media:
        limit = current_app.config["MEDIA_MAX_UPLOAD_BYTES"]
        data = file.read(limit + 1)
        if len(data) > limit:
            self.error_status = 413
            raise ValidationError(
                gettext(
                    "Ce fichier est trop lourd : %(max)d Mo au maximum. "
                    "Réduisez l’image, puis choisissez-la à nouveau.",
                    max=limit // (1024 * 1024),
                )
            )
        try:
            return store_upload(data, Path(current_app.config["MEDIA_ROOT"]), current_user.id)
        except ImageRejected as refusal:
            raise ValidationError(str(refusal)) from None

    def current_media(self) -> Media | None:
        return Media.by_token(self.media.data)

    def current_image(self) -> dict | None:
        """The chosen image's src, srcset and size, for the preview in the form."""
        media = self.current_media()
        return block_image_data(media) if media else None


class ImageForm(ImageChoice, BlockForm, Form):
    """A photo, its alt text, caption and credit: uploaded here, or chosen in the library."""

    has_file_upload = True
    alt = TextAreaField(
        _l("Texte alternatif"),
        validators=[
            Cleaned(
                "plain",
                required=True,
                max_length=ALT_MAX,
                message=_l("Décrivez l’image : le texte alternatif est obligatoire."),
            )
        ],
    )
    caption = TextAreaField(_l("Légende"), validators=[Cleaned("plain", max_length=PLAIN_MAX)])
    credit = StringField(_l("Crédit"), validators=[Cleaned("plain", max_length=SHORT_MAX)])

    @classmethod
    def load(cls, data):
        return {key: data.get(key, "") for key in ("media", "alt", "caption", "credit")}

    def block_data(self):
        return {
            **block_image_data(self.current_media()),
            "alt": cleaned(self.alt),
            "caption": cleaned(self.caption),
            "credit": cleaned(self.credit),
        }


# --------------------------------------------------------------------------- embeds (issue 13)


class EmbedForm(BlockForm, Form):
    """A video, post, sound or PDF from another site: its address, a title and a caption.

    The address is recognised by services.embeds (the provider, the iframe address, the
    frame origin); anything else is refused with the providers Gazette accepts, and the
    address stays in the field as typed. Form (views.forms) puts the address through the
    text boundary; the title and caption go through the sanitiser like every caption.
    """

    url = StringField(_l("Adresse du contenu"))
    title = StringField(
        _l("Titre (facultatif)"), validators=[Cleaned("plain", max_length=EMBED_TITLE_MAX)]
    )
    caption = TextAreaField(_l("Légende"), validators=[Cleaned("plain", max_length=PLAIN_MAX)])

    @classmethod
    def load(cls, data):
        return {key: data.get(key, "") for key in ("url", "title", "caption")}

    def validate_url(self, field):
        try:
            self.embed = embeds.recognise(field.data)
        except embeds.EmbedRefused as refused:
            raise ValidationError(str(refused)) from None

    def block_data(self):
        return self.embed.block_data(title=cleaned(self.title), caption=cleaned(self.caption))


class LeadImageForm(ImageChoice, VersionedForm, Form):
    """The article's lead image and this use's words; "remove" takes the image off.

    The alt text is required when there is an image (checked by the part, parts.LeadImage,
    which knows whether one is chosen): left blank, it takes the library's.
    """

    has_file_upload = True
    error_status = 422
    image_required = False
    remove = BooleanField(_l("Retirer l’image principale"))
    alt = TextAreaField(_l("Texte alternatif"), validators=[Cleaned("plain", max_length=ALT_MAX)])
    caption = TextAreaField(_l("Légende"), validators=[Cleaned("plain", max_length=PLAIN_MAX)])
    credit = StringField(_l("Crédit"), validators=[Cleaned("plain", max_length=SHORT_MAX)])


@dataclass(frozen=True)
class BlockEditor:
    """How one block kind is edited. Add an entry to BLOCK_EDITORS to make a kind editable."""

    kind: str
    form: type[BlockForm]
    form_template: str  # the form partial, rendered inside editor/_block_form.html
    name: object  # "Paragraphe", in the "add a block" chooser
    this: object  # "ce paragraphe", in button names: "Modifier ce paragraphe"


BLOCK_EDITORS: dict[str, BlockEditor] = {
    editor.kind: editor
    for editor in (
        BlockEditor(BlockKind.PARAGRAPH, ParagraphForm, "editor/blocks/_paragraph_fields.html", _l("Paragraphe"), _l("ce paragraphe")),
        BlockEditor(BlockKind.HEADING, HeadingForm, "editor/blocks/_heading_fields.html", _l("Intertitre"), _l("cet intertitre")),
        BlockEditor(BlockKind.QUOTE, QuoteForm, "editor/blocks/_quote_fields.html", _l("Citation"), _l("cette citation")),
        BlockEditor(BlockKind.LIST, ListForm, "editor/blocks/_list_fields.html", _l("Liste"), _l("cette liste")),
        BlockEditor(BlockKind.IMAGE, ImageForm, "editor/blocks/_image_fields.html", _l("Image"), _l("cette image")),
        BlockEditor(BlockKind.EMBED, EmbedForm, "editor/blocks/_embed_fields.html", _l("Contenu externe"), _l("ce contenu externe")),
    )
}  # fmt: skip


class RestoreForm(FlaskForm):
    """ "Restaurer cette version": what comes back besides the text, only when ticked.

    The labels are written by the template, with the state each box would bring back.
    """

    publication = BooleanField()
    sponsor = BooleanField()
    bio = BooleanField()
    authors = BooleanField()
