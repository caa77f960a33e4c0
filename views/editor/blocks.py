"""The body's blocks, edited in place: edit, add after another, move up or down, delete.

How each block kind is edited (its form and form partial) is BLOCK_EDITORS, in forms.py;
its display is always the reader's own templates/reading/blocks/_<kind>.html.
"""

from __future__ import annotations

from flask import abort, redirect, request
from flask_babel import gettext as _

import views.editor
from models import Article, Block, db
from views.access import require_can_edit
from views.editor import bp, editing
from views.editor.forms import BLOCK_EDITORS
from views.forms import EmptyForm, clean_results, notice_for
from views.htmx import (
    article_url,
    editable_article,
    fragment,
    typed_only,
    wants_fragment,
)


def editable_block(block_id: int) -> Block:
    """The block, if the current user may edit its article: 404 if there is none, else 403."""
    block = db.get_or_404(Block, block_id)
    require_can_edit(block.article)
    return block


def block_editor(kind: str):
    """How a block of `kind` is edited; 404 for a kind the editor does not know."""
    return BLOCK_EDITORS.get(kind) or abort(404)


def block_form_for(block: Block, **kwargs):
    """The block's form; the prefix keeps field ids unique when several forms are open."""
    return block_editor(block.kind).form(prefix=f"bloc{block.id}", **kwargs)


def new_block_form_for(kind: str, after: str, **kwargs):
    """A new block's form, prefixed after the block it follows (several may be open)."""
    return block_editor(kind).form(prefix=f"nouveau{after if after.isdigit() else 0}", **kwargs)


def render_block(block: Block, notice: str | None = None, focus: str = "edit"):
    """A block's display partial (the reader's markup plus its controls)."""
    return fragment(
        "reading/_block.html",
        block=block,
        article=block.article,
        notice=notice,
        focus_control=focus,
    )


def render_saved_blocks(blocks: list[Block], notice: str | None = None):
    """The blocks a save made (several when a paragraph was split)."""
    return fragment(
        "editor/_saved_blocks.html", blocks=blocks, article=blocks[0].article, notice=notice
    )


def split_notice(count: int, removal: str | None) -> str | None:
    """ "Une ligne vide sépare deux paragraphes : … 3 paragraphes." and what was removed."""
    said = [removal] if removal else []
    if count > 1:
        said.insert(
            0,
            _(
                "Une ligne vide sépare deux paragraphes : votre texte est enregistré en "
                "%(count)d paragraphes.",
                count=count,
            ),
        )
    return " ".join(said) or None


def render_block_form(block: Block, form, status: int = 200, conflict: bool = False):
    """A block's form: as loaded, refused (422/413), in conflict (409) or given back (400/401)."""
    editor = block_editor(block.kind)
    if (conflict or status in (400, 401)) and not typed_only():
        form.version.data = str(block.version)  # "Garder ma version" saves over theirs
    return fragment(
        "editor/_block_form.html",
        status,
        block=block,
        article=block.article,
        editor=editor,
        form=form,
        conflict=conflict,
        reauth=status in (400, 401),
    )


@editing.form_back("save_block")
def resubmit_block(status: int, block_id: int):
    """The posted block form, re-rendered as it was typed (expired session or CSRF token)."""
    block = db.get_or_404(Block, block_id)
    return render_block_form(block, block_form_for(block, meta={"csrf": False}), status)


@bp.get("/blocs/<int:block_id>")
def block_display(block_id: int):
    """A block as readers see it, with its controls ("Annuler", "Prendre la leur")."""
    block = editable_block(block_id)
    if not wants_fragment():
        return redirect(article_url(block.article, f"block-{block.id}"))
    return render_block(block)


@bp.get("/blocs/<int:block_id>/modifier")
def block_form(block_id: int):
    """The form that replaces a block."""
    block = editable_block(block_id)
    if not wants_fragment():
        return redirect(article_url(block.article, f"block-{block.id}"))
    form = block_form_for(block, data=block_editor(block.kind).form.load(block.data))
    form.version.data = str(block.version)
    return render_block_form(block, form)


@bp.post("/blocs/<int:block_id>")
def save_block(block_id: int):
    """Save a block; answer with its display partial, or the form (422) or a conflict (409)."""
    block = editable_block(block_id)
    form = block_form_for(block)
    if not form.validate_on_submit():
        return render_block_form(block, form, form.error_status)
    if form.version.data != str(block.version):
        return render_block_form(block, form, 409, conflict=True)
    first, *more = form.blocks_data()
    block.data = first
    block.version += 1
    blocks = [block]
    for data in more:  # a paragraph typed with blank lines: one block per paragraph
        blocks.append(block.article.insert_block(block.kind, data, after=blocks[-1]))
    views.editor.saved(
        block.article, _("Modification : %(block)s", block=block_editor(block.kind).name)
    )
    if not wants_fragment():
        return redirect(article_url(block.article, f"block-{block.id}"))
    return render_saved_blocks(blocks, split_notice(len(blocks), notice_for(clean_results(form))))


@bp.post("/blocs/<int:block_id>/<any(monter,descendre):direction>")
def move_block(block_id: int, direction: str):
    """Swap a block with its neighbour; the moved block is re-inserted on the other side."""
    block = editable_block(block_id)
    article = block.article
    neighbour = article.move_block(block, views.editor.MOVES[direction])
    if neighbour is None:
        return "", 204  # already first (or last): nothing to do
    views.editor.saved(article, _("Bloc déplacé"))
    if not wants_fragment():
        return redirect(article_url(article, f"block-{block.id}"))
    return fragment(
        "editor/_moved_block.html",
        block=block,
        article=article,
        neighbour=neighbour,
        where="beforebegin" if direction == "monter" else "afterend",
        focus_control=direction,
    )


@bp.get("/blocs/<int:block_id>/supprimer")
def delete_confirmation(block_id: int):
    """ "Supprimer ce paragraphe ?" in place of the block: no script dialog."""
    block = editable_block(block_id)
    if not wants_fragment():
        return redirect(article_url(block.article, f"block-{block.id}"))
    return fragment(
        "editor/_delete_confirmation.html", block=block, article=block.article, form=EmptyForm()
    )


@bp.post("/blocs/<int:block_id>/supprimer")
def delete_block(block_id: int):
    """Delete a block; the history keeps it, so a restore brings it back."""
    block = editable_block(block_id)
    article, name = block.article, block_editor(block.kind).name
    article.remove_block(block)
    views.editor.saved(article, _("Suppression : %(block)s", block=name))
    if not wants_fragment():
        return redirect(article_url(article))
    return fragment("editor/_block_deleted.html", article=article, name=name)


def block_after(article: Article, raw_id: str | None) -> Block | None:
    """The block a new one goes after, from ?apres=; None means "at the top"."""
    if raw_id and raw_id.isdigit():
        return next((b for b in article.blocks if b.id == int(raw_id)), None)
    return None


@bp.get("/articles/<int:article_id>/blocs/ajout")
def insert_chooser(article_id: int):
    """Which kind of block to add after a block (or at the top)."""
    article = editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article))
    return fragment(
        "editor/_insert_chooser.html", article=article, after=request.args.get("apres", "")
    )


def render_new_block_form(article: Article, kind: str, form, after: str, status: int = 200):
    """A new block's form, after the block it will follow; given back with 400/401."""
    return fragment(
        "editor/_new_block_form.html",
        status,
        article=article,
        editor=block_editor(kind),
        form=form,
        after=after,
        reauth=status in (400, 401),
    )


@editing.form_back("create_block")
def resubmit_new_block(status: int, article_id: int, kind: str):
    """The posted new block, re-rendered as it was typed (expired session or CSRF token)."""
    article = db.get_or_404(Article, article_id)
    after = request.form.get("after", "")
    form = new_block_form_for(kind, after, meta={"csrf": False})
    return render_new_block_form(article, kind, form, after, status)


@bp.get("/articles/<int:article_id>/blocs/nouveau/<kind>")
def new_block_form(article_id: int, kind: str):
    """An empty form for a new block of `kind`."""
    article = editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article))
    after = request.args.get("apres", "")
    form = new_block_form_for(kind, after, data=block_editor(kind).form.load({}))
    return render_new_block_form(article, kind, form, after)


@bp.post("/articles/<int:article_id>/blocs/nouveau/<kind>")
def create_block(article_id: int, kind: str):
    """Insert a new block after the chosen one; answer with its display partial."""
    article = editable_article(article_id)
    after = request.form.get("after", "")
    form = new_block_form_for(kind, after)
    if not form.validate_on_submit():
        return render_new_block_form(article, kind, form, after, form.error_status)
    blocks: list[Block] = []
    previous = block_after(article, after)
    for data in form.blocks_data():  # several when a paragraph was typed with blank lines
        blocks.append(article.insert_block(kind, data, after=previous))
        previous = blocks[-1]
    views.editor.saved(article, _("Ajout : %(block)s", block=block_editor(kind).name))
    if not wants_fragment():
        return redirect(article_url(article, f"block-{blocks[0].id}"))
    return render_saved_blocks(blocks, split_notice(len(blocks), notice_for(clean_results(form))))
