"""The audit trail: staff actions are recorded with their change, and admins read them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import db
from models.audit import AuditEvent
from tests.factories import HX, make_article, make_user
from tests.sponsorship_factories import make_inquiry

PASSWORD = "correct horse battery"


def log_in(client, role="editor", **fields):
    user = make_user(role=role, password=PASSWORD, **fields)
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return user


def events(action: str | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


def save_block(client, block, html: str, version=None):
    return client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={
            f"bloc{block.id}-html": html,
            f"bloc{block.id}-version": str(block.version if version is None else version),
        },
    )


# --------------------------------------------------------------------------- recording


def test_a_block_save_is_recorded_without_its_text(client, app):
    editor = log_in(client, display_name="Edith Éditrice")
    article = make_article(blocks=[("paragraph", {"html": "Avant"})])
    block = article.blocks[0]
    assert save_block(client, block, "Un texte <strong>secret</strong>").status_code == 200

    [event] = events("editor.save_block")
    assert (event.user_id, event.target) == (editor.id, f"bloc:{block.id}")
    assert event.ip == "127.0.0.1" and event.created_at is not None
    assert "secret" not in str(event.detail)


def test_refused_saves_are_not_recorded(client, app):
    log_in(client)
    block = make_article(blocks=[("paragraph", {"html": "Avant"})]).blocks[0]
    assert save_block(client, block, "Le mien", version=block.version - 1).status_code == 409
    assert save_block(client, block, "").status_code == 422
    assert events("editor.save_block") == []


def test_an_article_part_records_the_part_and_a_creation_its_new_article(client, app):
    log_in(client)
    article = make_article(headline="Ancien titre")
    client.post(
        f"/redaction/articles/{article.id}/titre",
        headers=HX,
        data={"titre-headline": "Nouveau titre", "titre-version": str(article.version)},
    )
    [event] = events("editor.save_part")
    assert event.target == f"article:{article.id}" and event.detail == {"part": "titre"}
    assert "Nouveau" not in str(event.detail)

    section_id = article.section_id
    response = client.post(
        "/redaction/articles/nouveau",
        data={"headline": "Une création", "section": section_id, "author": article.author_id},
    )
    assert response.status_code == 302
    [created] = events("editor.new_article")
    assert re.fullmatch(r"article:\d+", created.target) and created.target != event.target


def test_an_inbox_status_change_is_recorded_with_the_new_status(client, app):
    editor = log_in(client)
    inquiry = make_inquiry()
    client.post(f"/redaction/demandes/{inquiry.id}/statut", data={"status": "contacte"})
    [event] = events("inbox.update_status")
    assert event.user_id == editor.id and event.target == f"demande:{inquiry.id}"
    assert event.detail == {"status": "contacte"}


def test_an_inbox_note_is_recorded_without_its_text(client, app):
    log_in(client)
    inquiry = make_inquiry()
    client.post(f"/redaction/demandes/{inquiry.id}/notes", data={"body": "Rappeler mardi"})
    [event] = events("inbox.add_note")
    assert event.target == f"demande:{inquiry.id}" and "mardi" not in str(event.detail)


def test_an_admin_role_change_is_recorded(client, app):
    admin = log_in(client, "admin")
    author = make_user(role="author")
    client.post(f"/redaction/comptes/{author.id}/role", data={"role": "editor"})
    [event] = events("admin.change_role")
    assert (event.user_id, event.target, event.detail) == (
        admin.id,
        f"compte:{author.id}",
        {"role": "editor"},
    )


def test_logins_and_logouts_are_recorded_without_passwords(client, app):
    user = make_user(role="editor", password=PASSWORD, email="ed@gazette.example")
    client.post("/connexion", data={"email": "ed@gazette.example", "password": "pas le bon"})
    client.post("/connexion", data={"email": "nobody@gazette.example", "password": "pas le bon"})
    client.post("/connexion", data={"email": "ed@gazette.example", "password": PASSWORD})
    client.post("/deconnexion")

    recorded = [(e.action, e.user_id, e.target) for e in events()]
    assert recorded == [
        ("auth.login_failed", None, f"compte:{user.id}"),
        ("auth.login_failed", None, ""),  # an unknown address: not kept
        ("auth.login", user.id, f"compte:{user.id}"),
        ("auth.logout", user.id, ""),
    ]
    stored = str([(e.detail, e.target) for e in events()])
    assert "pas le bon" not in stored and "nobody" not in stored


def test_reading_and_anonymous_inquiries_are_not_recorded(client, app):
    from tests.sponsorship_factories import form_data

    make_article(headline="Lu")
    client.get("/")
    app.config["SPONSORSHIP_LIMIT_PER_ADDRESS"] = "100 per hour"
    assert client.post("/sponsoring", data=form_data()).status_code == 303
    assert events() == []


# --------------------------------------------------------------------------- the journal page


def test_only_admins_read_the_journal(client, app):
    assert client.get("/redaction/journal/").status_code == 302  # to the login page
    log_in(client, "editor")
    assert client.get("/redaction/journal/").status_code == 403
    assert "/redaction/journal" not in client.get("/redaction").get_data(as_text=True)


def test_the_journal_lists_newest_first_with_links(client, app):
    admin = log_in(client, "admin", display_name="Ada Admin")
    article = make_article(headline="Un article", blocks=[("paragraph", {"html": "A"})])
    save_block(client, article.blocks[0], "B")
    client.post(f"/redaction/comptes/{admin.id}/role", data={"role": "admin"})

    html = client.get("/redaction/journal/").get_data(as_text=True)
    assert 'href="/redaction/journal/"' in html  # the staff bar links to it
    assert html.index("Rôle changé") < html.index("Bloc modifié") < html.index("Connexion</th>")
    assert "Ada Admin" in html and "role : admin" in html
    assert f"bloc {article.blocks[0].id}" in html


def test_the_journal_pages_by_keyset_and_filters(client, app):
    admin = log_in(client, "admin")
    other = make_user(role="editor", password=PASSWORD, display_name="Oscar Autre")
    for n in range(60):
        db.session.add(AuditEvent(action="editor.save_block", target=f"bloc:{n}", user_id=other.id))
    db.session.add(AuditEvent(action="admin.change_role", target="compte:1", user_id=admin.id))
    db.session.commit()

    first = client.get("/redaction/journal/").get_data(as_text=True)
    assert first.count("<tr>") == 1 + 50  # header + one page
    older = re.search(r'href="([^"]*avant=(\d+))"', first)
    assert older
    second = client.get(older[1].replace("&amp;", "&")).get_data(as_text=True)
    assert second.count("<tr>") == 1 + 12  # 60 + the role change + the login, minus 50
    assert "Plus anciennes" not in second and "Les plus récentes" in second
    # The pages share no row: the second starts strictly before the cursor.
    assert "bloc 0<" in second and "bloc 59<" in first

    only_role = client.get("/redaction/journal/?action=admin.change_role").get_data(as_text=True)
    assert only_role.count("<tr>") == 2
    only_oscar = client.get(f"/redaction/journal/?personne={other.id}").get_data(as_text=True)
    assert only_oscar.count("<tr>") == 51 and "Rôle changé</th>" not in only_oscar


@pytest.mark.parametrize("query", ["avant=abc", "personne=-1", "avant=99999999999999999999"])
def test_junk_in_the_journal_s_address_is_a_404(client, app, query):
    log_in(client, "admin")
    assert client.get(f"/redaction/journal/?{query}").status_code == 404


def test_the_journal_needs_a_trailing_slash_only(client, app):
    log_in(client, "admin")
    assert client.get("/redaction/journal").status_code == 308


# --------------------------------------------------------------------------- every staff write has a label

# Writes under /redaction that are not staff actions, with the reason; every other one
# (and every write the authorisation matrix closes to anonymous visitors) needs a label.
NOT_STAFF_WRITES = {
    "admin.set_password": "the invitation's token is the credential: nobody is logged in",
    "editor.clean_pasted": "cleans a paste and answers it: nothing is stored",
}


def staff_write_endpoints(app) -> set[str]:
    """Endpoints of every write (POST…) under /redaction, or closed to anonymous visitors."""
    from tests.test_authz_matrix import EXPECTED

    found = set()
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            anonymous = EXPECTED.get(f"{method} {rule.endpoint}", ("ok",))[0]
            if rule.rule.startswith("/redaction") or anonymous != "ok":
                found.add(rule.endpoint)
    return found - NOT_STAFF_WRITES.keys()


def test_every_staff_write_has_a_journal_label(app):
    from views.audit import ACTION_LABELS

    unlabelled = sorted(staff_write_endpoints(app) - ACTION_LABELS.keys())
    assert unlabelled == [], (
        "staff write endpoints the journal would show by their raw name: add them to "
        f"views/audit.py ACTION_LABELS: {unlabelled}"
    )
    assert NOT_STAFF_WRITES.keys() <= {rule.endpoint for rule in app.url_map.iter_rules()}


def test_the_label_guard_sees_corrections_and_sponsors(app):
    writes = staff_write_endpoints(app)
    assert {"corrections.create", "sponsors.edit", "sponsors.save_article_sponsor"} <= writes
    assert "auth.logout" in writes and "sponsorship.inquiry" not in writes


def test_sponsor_actions_are_recorded_with_their_target_and_label(client, app):
    from models import Sponsor

    admin = log_in(client, "admin")
    assert (
        client.post("/redaction/sponsors", data={"name": "Banque", "link": ""}).status_code == 303
    )
    sponsor = db.session.scalars(select(Sponsor)).one()
    [created] = events("sponsors.index")
    assert created.target == f"sponsor:{sponsor.id}"
    response = client.post(
        f"/redaction/sponsors/{sponsor.id}", data={"name": "Banque 2", "link": ""}
    )
    assert response.status_code == 303
    [edited] = events("sponsors.edit")
    assert (edited.user_id, edited.target) == (admin.id, f"sponsor:{sponsor.id}")

    html = client.get("/redaction/journal/").get_data(as_text=True)
    assert "Sponsor ajouté" in html and "Sponsor modifié" in html
    assert f"sponsor {sponsor.id}" in html and ">sponsors.edit<" not in html


# --------------------------------------------------------------------------- forged details

# Fields no form declares, named like choices (any prefix, or none): a request may carry
# them, the journal must not believe them.
FORGED_FIELDS = {
    "x-role": "forged-admin",
    "foo-status": "forged-x",
    "u1-assignee": "forged-99",
    "publication-direction": "forged-up",
    "zz-section": "forged-7",
    "state": "forged-now",
}


def test_fields_no_form_declares_never_reach_the_journal(app, client):
    """Every POST route of the authorisation matrix, as the first role it lets in, with
    valid data plus forged choice-like fields: no journal detail holds a forged value."""
    from tests.hardening_helpers import (
        ROLES,
        call,
        log_in_as,
        post_data,
        reset_world,
        route_key,
        routes,
    )
    from tests.test_authz_matrix import EXPECTED

    details = []
    for method, rule in routes(app):
        key = route_key(method, rule)
        if method != "POST" or key not in EXPECTED:
            continue
        role = next((r for r, want in zip(ROLES, EXPECTED[key], strict=True) if want == "ok"), None)
        if role is None:  # nobody in the world may (the first-run form: it has its admin)
            continue
        world = reset_world()
        log_in_as(client, world, role)
        data = {**post_data(rule.endpoint, world, world.arguments(role)), **FORGED_FIELDS}
        call(client, app, "POST", rule, world, role, data=data)
        details += [(key, event.detail) for event in events()]
    assert len(details) > 10  # the walk did record actions, some with choices
    assert any(detail for _key, detail in details)
    assert [(key, d) for key, d in details if "forged" in str(d)] == []


def test_a_declared_choice_is_kept_and_a_forged_twin_is_not(client, app):
    editor = log_in(client)
    inquiry = make_inquiry()
    client.post(
        f"/redaction/demandes/{inquiry.id}/statut",
        data={"status": "contacte", "x-status": "forged", "x-role": "admin"},
    )
    [event] = events("inbox.update_status")
    assert event.user_id == editor.id and event.detail == {"status": "contacte"}


def test_an_invalid_choice_is_not_recorded_as_made(client, app):
    log_in(client, "admin")
    author = make_user(role="author")
    client.post(f"/redaction/comptes/{author.id}/role", data={"role": "chef"})
    assert [e.detail for e in events("admin.change_role")] in ([], [{}])
