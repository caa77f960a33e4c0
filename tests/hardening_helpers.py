"""Shared by the hardening tests (issue 6): a small newsroom, every route with real
arguments, a client logged in as each role, and a fingerprint of the whole database.

The world holds the demo article (someone else's, for authors), a draft by our author
(their own article), an editor, an admin, a target account for admin actions, and an
inquiry with an outbox message, so that every route in app.url_map has a real object to
point at.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from flask import Flask, current_app
from sqlalchemy import select

from demo.load import load_demo
from extensions import limiter
from models import Article, Block, Revision, Tag, User, db
from models.content import ArticleStatus
from models.sponsorship import InquiryStatus, OutboxStatus
from services import outbox
from tests.factories import make_article, make_user
from tests.sponsorship_factories import form_data, make_inquiry
from views.admin import invitation_token

PASSWORD = "motdepasse-solide-42"
DEMO_SLUG = "poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"

# The columns of the expected tables, in this order everywhere.
ROLES = ("anon", "author_own", "author_other", "editor", "admin")
ACCOUNT_EMAILS = {
    "author_own": "autrice@gazette.example",
    "author_other": "autrice@gazette.example",  # the same author, on someone else's article
    "editor": "editrice@gazette.example",
    "admin": "admin@gazette.example",
}

_unique = itertools.count(1)
_password_hashes: list[str] = []


def make_account(display_name: str, role: str, email: str) -> User:
    """A user who can log in with PASSWORD; the scrypt hash is computed once per run."""
    user = make_user(display_name, role=role, email=email)
    if not _password_hashes:
        user.set_password(PASSWORD)
        _password_hashes.append(user.password_hash)
    user.password_hash = _password_hashes[0]
    db.session.commit()
    return user


@dataclass
class World:
    """Ids and objects the routes point at; `own` is the author's article, `other` the demo's."""

    own: dict
    other: dict
    users: dict[str, User | None]
    section_id: int
    target_user_id: int
    extra: dict = field(default_factory=dict)

    def arguments(self, role: str) -> dict:
        return self.own if role == "author_own" else self.other


def article_arguments(article: Article) -> dict:
    revision = Revision.for_article(article.id)[0]
    return {
        "article_id": article.id,
        "block_id": article.blocks[0].id,
        "revision_id": revision.id,
        "article_slug": article.slug,
        "author_slug": article.author.slug,
        "section_path": article.section.path,
        "section_id": article.section_id,
        # A draft has no tag page of its own: the demo article's first tag stands in.
        "tag_slug": article.tags[0].slug if article.tags else "russie",
    }


def add_revision(article: Article) -> None:
    db.session.add(
        Revision(
            article_id=article.id,
            author_id=article.author_id,
            summary="Version initiale",
            snapshot=article.snapshot(),
        )
    )
    db.session.commit()


def build_world() -> World:
    """The demo newsroom plus one account per role, a draft, an inquiry and an email."""
    load_demo()
    demo = db.session.scalar(select(Article).filter_by(slug=DEMO_SLUG))
    author = make_account("Aude Autrice", "author", ACCOUNT_EMAILS["author_own"])
    editor = make_account("Éric Éditeur", "editor", ACCOUNT_EMAILS["editor"])
    admin = make_account("Ada Admin", "admin", ACCOUNT_EMAILS["admin"])
    target = make_account("Tom Cible", "author", "cible@gazette.example")
    own = make_article(
        "Le brouillon de l’autrice",
        section=demo.section,
        author=author,
        status=ArticleStatus.DRAFT,
        published_at=None,
        standfirst="Un chapô.",
        blocks=[
            ("paragraph", {"html": "Premier paragraphe de l’autrice."}),
            ("quote", {"text": "Une citation.", "attribution": "Quelqu’un"}),
            ("paragraph", {"html": "Dernier paragraphe."}),
        ],
    )
    add_revision(own)
    add_revision(demo)
    # Won, so that it may become a sponsor (sponsors.create_from_inquiry).
    inquiry = make_inquiry(
        name="Inès Demandeuse", organisation="Mécènes Unis", status=InquiryStatus.WON
    )
    message = outbox.queue(
        inquiry=inquiry,
        purpose="notification",
        to_address="redaction@gazette.example",
        reply_to=inquiry.email,
        subject="Demande de sponsoring",
        body="Une demande.",
    )
    message.status, message.attempts = OutboxStatus.FAILED, 3
    db.session.commit()
    shared = {
        "inquiry_id": inquiry.id,
        "message_id": message.id,
        "user_id": target.id,
        "token": invitation_token(target),
    }
    shared.update(stored_image(author.id))
    shared.update(a_sponsor())
    shared.update(a_tag())
    return World(
        own={**article_arguments(own), **shared, **a_preview_link(own, author)},
        other={**article_arguments(demo), **shared, **a_preview_link(demo, editor)},
        users={
            "anon": None,
            "author_own": author,
            "author_other": author,
            "editor": editor,
            "admin": admin,
        },
        section_id=demo.section_id,
        target_user_id=target.id,
    )


def stored_image(uploaded_by_id: int) -> dict:
    """An uploaded image in a throwaway MEDIA_ROOT, when the app has uploads."""
    try:
        from services.media import store_upload
    except ImportError:  # uploads not there yet
        return {"name": "0" * 32 + "-640.jpg", "media_id": 1}
    from PIL import Image

    folder = Path(tempfile.mkdtemp(prefix="gazette-media-"))
    current_app.config["MEDIA_ROOT"] = str(folder)
    picture = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 120, 40)).save(picture, "JPEG")
    media = store_upload(picture.getvalue(), folder, uploaded_by_id)
    return {
        "name": media.filename(media.variants[0]),
        "media_token": media.token,
        "media_id": media.id,
    }


def a_sponsor() -> dict:
    """A sponsor, when the app has sponsors."""
    try:
        from models.sponsor import Sponsor
    except ImportError:
        return {"sponsor_id": 1}
    sponsor = Sponsor(name="Mécènes Unis", link="https://mecenes.example")
    db.session.add(sponsor)
    db.session.commit()
    return {"sponsor_id": sponsor.id}


def a_tag() -> dict:
    """A sujet no article carries (it may be renamed, merged or deleted)."""
    tag = Tag(name="Sujet en attente", slug="sujet-en-attente")
    db.session.add(tag)
    db.session.commit()
    return {"tag_id": tag.id}


def a_preview_link(article: Article, by: User) -> dict:
    """A preview link to the article (the demo's is published: it redirects), when the app
    has previews: its id, and its token (the invitation's is `token`)."""
    try:
        from models.preview import PreviewLink
    except ImportError:
        return {}
    link, token = PreviewLink.issue(article, by, "24h")
    db.session.commit()
    return {"link_id": link.id, "preview_token": token}


# --------------------------------------------------------------------------- routes


def routes(app: Flask):
    """(method, rule) for every rule in the URL map, HEAD and OPTIONS aside."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule


def route_key(method: str, rule) -> str:
    return f"{method} {rule.endpoint}"


def url_values(app: Flask, rule, arguments: dict) -> dict:
    """Real values for the rule's variables, from the world's arguments."""
    if rule.endpoint in AUTHOR_SLUG_ENDPOINTS:
        slug = arguments["author_slug"]
    elif rule.endpoint in TAG_SLUG_ENDPOINTS:
        slug = arguments["tag_slug"]
    else:
        slug = arguments["article_slug"]
    values = {
        **arguments,
        "slug": slug,
        "part": "titre",
        "direction": "descendre",
        "kind": "rss" if rule.endpoint.startswith("feeds.") else "paragraph",
        "into": "paragraphe",  # editor.clean_pasted: the field a paste is cleaned for
        "number": 1,
        "field_name": "email",
        "filename": "css/gazette.css",
    }
    if rule.endpoint == "preview.show":
        values["token"] = arguments["preview_token"]
    if "fingerprint" in rule.arguments:
        values["fingerprint"] = app.extensions["static_fingerprints"]["css/gazette.css"]
    return {name: values[name] for name in rule.arguments}


AUTHOR_SLUG_ENDPOINTS = {"reading.author", "feeds.author_feed"}
TAG_SLUG_ENDPOINTS = {"reading.tag", "feeds.tag_feed"}


def build_url(app: Flask, rule, arguments: dict) -> str:
    return rule.build(url_values(app, rule, arguments), append_unknown=False)[1]


# Endpoints htmx calls for a partial: the matrices send them HX-Request: true, as htmx does.
FRAGMENT_ENDPOINTS = {
    "editor.block_display",
    "editor.clean_pasted",  # editor.js sends HX-Request too: a bare 401 when logged out
    "editor.create_preview_link",
    "editor.revoke_preview_link",
    "editor.block_form",
    "editor.create_block",
    "editor.delete_block",
    "editor.delete_confirmation",
    "editor.history",
    "editor.insert_chooser",
    "editor.media_picker",
    "editor.tag_suggestions",
    "editor.move_block",
    "editor.new_block_form",
    "editor.part_display",
    "editor.part_form",
    "editor.restore_revision",
    "editor.revision_diff",
    "editor.save_block",
    "editor.save_part",
    "corrections.section",
    "corrections.new",
    "corrections.create",
    "sponsors.article_sponsor",
    "sponsors.article_sponsor_form",
    "sponsors.save_article_sponsor",
    "inbox.add_note",
    "inbox.assign",
    "inbox.retry_email",
    "inbox.update_status",
    "sponsorship.validate_field",
}


def headers_for(rule) -> dict:
    return {"HX-Request": "true"} if rule.endpoint in FRAGMENT_ENDPOINTS else {}


def post_data(endpoint: str, world: World, arguments: dict) -> dict:
    """Valid, minimal form data for a POST: the point is access, not validation."""
    n = next(_unique)
    if endpoint == "editor.save_block":
        block = db.session.get(Block, arguments["block_id"])
        prefix = f"bloc{block.id}"
        return {f"{prefix}-html": "Texte modifié.", f"{prefix}-version": str(block.version)}
    if endpoint == "editor.save_part":
        article = db.session.get(Article, arguments["article_id"])
        return {"titre-headline": "Un titre modifié", "titre-version": str(article.version)}
    if endpoint == "editor.save_section":
        prefix = f"rubrique{arguments['section_id']}"
        return {
            f"{prefix}-name": f"Rubrique {n}",
            f"{prefix}-description": "",
            f"{prefix}-parent": "0",
        }
    if endpoint == "editor.toggle_navigation":
        return {f"menu{arguments['section_id']}-in_navigation": "y"}
    data = {
        "editor.create_section": {
            "nouvelle-name": f"Nouvelle rubrique {n}",
            "nouvelle-parent": "0",
        },
        "admin.change_role": {"role": "editor"},
        "admin.invite": {
            "email": f"recrue{n}@gazette.example",
            "display_name": f"Recrue {n}",
            "role": "author",
        },
        "admin.set_password": {
            "password": "un-mot-de-passe-tres-solide",
            "confirm": "un-mot-de-passe-tres-solide",
        },
        "auth.login": {"email": ACCOUNT_EMAILS["editor"], "password": PASSWORD},
        "editor.create_block": {"nouveau0-html": "Un nouveau paragraphe.", "after": ""},
        "editor.create_preview_link": {"duration": "24h"},
        "editor.save_media_words": {"alt": "Une photo", "caption": "", "credit": "AFP"},
        "editor.save_focal_point": {"x": "30", "y": "60"},
        "editor.rename_tag": {"name": f"Sujet renommé {n}", "description": "Une description."},
        "editor.merge_tag": {"target": "Diplomatie"},
        "editor.clean_pasted": {"html": "<p>Collé <b>ici</b></p>", "text": "Collé ici"},
        "editor.new_article": {
            "headline": f"Un nouvel article {n}",
            "section": str(world.section_id),
            "author": str(world.users["author_own"].id),
        },
        "inbox.add_note": {"body": "Rappeler lundi."},
        "corrections.create": {"text": "Une date était fausse."},
        "sponsors.index": {"name": f"Sponsor {n}", "link": ""},
        "sponsors.edit": {"name": f"Sponsor renommé {n}", "link": "https://exemple.fr"},
        "sponsors.save_article_sponsor": {"sponsor": "0"},
        "inbox.assign": {"assignee": str(world.users["editor"].id)},
        "inbox.update_status": {"status": "contacte"},
        "sponsorship.inquiry": form_data(email=f"sponsor{n}@exemple.fr"),
        "sponsorship.validate_field": {"email": "sponsor@exemple.fr"},
    }
    return data.get(endpoint, {})


# --------------------------------------------------------------------------- clients


def log_in_as(client, world: World, role: str):
    """The client, with a session for the role's account (none for "anon")."""
    user = world.users[role]
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
    return client


def call(client, app: Flask, method: str, rule, world: World, role: str, **kwargs):
    """One request to the rule as `role`, with real arguments and (for POSTs) valid data."""
    limiter.reset()  # the matrices post many times from one address; limits have their own tests
    arguments = world.arguments(role)
    url = build_url(app, rule, arguments)
    headers = {**headers_for(rule), **kwargs.pop("headers", {})}
    if method == "POST" and "data" not in kwargs:
        kwargs["data"] = post_data(rule.endpoint, world, arguments)
    return client.open(url, method=method, headers=headers, buffered=True, **kwargs)


def is_login_redirect(location: str) -> bool:
    """Flask-Login's refusal: /connexion?next=…, not the login page after setting a password."""
    parts = urlsplit(location)
    return parts.path == "/connexion" and "next" in parse_qs(parts.query)


def outcome(response) -> str:
    """What a response means for access: ok, login, 401, 403, 404 or the status itself.

    A 409 (conflict) or 422 (validation) answer is "ok": the request was let in and its
    content judged. A redirect to the login page is "login".
    """
    status = response.status_code
    if status in (301, 302, 303, 307) and is_login_redirect(response.headers["Location"]):
        return "login"
    if status < 400 or status in (409, 422):
        return "ok"
    return str(status)


# --------------------------------------------------------------------------- the database


# Derived from content, filled in by reads too: a reader's first view of an article
# prepares its page (services/prepared.py). Not a write anybody asked for.
DERIVED_TABLES = {"prepared_article"}


def database_fingerprint() -> dict[str, tuple[int, str]]:
    """Per table: (row count, hash of every row's values). Any write anywhere changes it,
    except in DERIVED_TABLES."""
    db.session.expire_all()
    fingerprint = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in DERIVED_TABLES:
                continue
            rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
            fingerprint[table.name] = (len(rows), digest)
    return fingerprint


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


def reset_world() -> World:
    """Empty every table and build the world again (for destructive requests)."""
    from tests.conftest import empty_all_tables

    db.session.remove()
    empty_all_tables()
    return build_world()


# --------------------------------------------------------------------------- canaries

# Who may read each kind of stored data, by role (ROLES). A unique string of each kind is
# planted in the database; a response to a role not listed must not contain it.
CANARY_READERS = {
    "inquiry": {"editor", "admin"},  # an inquiry's name, organisation, e-mail, message
    "note": {"editor", "admin"},  # the newsroom's notes on it
    "outbox": {"editor", "admin"},  # the e-mail queued about it
    "sponsor": {"editor", "admin"},  # a sponsor no article carries yet
    "other_draft": {"editor", "admin"},  # another author's draft
    "own_draft": {"author_own", "author_other", "editor", "admin"},  # the author's own draft
    "account_email": {"admin"},  # a staff member's login address
}


def plant_canaries(world: World) -> dict[str, str]:
    """One unique string per kind of CANARY_READERS, stored where that kind lives.

    Returns {kind: canary}. Adds the other author's draft's ids to world.extra.
    """
    from models.sponsor import Sponsor
    from models.sponsorship import InquiryNote, SponsorshipInquiry

    canaries = {kind: f"CANARI{kind.upper()}{next(_unique)}X" for kind in CANARY_READERS}
    inquiry = db.session.get(SponsorshipInquiry, world.other["inquiry_id"])
    inquiry.name = f"Inès {canaries['inquiry']}"
    inquiry.organisation = f"Mécènes {canaries['inquiry']}"
    inquiry.message = f"Un projet {canaries['inquiry']} à discuter."
    db.session.add(InquiryNote(inquiry_id=inquiry.id, body=f"Rappeler {canaries['note']}"))
    outbox.queue(
        inquiry=inquiry,
        purpose="notification",
        to_address="redaction@gazette.example",
        reply_to=inquiry.email,
        subject=f"Demande {canaries['outbox']}",
        body=f"Corps {canaries['outbox']}",
    )
    db.session.add(Sponsor(name=f"Sponsor {canaries['sponsor']}", link="https://x.example"))
    someone = make_account("Sam Tiers", "author", f"{canaries['account_email'].lower()}@x.example")
    demo = db.session.get(Article, world.other["article_id"])
    make_article(
        f"Brouillon {canaries['other_draft']}",
        section=demo.section,
        author=someone,
        status=ArticleStatus.DRAFT,
        published_at=None,
        standfirst=f"Chapô {canaries['other_draft']}",
        blocks=[("paragraph", {"html": f"Texte {canaries['other_draft']}"})],
    )
    own = db.session.get(Article, world.own["article_id"])
    own.standfirst = f"Chapô {canaries['own_draft']}"
    db.session.commit()
    canaries["account_email"] = canaries["account_email"].lower()
    return canaries


def leaked(response, role: str, canaries: dict[str, str]) -> list[str]:
    """The kinds of canary in the response (body or headers) that `role` may not read."""
    text = response.get_data().decode(errors="replace") + str(response.headers)
    return [
        kind
        for kind, canary in canaries.items()
        if role not in CANARY_READERS[kind] and canary in text
    ]
