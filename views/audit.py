"""The journal: the audit trail of staff actions, for admins (models/audit.py records it)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from models import Article, audit, db
from models.listing import Cursor
from views.access import admin_required, register_staff_link

bp = Blueprint("audit", __name__, url_prefix="/redaction/journal")
register_staff_link("audit.log", _l("Journal"), visible_to=lambda user: user.is_admin)

PER_PAGE = 50

# What each recorded endpoint means, in the journal's words; others show the endpoint.
ACTION_LABELS = {
    "auth.login": _l("Connexion"),
    "auth.login_failed": _l("Échec de connexion"),
    "auth.logout": _l("Déconnexion"),
    "auth.first_admin": _l("Premier administrateur créé"),
    "auth.reader_view": _l("Affichage changé (comme un lecteur ou en modification)"),
    "editor.new_article": _l("Article créé"),
    "editor.save_part": _l("Article modifié"),
    "editor.save_block": _l("Bloc modifié"),
    "editor.create_block": _l("Bloc ajouté"),
    "editor.move_block": _l("Bloc déplacé"),
    "editor.delete_block": _l("Bloc supprimé"),
    "editor.restore_revision": _l("Version restaurée"),
    "editor.create_preview_link": _l("Lien d’aperçu créé"),
    "editor.revoke_preview_link": _l("Lien d’aperçu révoqué"),
    "editor.trash_article": _l("Article mis à la corbeille"),
    "editor.restore_article": _l("Article restauré depuis la corbeille"),
    "editor.pin_article": _l("Article mis à la une"),
    "editor.unpin_article": _l("Article retiré de la une"),
    "editor.move_pin": _l("Article déplacé dans la une"),
    "editor.reorder_pins": _l("Une réordonnée"),
    "editor.set_pin_expiry": _l("Expiration d’un article à la une modifiée"),
    "editor.front_sections": _l("Rubriques de la une modifiées"),
    # Not an endpoint: `flask articles purge` records it (services/trash.purge).
    "articles.purge": _l("Article supprimé définitivement (corbeille vidée)"),
    # The media library (issue 13).
    "editor.upload_media": _l("Image ajoutée à la médiathèque"),
    "editor.save_media_words": _l("Textes d’une image modifiés"),
    "editor.save_focal_point": _l("Point focal d’une image modifié"),
    "editor.delete_media_view": _l("Image supprimée de la médiathèque"),
    "corrections.create": _l("Correction publiée"),
    "sponsors.index": _l("Sponsor ajouté"),
    "sponsors.edit": _l("Sponsor modifié"),
    "sponsors.create_from_inquiry": _l("Sponsor créé depuis une demande"),
    "sponsors.save_article_sponsor": _l("Sponsor d’un article choisi ou retiré"),
    "inbox.update_status": _l("Statut de demande changé"),
    "inbox.assign": _l("Demande assignée"),
    "inbox.add_note": _l("Note ajoutée à une demande"),
    "inbox.retry_email": _l("Courriel renvoyé"),
    "inbox.erase": _l("Données personnelles effacées (RGPD)"),
    # Not an endpoint: `flask inquiries erase` records it (models/sponsorship.erase_email).
    "inquiries.erase": _l("Données personnelles effacées en ligne de commande (RGPD)"),
    "admin.invite": _l("Compte créé"),
    "admin.change_role": _l("Rôle changé"),
    "admin.toggle_active": _l("Compte activé ou désactivé"),
    "admin.new_invitation": _l("Lien de mot de passe créé"),
    # Sections and the menu (issue 14, views/editor/sections.py).
    "editor.create_section": _l("Rubrique créée"),
    "editor.save_section": _l("Rubrique modifiée (nom, description ou place)"),
    "editor.move_section": _l("Rubrique déplacée parmi ses voisines"),
    "editor.toggle_navigation": _l("Rubrique ajoutée au menu ou retirée"),
    "editor.move_in_navigation": _l("Menu réordonné"),
    "editor.delete_section": _l("Rubrique supprimée"),
    # Tags (issue 14, views/editor/tags.py).
    "editor.rename_tag": _l("Sujet renommé ou décrit"),
    "editor.merge_tag": _l("Sujets fusionnés"),
    "editor.delete_tag": _l("Sujet supprimé"),
}
TARGET_LABELS = {
    "article": _l("article"),
    "bloc": _l("bloc"),
    "demande": _l("demande"),
    "compte": _l("compte"),
    "rubrique": _l("rubrique"),
}


def _int_arg(name: str) -> int | None:
    """An id from the query string; junk is a 404, not a 500."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        abort(404)
    return int(raw)


def _before() -> Cursor | None:
    """?avant=: where the page starts; junk is a 404."""
    raw = request.args.get("avant", "")
    if not raw:
        return None
    try:
        return audit.JOURNAL_ORDER.parse(raw)
    except ValueError:
        abort(404)


def target_links(events) -> dict[str, str]:
    """Where each target can be seen, for the targets of this page (one query per kind)."""
    links = {}
    article_ids = {e.target_id for e in events if e.target_kind == "article" and e.target_id}
    if article_ids:
        for article in db.session.scalars(db.select(Article).where(Article.id.in_(article_ids))):
            links[f"article:{article.id}"] = url_for("reading.article", slug=article.slug)
    for event in events:
        if event.target_kind == "demande" and event.target_id:
            links[event.target] = url_for("inbox.detail", inquiry_id=event.target_id)
    return links


@bp.get("/")
@admin_required
def log():
    """Who did what, and when: newest first, filtered by person and action."""
    filters = {"user_id": _int_arg("personne"), "action": request.args.get("action", "")[:80]}
    before = _before()
    events, older = audit.page(before=before, per_page=PER_PAGE, **filters)
    return render_template(
        "audit/log.html",
        events=events,
        older=older,
        filters=filters,
        people=audit.people_in_journal(),
        actions=audit.recorded_actions(),
        action_labels=ACTION_LABELS,
        target_labels=TARGET_LABELS,
        links=target_links(events),
        is_first=not request.args.get("avant"),
    )
