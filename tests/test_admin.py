"""Admins manage accounts: invitations, roles, deactivation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from models import User, db
from tests.factories import make_user

PASSWORD = "correct horse battery"


@pytest.fixture
def admin_client(client, app):
    make_user("Ada Admin", role="admin", email="admin@gazette.example", password=PASSWORD)
    client.post("/connexion", data={"email": "admin@gazette.example", "password": PASSWORD})
    return client


@pytest.mark.parametrize("role", ["author", "editor"])
def test_only_admins_see_accounts(client, app, role):
    assert client.get("/redaction/comptes/").status_code == 302  # anonymous: to login
    make_user(role=role, email="x@gazette.example", password=PASSWORD)
    client.post("/connexion", data={"email": "x@gazette.example", "password": PASSWORD})
    assert client.get("/redaction/comptes/").status_code == 403
    assert (
        client.post(
            "/redaction/comptes/", data={"email": "n@g.fr", "display_name": "N"}
        ).status_code
        == 403
    )


def test_invite_then_choose_password_then_log_in(admin_client, app):
    response = admin_client.post(
        "/redaction/comptes/",
        data={
            "email": "Nouvelle@Gazette.example",
            "display_name": "Nina Nouvelle",
            "role": "editor",
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    link = re.search(r"(http://localhost/redaction/comptes/mot-de-passe/[\w.-]+)", html).group(1)
    user = db.session.scalar(select(User).filter_by(email="nouvelle@gazette.example"))
    assert user.role == "editor" and user.slug == "nina-nouvelle" and not user.password_hash

    anonymous = app.test_client()
    path = link.removeprefix("http://localhost")
    assert "Au moins 12 caractères." in anonymous.get(path).get_data(as_text=True)
    short = anonymous.post(path, data={"password": "court", "confirm": "court"})
    assert short.status_code == 422 and "au moins 12 caractères" in short.get_data(as_text=True)
    done = anonymous.post(
        path, data={"password": "un bon mot de passe", "confirm": "un bon mot de passe"}
    )
    assert done.status_code == 303
    assert anonymous.get(path).status_code == 410  # a link works once
    assert (
        anonymous.post(
            "/connexion",
            data={"email": "nouvelle@gazette.example", "password": "un bon mot de passe"},
        ).status_code
        == 302
    )


def test_invite_refuses_duplicates_and_bad_email(admin_client, app):
    make_user(email="pris@gazette.example")
    taken = admin_client.post(
        "/redaction/comptes/",
        data={"email": "PRIS@gazette.example", "display_name": "X", "role": "author"},
    )
    assert taken.status_code == 422 and "Un compte existe déjà" in taken.get_data(as_text=True)
    bad = admin_client.post(
        "/redaction/comptes/",
        data={"email": "pas-une-adresse", "display_name": "X", "role": "author"},
    )
    assert bad.status_code == 422 and "n’est pas valide" in bad.get_data(as_text=True)


def test_change_role_and_protect_last_admin(admin_client, app):
    author = make_user(role="author")
    admin_client.post(f"/redaction/comptes/{author.id}/role", data={"role": "editor"})
    db.session.refresh(author)
    assert author.role == "editor"
    admin = db.session.scalar(select(User).filter_by(role="admin"))
    response = admin_client.post(
        f"/redaction/comptes/{admin.id}/role", data={"role": "author"}, follow_redirects=True
    )
    # A refusal reads as one: an alert, not the green notice of a change made.
    assert re.search(
        r'class="form-alert" role="alert">[^<]*dernier compte administrateur', response.text
    )
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_deactivation_ends_sessions(admin_client, app):
    make_user(role="editor", email="ed@gazette.example", password=PASSWORD)
    editor_client = app.test_client()
    editor_client.post("/connexion", data={"email": "ed@gazette.example", "password": PASSWORD})
    assert "account-bar" in editor_client.get("/").get_data(as_text=True)
    editor = db.session.scalar(select(User).filter_by(email="ed@gazette.example"))
    deactivated = admin_client.post(
        f"/redaction/comptes/{editor.id}/activation", follow_redirects=True
    )
    assert f"Compte de {editor.display_name} désactivé." in deactivated.get_data(as_text=True)
    assert "account-bar" not in editor_client.get("/").get_data(as_text=True)
    assert (
        editor_client.post(
            "/connexion", data={"email": "ed@gazette.example", "password": PASSWORD}
        ).status_code
        == 401
    )
    reactivated = admin_client.post(
        f"/redaction/comptes/{editor.id}/activation", follow_redirects=True
    )
    assert f"Compte de {editor.display_name} réactivé." in reactivated.get_data(as_text=True)


def test_admin_cannot_deactivate_themselves(admin_client, app):
    admin = db.session.scalar(select(User).filter_by(role="admin"))
    admin_client.post(f"/redaction/comptes/{admin.id}/activation")
    db.session.refresh(admin)
    assert admin.active


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 500])
def test_bad_invitation_tokens_are_404(client, app, token):
    assert client.get(f"/redaction/comptes/mot-de-passe/{token}").status_code == 404


def test_unknown_account_is_404(admin_client, app):
    assert (
        admin_client.post("/redaction/comptes/999999/role", data={"role": "author"}).status_code
        == 404
    )


# --------------------------------------------------------------------------- User.create / invite


def test_create_makes_one_account_with_defaults(app):
    user = User.create("  Zoé.Martin@Gazette.example ", "editor", password=PASSWORD)
    db.session.commit()
    assert (user.email, user.display_name, user.slug) == (
        "zoé.martin@gazette.example",
        "zoé.martin",
        "zoe-martin",
    )
    assert user.role == "editor" and user.check_password(PASSWORD)
    twin = User.invite("autre@gazette.example", display_name=" Zoé Martin ")
    assert twin.display_name == "Zoé Martin" and twin.slug == "zoe-martin-2"
    assert twin.role == "author" and not twin.password_hash


@pytest.mark.parametrize(
    ("email", "role", "display_name", "password", "message"),
    [
        ("pas-une-adresse", "author", None, None, "adresse électronique invalide"),
        ("a@" + "b" * 254, "author", None, None, "adresse électronique invalide"),
        ("PRIS@gazette.example", "author", None, None, "un compte existe déjà"),
        ("n@gazette.example", "chef", None, None, "rôle inconnu"),
        ("n@gazette.example", "author", "N" * 121, None, "nom affiché trop long"),
        ("n@gazette.example", "author", None, "court", "au moins 12 caractères"),
        ("n@gazette.example", "author", None, "motdepasse123", "trop courant"),
    ],
)
def test_create_refuses_with_a_french_message(app, email, role, display_name, password, message):
    make_user(email="pris@gazette.example")
    with pytest.raises(ValueError, match=message):
        User.create(email, role, display_name=display_name, password=password)
    db.session.rollback()
    assert db.session.scalar(select(User).filter_by(email="n@gazette.example")) is None
