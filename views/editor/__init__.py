"""Editing in place: each part of the live article page swaps between display and form.

The display partials are the reader's own templates (templates/reading/...), rendered with
`editing=True` so they carry their "Modifier …" buttons. Every write goes through
richtext.clean_html (views.forms.Cleaned) and records a Revision (Article.record_revision).

The blueprint is split by concern; each module registers its routes on `bp`:
- parts.py: the article's own parts (headline, standfirst, section, publication, bio);
- blocks.py: the body's blocks (edit, add, move, delete);
- history.py: revisions, what changed, restoring one;
- paste.py: what the editor pastes, cleaned by the server before it lands in a form;
- dashboard.py: the dashboard and the new-article form;
- desk.py: the articles desk (every article, filtered and searched) and the trash;
- sections.py: sections and the masthead's menu, for admins (/redaction/rubriques);
- front.py: the curated front page (pins, their order and expiry, section blocks);
- forms.py: the WTForms, and BLOCK_EDITORS (how each block kind is edited).
The login check, the CSRF handler and Vary come from views.htmx.InPlaceEditing. Every save
ends with views.htmx.saved, which the submodules call as `views.editor.saved`, so that a
test can make saves fail here; its fragment then carries the page updates (the byline).

Versions, so that no save silently overwrites another:
- a body block's form carries Block.version: editing paragraph A never conflicts with
  someone saving paragraph B;
- the article's own parts (headline, standfirst, section, publication) carry
  Article.version, which only those saves bump. A save whose version is behind is a
  conflict only if *that part* changed since (read from the revision at the form's
  version), so a headline save and a standfirst save do not collide;
- the author's bio carries a fingerprint of the bio itself (users have no version).
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf

from views.access import register_staff_link
from views.editor.forms import BLOCK_EDITORS
from views.htmx import InPlaceEditing, saved

bp = Blueprint("editor", __name__, url_prefix="/redaction")
# The URL's words for a move one place (blocks, front-page pins, sections), as offsets.
MOVES = {"monter": -1, "descendre": 1}
editing = InPlaceEditing(bp)
register_staff_link("editor.dashboard", _l("Tableau de bord"))


def editor_templates():
    """`block_editors` for every template: the reader's block partials show edit controls."""
    return {"block_editors": BLOCK_EDITORS}


@bp.get("/jeton")
def fresh_csrf_token():
    """A fresh CSRF token for forms already on the page, after logging in again elsewhere."""
    return jsonify(csrf_token=generate_csrf())


# The routes, registered on `bp` as each module is imported.
from views.editor import (  # noqa: E402
    blocks,
    dashboard,
    desk,
    front,
    history,
    media_library,
    parts,
    paste,
    previews,
    sections,
    tags,
)
from views.editor.parts import PARTS  # noqa: E402

__all__ = [
    "bp",
    "editing",
    "saved",
    "PARTS",
    "BLOCK_EDITORS",
    "blocks",
    "dashboard",
    "desk",
    "front",
    "history",
    "media_library",
    "parts",
    "paste",
    "previews",
    "sections",
    "tags",
]
