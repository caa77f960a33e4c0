"""What the editor pastes, cleaned by the server before it lands in the form.

editor.js sends the clipboard's HTML (or its text) here when something is pasted into a
paragraph or a list item, and puts back what comes back: the one sanitiser decides what
is kept, Word and Google Docs lists become one item each, tables become text, and the
editor is told at once what could not come along (an image, a table, an embed), in
the same words as after a save. If this request fails, editor.js falls back to its own
cleaning; the save is cleaned again by the server anyway.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import get_translations
from flask_babel import gettext as _

from services.richtext import CleanResult, TooLongError, clean_paste, removal_message
from views.editor import bp
from views.htmx import editable_article

# The URL names of the kinds a paste may be cleaned for: paragraph (and bio), list item.
PASTE_KINDS = {"paragraphe": "paragraph", "liste": "list"}


@bp.post("/articles/<int:article_id>/collage/<any(paragraphe,liste):into>")
def clean_pasted(article_id: int, into: str):
    """Clean a paste for the form: JSON {"html": str} or {"items": [str]}, and "notice".

    Form fields: `html` (the clipboard's text/html, may be empty) and `text` (its
    text/plain). "notice" is None when nothing worth telling was removed. 413 with a
    French "error" when the paste is too large to clean.
    """
    editable_article(article_id)
    try:
        result = clean_paste(request.form.get("html"), request.form.get("text"), PASTE_KINDS[into])
    except TooLongError:
        return jsonify(error=_("Ce collage est trop long : collez-le en plusieurs fois.")), 413
    translations = get_translations()
    notice = removal_message(
        CleanResult("", result.removed),
        ngettext=translations.ngettext,
        gettext=translations.gettext,
    )
    body = {"items": list(result.items)} if into == "liste" else {"html": result.html}
    return jsonify(notice=notice, **body)
