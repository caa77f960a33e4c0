"""Arranging the front page in place (/redaction/une/…): editors and admins only.

Every change is a POST from the front page itself (or from an article's editor tools):
htmx swaps the front page's curated content (#une) with the answer; without JavaScript
the same form posts and the browser is sent back (303) with a flashed message. A change
that cannot be made (services.front.FrontError) changes nothing and says why in French
(422 for htmx). The rules live in services/front.py; the page cache's "front" generation
is bumped by the commit; the journal records each request (views/audit_trail.py).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields import DateTimeLocalField
from wtforms.validators import Optional

from models import Article, Section, db
from services import front
from views.access import editor_required
from views.editor import MOVES, bp
from views.htmx import article_url, wants_fragment

SEARCH_MAX = 200
# A section block's position as typed in the chooser (SECTIONS_MAX blocks at most).
ORDER_MAX = 99


class PinExpiryForm(FlaskForm):
    """When a pin ends; empty: it never does (the pin stays until removed)."""

    expires_at = DateTimeLocalField(
        _l("Fin de la mise à la une (heure de Paris)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )


def _ids(name: str) -> list[int] | None:
    """Repeated numeric form fields, in order; None if any is not a plain number."""
    values = request.form.getlist(name)
    if not all(v.isascii() and v.isdigit() and len(v) <= 9 for v in values):
        return None
    return [int(v) for v in values]


def front_content(
    error: str | None = None,
    status: int = 200,
    *,
    notice: str | None = None,
    focus: str | None = None,
    place: str | None = None,
):
    """The front page's curated content (#une), first page, as its editors see it.

    `notice` (a change made) goes to the page's live region (#une-statut, outside #une so
    that screen readers announce it) out of band; `focus` is the id of the element to
    focus when the one pressed is gone (static/js/front.js); `place` says which panel the
    change came from ("rubriques", "expiration-<id>"): it stays open and shows `error`.
    """
    page = front.front_page(current_app.config["ARTICLES_PER_PAGE"])
    html = render_template(
        "reading/_front_content.html",
        front=page,
        articles=page.latest,
        editing=True,
        curation=front.curation(),
        front_error=error,
        front_focus=focus,
        front_place=place,
    ) + render_template("editor/_front_status.html", notice=notice, oob=True)
    return html, status


def done(
    message: str,
    article: Article | None = None,
    *,
    focus: str | None = None,
    place: str | None = None,
):
    """After a change: the new content for htmx, else back where the form was (303).

    Back on the article page (its tools' button), the button's new label says it; back
    on the front page, a flashed message does; with htmx, the live region (see
    front_content for `focus` and `place`).
    """
    db.session.commit()
    if wants_fragment():
        return front_content(notice=message, focus=focus, place=place)
    if article is not None and request.form.get("depuis") == "article":
        return redirect(article_url(article), 303)
    flash(message)
    return redirect(url_for("reading.front_page", _anchor="une"), 303)


def refused(error: front.FrontError, place: str | None = None):
    """A change that cannot be made: nothing saved, the reason in French (422 for htmx,
    shown in the panel `place` if given; without JavaScript, on the front page, whose
    editors see flashed messages)."""
    db.session.rollback()
    if wants_fragment():
        return front_content(str(error), 422, place=place)
    flash(str(error), "error")
    return redirect(url_for("reading.front_page", _anchor="une"), 303)


def _order(raw: str, section_id: int) -> int | None:
    """A block's position as typed: None if blank; FrontError (naming the section) unless
    a whole number from 1 to 99."""
    raw = raw.strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= ORDER_MAX:
        return int(raw)
    section = db.session.get(Section, section_id)
    if section is None:
        raise front.FrontError(_("Rubrique inconnue : rechargez la page."))
    raise front.FrontError(
        _(
            "Position du bloc « %(name)s » : un nombre entier de 1 à %(max)d, ou rien.",
            name=section.name,
            max=ORDER_MAX,
        )
    )


@bp.post("/une/epingler/<int:article_id>")
@editor_required
def pin_article(article_id: int):
    """Pin the article after the current pins (the lead if there are none)."""
    article = db.get_or_404(Article, article_id)
    try:
        front.pin(article, current_user, lead=request.form.get("en_tete") == "1")
    except front.FrontError as error:
        return refused(error)
    return done(
        _("« %(headline)s » est à la une.", headline=article.headline),
        article,
        focus=f"controles-{article.id}",
    )


@bp.post("/une/<int:article_id>/retirer")
@editor_required
def unpin_article(article_id: int):
    """Take the article off the front page."""
    article = db.get_or_404(Article, article_id)
    try:
        front.unpin(article.id)
    except front.FrontError as error:
        return refused(error)
    return done(_("« %(headline)s » n’est plus à la une.", headline=article.headline), article)


@bp.post("/une/<int:article_id>/<direction>")
@editor_required
def move_pin(article_id: int, direction: str):
    """Move a pin up ("monter", towards the lead) or down ("descendre")."""
    if direction not in MOVES:
        abort(404)
    article = db.get_or_404(Article, article_id)
    try:
        front.move(article.id, MOVES[direction])
    except front.FrontError as error:
        return refused(error)
    return done(_("Ordre de la une modifié."), article)


@bp.post("/une/<int:article_id>/expiration")
@editor_required
def set_pin_expiry(article_id: int):
    """When the pin ends (Paris time in the form, naive UTC stored); empty: never."""
    article = db.get_or_404(Article, article_id)
    form = PinExpiryForm()
    place = f"expiration-{article.id}"
    if not form.validate():
        return refused(front.FrontError(_("Date d’expiration illisible.")), place)
    when = form.expires_at.data
    try:
        front.set_expiry(article.id, to_utc(when).replace(tzinfo=None) if when else None)
    except front.FrontError as error:
        return refused(error, place)
    return done(_("Expiration de la une enregistrée."), article, focus=f"controles-{article.id}")


@bp.post("/une/ordre")
@editor_required
def reorder_pins():
    """The pins in a new order (drag and drop): `article` repeated, every pin once."""
    ids = _ids("article")
    try:
        if ids is None:
            raise front.FrontError(_("Ordre illisible : rechargez la page."))
        front.reorder(ids)
    except front.FrontError as error:
        return refused(error)
    return done(_("Ordre de la une modifié."))


@bp.post("/une/rubriques")
@editor_required
def front_sections():
    """The sections given a block: the ticked `rubrique` boxes, ordered by their
    `ordre-<id>` numbers, 1 to 99 (ties and blanks: in the form's order, blanks last);
    anything else typed there is refused with a French message."""
    ids = _ids("rubrique")
    try:
        if ids is None:
            raise front.FrontError(_("Rubrique inconnue : rechargez la page."))
        numbers = {
            section_id: _order(request.form.get(f"ordre-{section_id}", ""), section_id)
            for section_id in ids
        }

        def rank(item):
            index, section_id = item
            number = numbers[section_id]
            return (number if number is not None else ORDER_MAX + 1, index)

        ordered = [section_id for _index, section_id in sorted(enumerate(ids), key=rank)]
        front.choose_sections(ordered)
    except front.FrontError as error:
        return refused(error, "rubriques")
    return done(_("Rubriques de la une enregistrées."), place="rubriques")


@bp.get("/une/recherche")
@editor_required
def pin_search():
    """Live and scheduled articles whose headline matches ?q=, each with a button to pin
    it: the list for htmx's active search, or a page of its own without JavaScript."""
    query = " ".join(request.args.get("q", "").split())[:SEARCH_MAX]
    context = {
        "query": query,
        "candidates": front.pin_candidates(query) if query else [],
        "curation": front.curation(),
    }
    if wants_fragment():
        return render_template("editor/_front_search.html", **context)
    return render_template("editor/_front_search_page.html", **context)


@bp.app_template_global("front_pin_of")
def front_pin_of(article: Article):
    """The article's unexpired front-page pin, or None (the article tools' button)."""
    return front.pin_for(article.id)
