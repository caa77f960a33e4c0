"""Sujets in the newsroom: suggestions while an article's tags are typed, and the staff
page /redaction/sujets where editors rename, describe, merge and delete them.

Who may do what (the authorisation matrix has a row per route):
- suggestions: anyone who edits articles (authors tag their own);
- the sujets page and its changes: editors and admins (a tag's name shows on every
  article carrying it, and a merge or rename moves its page).
Every change is a plain POST that redirects back to the list (works without
JavaScript); with htmx the form's row is swapped in place. Rules: services/tags.py.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from wtforms import StringField, TextAreaField

from models import db
from models.tag import TAG_DESCRIPTION_MAX, TAG_NAME_MAX, Tag
from services import tags
from views.access import editor_required, register_staff_link
from views.editor import bp
from views.forms import EmptyForm, Form
from views.htmx import wants_fragment
from views.search import SLUG

register_staff_link("editor.tags", _l("Sujets"), visible_to=lambda user: user.is_editor)

PER_PAGE = 50
SEARCH_MAX = 80


class TagEditForm(Form):
    """A sujet's name and description (plain text), as the newsroom changes them."""

    name = StringField(_l("Nom"))
    description = TextAreaField(_l("Description (texte simple)"))


class TagMergeForm(Form):
    """The sujet another one is folded into, by its name."""

    target = StringField(_l("Fusionner avec le sujet"))


def _search_words() -> str:
    return " ".join(request.args.get("q", "").split())[:SEARCH_MAX]


@bp.get("/sujets/suggestions")
@login_required
def tag_suggestions():
    """The suggestion list under the sujets field: existing tags whose words start with
    what was typed (?q=, or the field itself: htmx sends it under its own name), then
    "Créer « … »" when no tag has that name. Buttons of the part's form (name "sujets-pick")."""
    typed = request.args.get("q") or request.args.get("sujets-add") or ""
    typed = " ".join(typed.split())
    if not typed.strip(",; "):
        return render_template("editor/tags_suggestions.html", found=[], create=None)
    try:
        typed = tags.clean_name(typed)
    except ValueError as refused:
        # Too long, or no letter: say why rather than offer to create it.
        return render_template(
            "editor/tags_suggestions.html", found=[], create=None, why=str(refused)
        )
    # The sujets already in the form (htmx sends them along): not suggested again.
    chosen = {tags.slug_for(name) for name in request.args.getlist("sujets-tags")[:50]}
    found = [tag for tag in tags.suggestions(typed, limit=tags.SUGGESTIONS_MAX + len(chosen))]
    why = None
    try:
        exists = tags.find(typed) is not None or tags.slug_for(typed) in chosen
    except ValueError as refused:  # another tag's address: that one is suggested
        exists, why = True, str(refused)
    found = [tag for tag in found if tag.slug not in chosen][: tags.SUGGESTIONS_MAX]
    return render_template(
        "editor/tags_suggestions.html", found=found, create=None if exists else typed, why=why
    )


def _page_context(edit_forms: dict | None = None, merge_forms: dict | None = None) -> dict:
    search = _search_words()
    after = request.args.get("apres") or None
    if after is not None and SLUG.fullmatch(after) is None:
        abort(404)
    rows = tags.listing(search, after, PER_PAGE)
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    return {
        "rows": rows,
        "q": search,
        "after": after,
        "next_after": rows[-1][0].slug if more else None,
        "edit_forms": edit_forms or {},
        "merge_forms": merge_forms or {},
        "action_form": EmptyForm(),
        "TAG_NAME_MAX": TAG_NAME_MAX,
        "TAG_DESCRIPTION_MAX": TAG_DESCRIPTION_MAX,
    }


@bp.get("/sujets", endpoint="tags")
@editor_required
def tags_page():
    """Every sujet by name, with how many articles carry it; searched by ?q= (folded)."""
    context = _page_context()
    if wants_fragment() and request.headers.get("HX-Target") == "tag-results":
        return render_template("editor/tags_results.html", **context)
    return render_template("editor/tags.html", **context)


def _the_tag(tag_id: int) -> Tag:
    return db.get_or_404(Tag, tag_id)


def _back(notice: str, category: str = "message"):
    flash(notice, category)
    return redirect(url_for("editor.tags", q=request.form.get("q") or None))


def _refused(tag: Tag, *, edit=None, merge=None):
    """The page again, the refused form filled as typed, its message on it (422).
    Its fields take the row's ids ("name-4"), as the other rows' fields have them."""
    for form in (edit, merge):
        for form_field in form or ():
            form_field.id = form_field.label.field_id = f"{form_field.name}-{tag.id}"
    context = _page_context({tag.id: edit} if edit else None, {tag.id: merge} if merge else None)
    if all(row[0].id != tag.id for row in context["rows"]):
        context["rows"].insert(0, (tag, tags.article_count(tag)))
    return render_template("editor/tags.html", refused_id=tag.id, **context), 422


@bp.post("/sujets/<int:tag_id>/modifier")
@editor_required
def rename_tag(tag_id: int):
    """Rename a sujet (its old address redirects) and change its description."""
    tag = _the_tag(tag_id)
    form = TagEditForm()
    if not form.validate_on_submit():
        return _refused(tag, edit=form)
    try:
        old_name = tag.name
        tags.rename(tag, form.name.data or "")
        tags.describe(tag, form.description.data or "")
    except ValueError as refused:
        db.session.rollback()
        form.name.errors = [str(refused)]
        return _refused(tag, edit=form)
    db.session.commit()
    if old_name != tag.name:
        return _back(_("« %(old)s » s’appelle désormais « %(new)s ».", old=old_name, new=tag.name))
    return _back(_("Le sujet « %(name)s » est enregistré.", name=tag.name))


@bp.post("/sujets/<int:tag_id>/fusionner")
@editor_required
def merge_tag(tag_id: int):
    """Fold a sujet into another one, named in the form: its articles and its address
    go to that one, and it disappears."""
    tag = _the_tag(tag_id)
    form = TagMergeForm()
    if not form.validate_on_submit():
        return _refused(tag, merge=form)
    try:
        if not (form.target.data or "").strip():
            raise ValueError(
                _("Indiquez le sujet dans lequel fusionner « %(name)s ».", name=tag.name)
            )
        target = tags.find(form.target.data)
        if target is None:
            raise ValueError(_("Aucun sujet ne porte ce nom : choisissez un sujet existant."))
        name = tag.name
        tags.merge(tag, target)
    except ValueError as refused:
        db.session.rollback()
        form.target.errors = [str(refused)]
        return _refused(tag, merge=form)
    db.session.commit()
    return _back(
        _("« %(source)s » est fusionné dans « %(target)s ».", source=name, target=target.name)
    )


@bp.post("/sujets/<int:tag_id>/supprimer")
@editor_required
def delete_tag(tag_id: int):
    """Delete a sujet no article carries."""
    tag = _the_tag(tag_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = tag.name
    try:
        tags.delete(tag)
    except ValueError as refused:
        db.session.rollback()
        return _back(str(refused), "error")
    db.session.commit()
    return _back(_("Le sujet « %(name)s » est supprimé.", name=name))


__all__ = ["tag_suggestions", "tags_page", "rename_tag", "merge_tag", "delete_tag"]
