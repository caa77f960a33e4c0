"""Preview links, made and revoked in place from the article page (models/preview.py).

The part (editor/_preview_links.html) sits under the publication state: a duration to
choose (1 h, 24 h, 7 jours), "Créer un lien d’aperçu", and the article's active links
with who made each, until when it works, and "Révoquer". Both routes answer the part
alone to htmx; without JavaScript, creating answers it inside a plain page (the new
address is shown once, so it cannot wait for a redirect), revoking redirects back to
the article. The part follows the publication state: it comes along, out of band, with
every swap of the publication part (see the template).

The journal: creating records the chosen duration (the address is never recorded),
revoking is recorded by views/audit_trail with the link's id.
"""

from __future__ import annotations

from flask import abort, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectField

from models import PreviewLink, audit, db
from models.preview import (
    DEFAULT_DURATION,
    MAX_ACTIVE_LINKS,
    PREVIEW_DURATIONS,
    PreviewLimitReached,
)
from views.audit_trail import client_address
from views.editor import bp
from views.forms import Form
from views.htmx import article_url, editable_article, fragment, wants_fragment

PART = "editor/_preview_links.html"
ANCHOR = "preview-links"


class PreviewLinkForm(Form):
    # Labels are in the template, next to the options they name.
    duration = SelectField(choices=list(PREVIEW_DURATIONS), default=DEFAULT_DURATION)


def render_part(article, status: int = 200, **context):
    """The preview links part of `article`, alone (htmx) or in a plain page (no JS).

    Context: `chosen` (the duration selected), `error` (a French message for the form),
    `new_link` and `new_url` (the link just made, and its address, shown this once),
    `notice` (what just happened).
    """
    context.setdefault("chosen", DEFAULT_DURATION)
    return fragment(PART, status, article=article, preview_links_part=True, **context)


@bp.post("/articles/<int:article_id>/apercus")
def create_preview_link(article_id: int):
    """Make a preview link: 422 with a French message when the form or the article says no.

    Refused: a duration not offered, a published article (readers already see it), and an
    article with MAX_ACTIVE_LINKS active links.
    """
    article = editable_article(article_id)
    form = PreviewLinkForm()
    if not form.validate_on_submit():
        return render_part(article, 422, error=_("Choisissez une durée de validité proposée."))
    chosen = form.duration.data
    if article.state == "published":
        error = _("Cet article est publié : ses lecteurs le voient déjà à son adresse.")
        return render_part(article, 422, chosen=chosen, error=error)
    try:
        link, token = PreviewLink.issue(article, current_user, chosen)
    except PreviewLimitReached:
        error = _(
            "Cet article a déjà %(count)d liens d’aperçu actifs : révoquez-en un avant "
            "d’en créer un autre.",
            count=MAX_ACTIVE_LINKS,
        )
        return render_part(article, 422, chosen=chosen, error=error)
    # Recorded by hand, before the flush, so that the automatic record does not repeat
    # it: the journal keeps the duration chosen, never the address.
    audit.record(
        "editor.create_preview_link",
        user_id=current_user.id,
        target=f"article:{article.id}",
        detail={"duration": chosen},
        ip=client_address(),
    )
    db.session.commit()
    return render_part(
        article,
        chosen=chosen,
        new_link=link,
        new_url=url_for("preview.show", token=token, _external=True),
        notice=_("Lien d’aperçu créé : copiez son adresse maintenant, elle ne sera plus affichée."),
    )


@bp.post("/articles/<int:article_id>/apercus/<int:link_id>/revoquer")
def revoke_preview_link(article_id: int, link_id: int):
    """Revoke one of the article's links (again: nothing changes); 404 if not its link."""
    article = editable_article(article_id)
    link = db.get_or_404(PreviewLink, link_id)
    if link.article_id != article.id:
        abort(404)
    link.revoke()
    db.session.commit()
    if not wants_fragment():
        return redirect(article_url(article, ANCHOR), 303)
    return render_part(article, notice=_("Lien révoqué : il n’ouvre plus l’aperçu."))
