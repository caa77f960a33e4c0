"""Who may do what: one expected table for every route in app.url_map, checked cell by cell.

Columns (hardening_helpers.ROLES): anonymous; an author on their own article; the same
author on someone else's article; an editor; an admin. Cells:
- "ok": let in (2xx/3xx, or a 409/422 that judged the submitted content);
- "login": redirected to /connexion;
- "401": an htmx request without a session (editor.js offers to log in again, keeping the text);
- "403" / "404": refused.
Reads are sent as GET, writes as POST with valid minimal data (CSRF is tested apart, in
test_csrf_matrix.py); fragment endpoints get HX-Request: true, as htmx sends them.

A new route fails test_every_route_is_classified until someone adds its row here.
"""

from __future__ import annotations

import pytest

from models import Article, db
from tests.factories import make_user
from tests.hardening_helpers import (
    FRAGMENT_ENDPOINTS,
    ROLES,
    build_url,
    build_world,
    call,
    changed_tables,
    database_fingerprint,
    leaked,
    log_in_as,
    outcome,
    plant_canaries,
    post_data,
    reset_world,
    route_key,
    routes,
)

OK5 = ("ok",) * 5  # public
STAFF = ("login", "ok", "ok", "ok", "ok")  # any account, no particular article
EDIT = ("401", "ok", "403", "ok", "ok")  # an article's editing fragments: can_edit
INBOX = ("login", "403", "403", "ok", "ok")  # editors and admins
ADMIN = ("login", "403", "403", "403", "ok")
SPONSOR_PART = ("401", "403", "403", "ok", "ok")  # an article's sponsor: editors only
TRASH = ("login", "ok", "403", "ok", "ok")  # User.can_trash: the author's own draft is theirs
# An image of the library: editors, admins and its uploader (the world's image is the
# author's upload; tests/test_media_library.py checks that another author gets a 403).
MEDIA_OWNER = ("login", "ok", "ok", "ok", "ok")

#       method endpoint                 anon     own      other    editor   admin
EXPECTED: dict[str, tuple[str, str, str, str, str]] = {
    # Readers' pages, feeds, search, static files: everyone.
    "GET reading.front_page": OK5,
    "GET reading.section": OK5,
    "GET reading.author": OK5,
    "GET reading.tag": OK5,
    "GET reading.article": OK5,  # the author's own column is their draft: shown to them only
    "GET search.results": OK5,
    "GET feeds.site_feed": OK5,
    "GET feeds.section_feed": OK5,
    "GET feeds.author_feed": OK5,
    "GET feeds.tag_feed": OK5,
    "GET feeds.sitemap_index": OK5,
    "GET feeds.sitemap_sections": OK5,
    "GET feeds.sitemap_authors": OK5,
    "GET feeds.sitemap_tags": OK5,
    "GET feeds.sitemap_articles": OK5,
    "GET feeds.sitemap_news": OK5,
    "GET feeds.robots": OK5,
    "GET static": OK5,
    "GET media.serve": OK5,  # uploaded images, as public as the articles they illustrate
    "GET favicon": OK5,
    "GET corrections.index": OK5,  # every published correction
    # A preview link: its token is the credential (the demo's article is live: a redirect).
    "GET preview.show": OK5,
    # Sponsorship: anyone may send an inquiry.
    "GET sponsorship.inquiry": OK5,
    "POST sponsorship.inquiry": OK5,
    "POST sponsorship.validate_field": OK5,
    "GET sponsorship.thanks": OK5,
    "GET sponsorship.privacy": OK5,
    # Accounts: logging in, out, and choosing a password from an invitation (the token is
    # the credential, so no session is needed).
    "GET auth.login": OK5,
    "POST auth.login": OK5,
    "POST auth.logout": STAFF,
    "GET admin.set_password": OK5,
    "POST admin.set_password": OK5,
    # The first-run link: the world has its administrator, so every link is gone for
    # everyone (tests/test_first_run.py walks a fresh site).
    "GET auth.first_admin": ("410",) * 5,
    "POST auth.first_admin": ("410",) * 5,
    # The staff bar's switch between the reader's view and editing: any account.
    "POST auth.reader_view": STAFF,
    # Editing: any account reaches its dashboard and may start an article…
    "GET editor.dashboard": STAFF,
    "GET editor.new_article": STAFF,
    "POST editor.new_article": STAFF,
    "GET editor.fresh_csrf_token": STAFF,
    "GET editor.desk": STAFF,  # every article the account may edit (User.editable_articles)
    # The trash: editors and admins; an author, their own drafts (someone else's: 403).
    "POST editor.trash_article": TRASH,
    "POST editor.restore_article": TRASH,  # not in the trash: nothing to do, back to the list
    # …but edits an existing one only if it may edit that article (User.can_edit).
    "GET editor.part_display": EDIT,
    "GET editor.part_form": EDIT,
    "POST editor.save_part": EDIT,
    "GET editor.block_display": EDIT,
    "GET editor.block_form": EDIT,
    "POST editor.save_block": EDIT,
    "POST editor.move_block": EDIT,
    "GET editor.delete_confirmation": EDIT,
    "POST editor.delete_block": EDIT,
    "GET editor.insert_chooser": EDIT,
    "GET editor.new_block_form": EDIT,
    "POST editor.create_block": EDIT,
    "GET editor.history": EDIT,
    "GET editor.revision_diff": EDIT,
    "POST editor.restore_revision": EDIT,
    "POST editor.clean_pasted": EDIT,  # cleans a paste for that article's form
    "POST editor.create_preview_link": EDIT,  # a published article gets a 422
    "POST editor.revoke_preview_link": EDIT,
    # The media library: every account sees it, uploads and picks from it…
    "GET editor.media_library": STAFF,
    "POST editor.upload_media": STAFF,
    "GET editor.media_picker": ("401", "ok", "ok", "ok", "ok"),  # htmx: the picker's list
    "GET editor.media_detail": STAFF,
    # …and changes or deletes an image if an editor, or its uploader.
    "POST editor.save_media_words": MEDIA_OWNER,
    "POST editor.save_focal_point": MEDIA_OWNER,
    "POST editor.delete_media_view": MEDIA_OWNER,
    # Sujets: suggestions for anyone tagging an article; the sujets page for editors.
    "GET editor.tag_suggestions": ("401", "ok", "ok", "ok", "ok"),  # htmx: the list
    "GET editor.tags": INBOX,
    "POST editor.rename_tag": INBOX,
    "POST editor.merge_tag": INBOX,
    "POST editor.delete_tag": INBOX,
    "GET corrections.section": EDIT,
    "GET corrections.new": EDIT,
    "POST corrections.create": EDIT,  # a draft gets a 422 ("only a published article…")
    # Who sponsors an article is the newsroom's call, not the author's.
    "GET sponsors.article_sponsor": SPONSOR_PART,
    "GET sponsors.article_sponsor_form": SPONSOR_PART,
    "POST sponsors.save_article_sponsor": SPONSOR_PART,
    # The sponsorship inbox: editors and admins.
    "GET inbox.index": INBOX,
    "GET inbox.export": INBOX,
    "GET inbox.export_xlsx": INBOX,
    "GET inbox.detail": INBOX,
    "POST inbox.update_status": INBOX,
    "POST inbox.assign": INBOX,
    "POST inbox.add_note": INBOX,
    "POST inbox.retry_email": INBOX,
    "GET inbox.erase": INBOX,
    "POST inbox.erase": INBOX,
    # The curated front page (views/editor/front.py): editors and admins.
    "POST editor.pin_article": INBOX,  # the world's draft: refused with a message (303)
    "POST editor.unpin_article": INBOX,
    "POST editor.move_pin": INBOX,
    "POST editor.set_pin_expiry": INBOX,
    "POST editor.reorder_pins": INBOX,
    "POST editor.front_sections": INBOX,
    "GET editor.pin_search": INBOX,
    # Sponsors: editors and admins.
    "GET sponsors.index": INBOX,
    "POST sponsors.index": INBOX,
    "GET sponsors.edit": INBOX,
    "POST sponsors.edit": INBOX,
    "POST sponsors.create_from_inquiry": INBOX,
    # Accounts administration: admins only.
    "GET admin.users": ADMIN,
    "POST admin.invite": ADMIN,
    "POST admin.change_role": ADMIN,
    "POST admin.toggle_active": ADMIN,
    "POST admin.new_invitation": ADMIN,
    "GET audit.log": ADMIN,  # who did what, when
    # Sections and the masthead's menu (views/editor/sections.py): admins only.
    "GET editor.sections": ADMIN,
    "POST editor.create_section": ADMIN,
    "POST editor.save_section": ADMIN,
    "POST editor.move_section": ADMIN,
    "POST editor.toggle_navigation": ADMIN,
    "POST editor.move_in_navigation": ADMIN,
    "POST editor.delete_section": ADMIN,
}


def rules_for(app, key: str) -> list:
    return [rule for method, rule in routes(app) if route_key(method, rule) == key]


def test_every_route_is_classified(app):
    in_map = {route_key(method, rule) for method, rule in routes(app)}
    assert sorted(in_map - EXPECTED.keys()) == [], "new routes: add them to EXPECTED"
    assert sorted(EXPECTED.keys() - in_map) == [], "routes that no longer exist"


def check_rows(app, client, method: str) -> dict:
    """Every cell of the table's `method` rows; returns the cells that differ, with both values.

    Writes start from the same state: the world is rebuilt after a write that was let in,
    and a write that was refused must have changed nothing at all.
    """
    world = build_world()
    wrong = {}
    for key in sorted(k for k in EXPECTED if k.startswith(method + " ")):
        rules = rules_for(app, key)
        if not rules:
            wrong[key] = "not in the URL map"
        for rule in rules:
            for role, expected in zip(ROLES, EXPECTED[key], strict=True):
                before = database_fingerprint() if method == "POST" else None
                response = call(log_in_as(client, world, role), app, method, rule, world, role)
                got = outcome(response)
                if got != expected:
                    wrong[(key, rule.rule, role)] = f"expected {expected}, got {got}"
                if got != "ok":
                    assert SECRET_TEXT not in response.get_data(as_text=True), (key, role)
                    if before is not None:
                        changed = changed_tables(before, database_fingerprint())
                        assert changed == [], (key, role, "refused, yet changed", changed)
                elif method == "POST":
                    world = reset_world()
    return wrong


# The author's own draft: never shown to anyone who may not edit it.
SECRET_TEXT = "Premier paragraphe de l’autrice"


def test_reads(app, client):
    assert check_rows(app, client, "GET") == {}


def test_writes(app, client):
    assert check_rows(app, client, "POST") == {}


def test_anonymous_without_htmx_is_sent_to_the_login_page(app, client):
    """The same staff URLs, typed into a browser: the login page, never content."""
    world = build_world()
    wrong = {}
    for key in sorted(k for k, row in EXPECTED.items() if row[0] in ("401", "login")):
        method = key.split()[0]
        for rule in rules_for(app, key):
            response = call(client, app, method, rule, world, "anon", headers={"HX-Request": ""})
            if outcome(response) != "login":
                wrong[key] = response.status_code
    assert wrong == {}


def test_ids_from_another_article_or_inquiry_are_not_found(app, client):
    """An author may not reach someone else's revision through their own article's URL."""
    world = build_world()
    log_in_as(client, world, "author_own")
    own, other = world.own, world.other
    base = f"/redaction/articles/{own['article_id']}/historique/{other['revision_id']}"
    assert client.get(base, headers={"HX-Request": "true"}).status_code == 404
    assert client.post(base + "/restaurer", headers={"HX-Request": "true"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Article, own["article_id"]).version == 1


def test_authors_see_no_edit_control_on_someone_elses_article(app, client):
    world = build_world()
    log_in_as(client, world, "author_other")
    html = client.get(f"/article/{world.other['article_slug']}").get_data(as_text=True)
    assert "Modifier" not in html
    log_in_as(client, world, "author_own")
    html = client.get(f"/article/{world.own['article_slug']}").get_data(as_text=True)
    assert "Modifier le titre" in html


def test_fragment_endpoints_are_real_routes(app):
    endpoints = {rule.endpoint for _method, rule in routes(app)}
    assert endpoints >= FRAGMENT_ENDPOINTS


def test_a_draft_is_not_found_by_other_authors_or_readers(app, client):
    world = build_world()
    url = build_url(app, rules_for(app, "GET reading.article")[0], world.own)
    assert client.get(url).status_code == 404
    stranger = make_user("Autre Auteur", role="author")
    with client.session_transaction() as session:
        session["_user_id"] = stranger.get_id()
    assert client.get(url).status_code == 404
    log_in_as(client, world, "editor")
    assert client.get(url).status_code == 200


# --------------------------------------------------------------------------- error paths


def stale_csrf_token(app) -> str:
    """A token signed with the app's key for a session that is not the requester's."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps("0" * 40)


@pytest.mark.parametrize("variant", ["missing-token", "stale-token", "oversized"])
def test_no_response_shows_data_the_requester_may_not_read(app, client, variant):
    """Issue 12, item 3: every error path (401, 400, 403, 404, 409, 413, 422…) renders only
    what the requester may see. Unique strings are planted in inquiries, notes, the
    outbox, sponsors, another author's draft, the author's own draft and a staff e-mail
    (hardening_helpers.CANARY_READERS says who may read each); every route is called as
    every role, as a page and as htmx, with CSRF checked and the token missing or from
    another session, or with a body over the size limit, and no response may hold a
    canary its requester may not read. Reads run once, in the first variant."""
    world = build_world()
    canaries = plant_canaries(world)
    app.config.update(WTF_CSRF_ENABLED=True, PROPAGATE_EXCEPTIONS=False)
    if variant == "oversized":
        app.config["MAX_CONTENT_LENGTH"] = 4096
    token = stale_csrf_token(app)
    before = database_fingerprint()
    leaks, statuses = {}, set()
    for method, rule in routes(app):
        if method == "GET" and variant != "missing-token":
            continue
        for role in ROLES:
            for htmx in ("", "true"):
                headers = {"HX-Request": htmx}
                kwargs = {}
                if method == "POST":
                    data = post_data(rule.endpoint, world, world.arguments(role))
                    if variant == "stale-token":
                        data["csrf_token"] = headers["X-CSRFToken"] = token
                    elif variant == "oversized":
                        data["message"] = "x" * 5000
                    kwargs["data"] = data
                log_in_as(client, world, role)
                response = call(client, app, method, rule, world, role, headers=headers, **kwargs)
                statuses.add(response.status_code)
                if found := leaked(response, role, canaries):
                    leaks[(method, rule.endpoint, role, htmx, response.status_code)] = found
    assert leaks == {}
    assert changed_tables(before, database_fingerprint()) == []  # every write was refused
    expected = {"missing-token": {200, 400}, "stale-token": {400}, "oversized": {413}}[variant]
    assert expected <= statuses
