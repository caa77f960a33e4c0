"""Sections and the masthead's menu, /redaction/rubriques: admins only.

The tree of sections with their article counts; each row is edited in place (name,
description, parent; up/down among its siblings; "Dans le menu" and up/down in the menu);
a form adds a section; an empty section can be deleted after a confirmation. The rules are
services/sections.py's. With htmx, each action answers the tree (id="rubriques"), swapped
in place; without JS, a plain POST answers a redirect to the page with a flash message,
or the page with the refusal next to the row (422, or 409 for a refused deletion).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from models import Section, db
from models.content import SECTION_DESCRIPTION_MAX
from services import sections as rules
from views.access import admin_required, register_staff_link
from views.editor import MOVES, bp
from views.forms import Cleaned, EmptyForm, Form, cleaned
from views.htmx import wants_fragment

register_staff_link("editor.sections", _l("Rubriques"), visible_to=lambda user: user.is_admin)

TOP_LEVEL = 0  # the parent select's value for "Premier niveau"


class NewSectionForm(Form):
    # A name is plain text kept as typed (Form's text boundary, then the rules'
    # _clean_name): a sanitiser would turn "<script>…</script>" into nothing and answer
    # "Ce champ est obligatoire."; templates, feeds and JSON-LD escape it instead.
    name = StringField(_l("Nom"))
    parent = SelectField(_l("Placée sous"), coerce=int, validate_choice=False)


class SectionForm(NewSectionForm):
    description = TextAreaField(
        _l("Description"),
        validators=[Cleaned("plain", max_length=SECTION_DESCRIPTION_MAX)],
    )
    keep_slug = BooleanField(_l("Garder l’adresse actuelle malgré le nouveau nom"))


def parent_choices(section: Section | None = None) -> list[tuple[int, str]]:
    """Where a section may go: the top level, or under a top-level section but itself."""
    return [(TOP_LEVEL, _("Premier niveau"))] + [
        (top.id, top.trail_name)
        for top in Section.top_level()
        if section is None or top.id != section.id
    ]


def new_form(posted: bool = True) -> NewSectionForm:
    """The "Ajouter une rubrique" form: as posted, or empty (`posted=False`)."""
    kwargs = {} if posted else {"formdata": None}
    form = NewSectionForm(prefix="nouvelle", **kwargs)
    form.parent.choices = parent_choices()
    return form


def row_form(section: Section) -> SectionForm:
    """A row's form, filled from the section as stored."""
    data = {
        "name": section.name,
        "description": section.description,
        "parent": section.parent_id or TOP_LEVEL,
    }
    form = SectionForm(prefix=f"rubrique{section.id}", data=data, formdata=None)
    form.parent.choices = parent_choices(section)
    return form


def render_tree(status: int = 200, forms=None, refusals=None, create=None, notice=None):
    """The staff page, or (htmx) just its tree; `forms` and `refusals` by section id."""
    forms, refusals = forms or {}, refusals or {}
    counts = rules.article_counts()
    tree = rules.tree()
    # Ids of the first and last of each level: their ↑ / ↓ say they cannot move.
    levels: dict[int | None, list[int]] = {}
    for section, _depth in tree:
        levels.setdefault(section.parent_id, []).append(section.id)
    rows = [
        {
            "section": section,
            "name": section.trail_name,
            "first": levels[section.parent_id][0] == section.id,
            "last": levels[section.parent_id][-1] == section.id,
            "depth": depth,
            "count": counts.get(section.id, 0),
            "form": forms.get(section.id) or row_form(section),
            "refusal": refusals.get(section.id),
        }
        for section, depth in tree
    ]
    context = dict(
        rows=rows,
        menu=rules.navigation(),
        create=create or new_form(posted=False),
        notice=notice,
    )
    template = "editor/sections_tree.html" if wants_fragment() else "editor/sections.html"
    return render_template(template, **context), status


def done(message: str, section_id: int | None = None):
    """After a change: the tree again (htmx), or the page with a flash message."""
    if wants_fragment():
        return render_tree(notice=message)
    flash(message)
    anchor = f"rubrique-{section_id}" if section_id else None
    return redirect(url_for("editor.sections", _anchor=anchor), 303)


def refused(section: Section | None, message: str, status: int = 422, form=None):
    if section is None:
        create = form or new_form(posted=False)
        create.name.errors = [*create.name.errors, message]
        return render_tree(status, create=create)
    forms = {section.id: form} if form is not None else None
    return render_tree(status, forms=forms, refusals={section.id: message})


def section_or_404(section_id: int) -> Section:
    return db.get_or_404(Section, section_id)


def parent_from(value: int | None) -> Section | None:
    if not value:
        return None
    return db.session.get(Section, value) or abort(404)


def checked_button() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.get("/rubriques")
@admin_required
def sections():
    """Every section, as a tree, each row editable in place; the menu's order."""
    return render_tree()


@bp.post("/rubriques")
@admin_required
def create_section():
    """A new section (last among its siblings, out of the menu)."""
    form = new_form()
    if not form.validate_on_submit():
        return render_tree(422, create=form)
    try:
        section = rules.create(form.name.data, parent_from(form.parent.data))
    except ValueError as refusal:
        return refused(None, str(refusal), form=form)
    return done(_("Rubrique « %(name)s » créée.", name=section.name), section.id)


@bp.post("/rubriques/<int:section_id>")
@admin_required
def save_section(section_id: int):
    """The row's name (and slug, unless kept), description and parent, in one save; the old
    paths redirect (services.sections)."""
    section = section_or_404(section_id)
    form = SectionForm(prefix=f"rubrique{section.id}")
    form.parent.choices = parent_choices(section)
    if not form.validate_on_submit():
        return render_tree(422, forms={section.id: form})
    try:
        rules.save(
            section,
            form.name.data,
            cleaned(form.description),
            parent_from(form.parent.data),
            keep_slug=bool(form.keep_slug.data),
        )
    except ValueError as refusal:
        db.session.rollback()
        return refused(section_or_404(section_id), str(refusal), form=form)
    return done(_("Rubrique « %(name)s » enregistrée.", name=section.name), section.id)


@bp.post("/rubriques/<int:section_id>/ordre/<direction>")
@admin_required
def move_section(section_id: int, direction: str):
    """One place up or down among its siblings."""
    return _move(
        section_id,
        direction,
        rules.reorder,
        lambda section: _("Rubrique « %(name)s » déplacée.", name=section.name),
    )


def _move(section_id: int, direction: str, reorder, message):
    """Move a section one place with `reorder` (its siblings' order, or the menu's);
    a move past either end is refused (409) with the rules' reason, else `message(section)`."""
    section = section_or_404(section_id)
    if direction not in MOVES:
        abort(404)
    checked_button()
    try:
        reorder(section, MOVES[direction])
    except ValueError as refusal:
        db.session.rollback()
        return refused(section_or_404(section_id), str(refusal), status=409)
    return done(message(section), section.id)


@bp.post("/rubriques/<int:section_id>/menu")
@admin_required
def toggle_navigation(section_id: int):
    """In the masthead's menu (last) or out of it, as the "Dans le menu" box says."""
    section = section_or_404(section_id)
    checked_button()
    # A checkbox: present when ticked, absent otherwise (nothing typed to clean).
    rules.set_in_navigation(section, f"menu{section.id}-in_navigation" in request.form)
    message = (
        _("« %(name)s » est dans le menu.", name=section.name)
        if section.in_navigation
        else _("« %(name)s » n’est plus dans le menu.", name=section.name)
    )
    return done(message, section.id)


@bp.post("/rubriques/<int:section_id>/menu/<direction>")
@admin_required
def move_in_navigation(section_id: int, direction: str):
    """One place up or down in the masthead's menu."""
    return _move(
        section_id, direction, rules.reorder_navigation, lambda _section: _("Menu réordonné.")
    )


@bp.post("/rubriques/<int:section_id>/supprimer")
@admin_required
def delete_section(section_id: int):
    """Delete an empty section; one with articles or sub-sections is refused (409)."""
    section = section_or_404(section_id)
    checked_button()
    name = section.name
    try:
        rules.delete_section(section)
    except ValueError as refusal:
        return refused(section, str(refusal), status=409)
    return done(_("Rubrique « %(name)s » supprimée.", name=name))
