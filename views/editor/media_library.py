"""The media library, /redaction/medias: every uploaded image, its words, where it is
used, its focal point; and the picker that reuses an image in an image block or as a lead
image without sending it again.

Who may do what (the authorisation matrix has a row per route):
- any staff account sees the library, searches it, uploads to it and picks from it;
- an image's words and focal point are changed by editors and admins, and by the one who
  uploaded it (they show on every article using it);
- deleting: editors and admins, and the uploader; always refused, with the list of the
  articles, while an article uses the image (MediaUse, services/media.py).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import ValidationError

from models import db
from models.content import PLAIN_MAX
from models.listing import Cursor, Keyset
from models.media import ALT_MAX, CREDIT_MAX, Media
from services.images import ImageRejected
from services.media import (
    MediaInUse,
    articles_using,
    delete_media,
    describe,
    set_focal_point,
    store_upload,
)
from views.access import register_staff_link
from views.editor import bp
from views.forms import Cleaned, EmptyForm, Form, cleaned
from views.htmx import wants_fragment

register_staff_link("editor.media_library", _l("Médiathèque"))

PER_PAGE = 24
PICKER_SIZE = 12
MEDIA_ORDER = Keyset(id=Media.id)  # newest first: ids grow with uploads
# A picker's radio buttons are named after the form field they fill ("une-choice").
FIELD_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")


class MediaWordsForm(Form):
    """The library's words for an image: the defaults each new use starts from."""

    alt = TextAreaField(_l("Texte alternatif"), validators=[Cleaned("plain", max_length=ALT_MAX)])
    caption = TextAreaField(_l("Légende"), validators=[Cleaned("plain", max_length=PLAIN_MAX)])
    credit = StringField(_l("Crédit"), validators=[Cleaned("plain", max_length=CREDIT_MAX)])


class UploadForm(MediaWordsForm):
    image = FileField(_l("Photo (JPEG, PNG ou WebP, 10 Mo au maximum)"))

    def validate_image(self, field):
        if field.data is None:
            raise ValidationError(_("Choisissez une image."))


def fraction(value: str | None) -> float | None:
    """A focal coordinate typed or clicked: a number from 0 to 1, else None (junk, NaN, 1e999)."""
    try:
        number = float((value or "").replace(",", ".").strip())
    except ValueError:
        return None
    return number if math.isfinite(number) and 0.0 <= number <= 1.0 else None


class FocalForm(Form):
    """The focal point, as the percentages the keyboard fallback shows (0 to 100)."""

    x = StringField(_l("Horizontal (0 = bord gauche, 100 = bord droit)"))
    y = StringField(_l("Vertical (0 = haut, 100 = bas)"))

    def point(self) -> tuple[float, float] | None:
        x, y = (fraction(percent(f.data)) for f in (self.x, self.y))
        return (x, y) if x is not None and y is not None else None


def percent(value: str | None) -> str:
    """ "37,5" (percent) as "0.375"; junk stays junk, for fraction() to refuse."""
    try:
        return str(float((value or "").replace(",", ".").strip()) / 100)
    except ValueError:
        return "x"


def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def may_change(media: Media) -> bool:
    """Editors and admins, and the uploader, change an image's words, focal point, or delete it."""
    return current_user.is_editor or media.uploaded_by_id == current_user.id


@bp.app_template_global()
def picker_choices(words: str = "") -> list[Media]:
    """The latest images matching `words` (all for ""), as the picker offers them."""
    statement = Media.search(words[:200]).order_by(Media.id.desc()).limit(PICKER_SIZE)
    return list(db.session.scalars(statement))


def search_words() -> str:
    """?q=, or the picker's own field (?image-q=, ?bloc12-q=): at most 200 characters."""
    words = request.args.get("q")
    if words is None:
        words = next((v for k, v in request.args.items() if k.endswith("-q")), "")
    return words[:200]


def library_page() -> tuple[list[Media], Cursor | None]:
    raw = request.args.get("avant", "")
    try:
        before = MEDIA_ORDER.parse(raw) if raw else None
    except ValueError:
        abort(404)
    return MEDIA_ORDER.page(Media.search(search_words()), PER_PAGE, before)


@bp.get("/medias")
def media_library():
    """Every image, newest first, 24 a page; ?q= searches alt text, caption and credit."""
    images, older = library_page()
    context = dict(
        images=images, older=older, q=search_words(), is_first=not request.args.get("avant")
    )
    if wants_fragment():
        return render_template("editor/medias/_results.html", **context)
    return render_template("editor/medias.html", form=UploadForm(), **context)


@bp.post("/medias")
def upload_media():
    """A new image in the library, with its words; then its page."""
    form = UploadForm()
    if form.validate_on_submit():
        limit = current_app.config["MEDIA_MAX_UPLOAD_BYTES"]
        data = form.image.data.read(limit + 1)
        if len(data) > limit:
            form.image.errors = [
                _("Ce fichier est trop lourd : %(max)d Mo au maximum.", max=limit // (1024 * 1024))
            ]
            status = 413
        else:
            try:
                media = store_upload(
                    data,
                    media_root(),
                    current_user.id,
                    alt=cleaned(form.alt),
                    caption=cleaned(form.caption),
                    credit=cleaned(form.credit),
                )
                return redirect(url_for("editor.media_detail", media_id=media.id))
            except ImageRejected as refusal:
                form.image.errors = [str(refusal)]
                status = 422
    else:
        status = 422
    images, older = library_page()
    return render_template(
        "editor/medias.html", form=form, images=images, older=older, q="", is_first=True
    ), status


@bp.get("/medias/choix")
def media_picker():
    """The picker's results for ?q=, as radio buttons named ?champ= (a form's field)."""
    field_name = request.args.get("champ", "choice")
    if FIELD_NAME.fullmatch(field_name) is None:
        abort(404)
    q = search_words()
    return render_template(
        "editor/medias/_picker_results.html",
        choices=picker_choices(q),
        field_name=field_name,
        q=q,
    )


def render_detail(media: Media, words=None, focal=None, status: int = 200, refusal=None):
    words = words or MediaWordsForm(
        data={"alt": media.alt, "caption": media.caption, "credit": media.credit}
    )
    focal = focal or FocalForm(
        data={"x": f"{media.focal_x * 100:g}", "y": f"{media.focal_y * 100:g}"}
    )
    return render_template(
        "editor/medias_detail.html",
        media=media,
        words=words,
        focal=focal,
        delete_form=EmptyForm(),
        articles=articles_using(media),
        may_change=may_change(media),
        refusal=refusal,
    ), status


@bp.get("/medias/<int:media_id>")
def media_detail(media_id: int):
    """One image: its sizes, its crops, where it is used, its words and focal point."""
    return render_detail(db.get_or_404(Media, media_id))


def changeable(media_id: int) -> Media:
    media = db.get_or_404(Media, media_id)
    if not may_change(media):
        abort(403)
    return media


@bp.post("/medias/<int:media_id>")
def save_media_words(media_id: int):
    """The library's alt text, caption and credit; the pages using the image are renewed."""
    media = changeable(media_id)
    form = MediaWordsForm()
    if not form.validate_on_submit():
        return render_detail(media, words=form, status=422)
    describe(media, cleaned(form.alt), cleaned(form.caption), cleaned(form.credit))
    return redirect(url_for("editor.media_detail", media_id=media.id, _anchor="mots"))


@bp.post("/medias/<int:media_id>/point-focal")
def save_focal_point(media_id: int):
    """Move the focal point (a click on the image, or two numbers) and crop again."""
    media = changeable(media_id)
    form = FocalForm()
    point = form.point() if form.validate_on_submit() else None
    if point is None:
        form.x.errors = [
            _("Indiquez deux nombres de 0 à 100, par exemple 50 et 50 pour le centre.")
        ]
        return render_detail(media, focal=form, status=422)
    set_focal_point(media, *point, media_root())
    return redirect(url_for("editor.media_detail", media_id=media.id, _anchor="point-focal"))


@bp.post("/medias/<int:media_id>/supprimer")
def delete_media_view(media_id: int):
    """Delete an image no article uses; in use, refused (409) with the list of articles."""
    media = changeable(media_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        delete_media(media, media_root())
    except MediaInUse as refusal:
        return render_detail(media, status=409, refusal=refusal.articles)
    flash(_("Image supprimée de la médiathèque."))
    return redirect(url_for("editor.media_library"), 303)
