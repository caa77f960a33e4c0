"""First run: the console's one-time link creates the first administrator, and nothing else
does (models/setup_link.py, views/auth.first_admin, cli/users.py, app.announce_first_run)."""

from __future__ import annotations

import http.client
import importlib.util
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import click
import pytest
from flask.cli import run_command
from sqlalchemy import func, select

from app import create_app
from models import db
from models.audit import AuditEvent
from models.setup_link import (
    LinkState,
    SetupLink,
    SetupLinkRefused,
    create_first_admin,
    digest,
    issue,
    site_has_admin,
    state_of,
)
from models.time import utcnow
from models.user import Role, User
from tests.conftest import base_config
from tests.e2e.conftest import live_server  # noqa: F401  (the fixture)
from tests.factories import make_user

HOUR = timedelta(hours=1)
STRONG = "un cheval de course bleu marine"
DEMO_PATH = "/article/poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"


def new_link(lifetime: timedelta = HOUR, now=None) -> str:
    token = issue(lifetime, now=now)
    db.session.commit()
    return token


def form(**fields) -> dict:
    data = {"display_name": "Camille Rédac", "email": "camille@exemple.fr", "password": STRONG}
    data.update(fields)
    return data


def admins() -> list[User]:
    db.session.expire_all()
    return db.session.scalars(select(User).filter_by(role=Role.ADMIN)).all()


def link_row(token: str) -> SetupLink:
    db.session.expire_all()
    return db.session.scalar(select(SetupLink).filter_by(token_digest=digest(token)))


# --------------------------------------------------------------------------- the model


def test_a_link_is_stored_as_a_digest_and_works_until_it_expires(app):
    now = utcnow()
    token = new_link(HOUR, now=now)
    row = link_row(token)
    assert row.token_digest == digest(token) != token
    assert token not in repr(db.session.execute(select(SetupLink.__table__)).all())
    assert len(token) >= 43  # 256 bits
    assert state_of(token, now + HOUR - timedelta(seconds=1)) == LinkState.VALID
    assert state_of(token, now + HOUR) == LinkState.EXPIRED


@pytest.mark.parametrize(
    "token", ["", "x", "a" * 65, "é" * 10, "abc/def", "abc def", "\x00", "\ud800", "A" * 43]
)
def test_anything_not_issued_is_unknown(app, token):
    new_link()
    assert state_of(token) == LinkState.UNKNOWN


def test_only_an_administrator_who_can_log_in_settles_the_first_run(app, demo):
    """The demo's author (no password), an inactive admin, an editor: still a first run."""
    assert not site_has_admin()
    make_user("Ancienne Admin", role="admin", password=STRONG, active=False)
    make_user("Sans Mot de passe", role="admin")
    make_user("Éditrice", role="editor", password=STRONG)
    assert not site_has_admin()
    token = new_link()
    make_user("Ada Admin", role="admin", password=STRONG)
    assert site_has_admin()
    assert state_of(token) == LinkState.SETTLED
    with pytest.raises(SetupLinkRefused) as refusal:
        issue(HOUR)
    assert refusal.value.state == LinkState.SETTLED


def test_creating_the_admin_uses_the_link_and_retires_every_other(app):
    token, other = new_link(), new_link()
    admin = create_first_admin(token, "Camille@Exemple.fr", "Camille Rédac", STRONG)
    db.session.commit()
    assert (admin.role, admin.email, admin.active) == (Role.ADMIN, "camille@exemple.fr", True)
    assert admin.check_password(STRONG)
    assert link_row(token).used_at is not None
    assert link_row(other).used_at is not None
    assert state_of(other) == LinkState.SETTLED
    with pytest.raises(SetupLinkRefused):
        create_first_admin(other, "autre@exemple.fr", "Autre", STRONG)


def test_a_refused_account_leaves_the_link_unused(app, demo):
    token = new_link()
    for email, password in (
        ("julien.marchand@gazette.example", STRONG),  # the demo author's address
        ("camille@exemple.fr", "azerty"),  # the password policy
        ("pas-une-adresse", STRONG),
    ):
        with pytest.raises(ValueError):
            create_first_admin(token, email, "Camille", password)
        db.session.rollback()
    assert link_row(token).used_at is None
    assert admins() == []


def test_a_link_used_between_the_check_and_the_claim_creates_nothing(app, monkeypatch):
    """The compare-and-set: a state read as valid no longer matters once the row is used."""
    import models.setup_link as setup_link

    token = new_link()
    monkeypatch.setattr(setup_link, "state_of", lambda *_args: LinkState.VALID)
    db.session.execute(
        SetupLink.__table__.update()
        .where(SetupLink.token_digest == digest(token))
        .values(used_at=utcnow())
    )
    db.session.commit()
    with pytest.raises(SetupLinkRefused) as refusal:
        create_first_admin(token, "camille@exemple.fr", "Camille", STRONG)
    assert refusal.value.state == LinkState.USED
    db.session.rollback()
    assert admins() == []


# --------------------------------------------------------------------------- the page


def test_the_link_opens_a_private_form(app, client):
    token = new_link()
    response = client.get(f"/premier-compte/{token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Créer le premier compte" in html and 'name="password"' in html
    assert response.headers["Cache-Control"] == "private, no-store"
    assert '<meta name="robots" content="noindex">' in html
    assert link_row(token).used_at is None  # looking is not using


def test_the_first_admin_is_created_logged_in_and_lands_on_the_demo_article(app, client, demo):
    token = new_link()
    response = client.post(f"/premier-compte/{token}", data=form())
    assert response.status_code == 303
    assert response.headers["Location"] == DEMO_PATH
    [admin] = admins()
    assert (admin.display_name, admin.email) == ("Camille Rédac", "camille@exemple.fr")
    page = client.get(DEMO_PATH).get_data(as_text=True)
    assert "Modifier le titre" in page and "Voir comme un lecteur" in page
    assert "gazette-device=" in response.headers.get("Set-Cookie", "")
    [event] = db.session.scalars(select(AuditEvent).filter_by(action="auth.first_admin")).all()
    assert (event.user_id, event.target) == (admin.id, f"compte:{admin.id}")
    assert link_row(token).used_at is not None


def test_without_the_demo_the_first_admin_lands_on_the_dashboard(app, client):
    token = new_link()
    response = client.post(f"/premier-compte/{token}", data=form())
    assert response.headers["Location"] == "/redaction"


def no_form(response) -> bool:
    """The page's content (<main>) holds no form at all."""
    html = response.get_data(as_text=True)
    main = html[html.index("<main") : html.index("</main>")]
    return "<form" not in main and 'name="password"' not in html


def test_a_used_link_is_gone(app, client):
    token = new_link()
    client.post(f"/premier-compte/{token}", data=form())
    with client.session_transaction() as session:
        session.clear()
    for method in ("get", "post"):
        response = getattr(client, method)(f"/premier-compte/{token}", data=form(email="b@b.fr"))
        assert response.status_code == 410
        assert "déjà son administrateur" in response.get_data(as_text=True)
        assert no_form(response)
    assert len(admins()) == 1


def test_an_expired_link_is_gone(app, client):
    token = new_link(HOUR, now=utcnow() - HOUR - timedelta(seconds=1))
    for method in ("get", "post"):
        response = getattr(client, method)(f"/premier-compte/{token}", data=form())
        assert response.status_code == 410
        html = response.get_data(as_text=True)
        assert "Lien expiré" in html and "make setup-link" in html
        assert no_form(response)
    assert admins() == []


def test_a_retired_link_says_it_was_used(app, client):
    token = new_link()
    db.session.execute(SetupLink.__table__.update().values(used_at=utcnow()))
    db.session.commit()
    response = client.get(f"/premier-compte/{token}")
    assert response.status_code == 410 and "Lien déjà utilisé" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "token", ["forge", "A" * 43, "a" * 5000, "%C3%A9t%C3%A9", "..%2F..%2Fetc", "%00", "%FF%FE"]
)
def test_a_forged_link_is_not_found(app, client, token):
    new_link()
    for method in ("get", "post"):
        response = getattr(client, method)(f"/premier-compte/{token}", data=form())
        assert response.status_code == 404, token
        assert no_form(response)
    assert admins() == []


def test_once_an_admin_exists_every_link_is_dead(app, client):
    token = new_link()
    make_user("Ada Admin", role="admin", password=STRONG)
    response = client.post(f"/premier-compte/{token}", data=form())
    assert response.status_code == 410 and no_form(response)
    assert [a.display_name for a in admins()] == ["Ada Admin"]


def test_errors_keep_what_was_typed_but_never_the_password(app, client, demo):
    token = new_link()
    secret = "azerty-secret"
    response = client.post(
        f"/premier-compte/{token}",
        data=form(
            display_name="Zoé <b>Rédac</b>",
            email="julien.marchand@gazette.example",
            password=secret,
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Zoé &lt;b&gt;Rédac&lt;/b&gt;"' in html
    assert 'value="julien.marchand@gazette.example"' in html
    assert "Un compte existe déjà pour cette adresse." in html
    assert secret not in html
    assert admins() == [] and link_row(token).used_at is None


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"display_name": ""}, "Indiquez votre nom."),
        ({"display_name": "x" * 121}, "120"),
        ({"email": "pas-une-adresse"}, "n’est pas valide"),
        ({"email": "a@b.fr\x00"}, "invisible"),
        ({"password": ""}, "Choisissez un mot de passe."),
        ({"password": "camille@exemple.fr"}, "adresse électronique"),
        ({"password": "x" * 5000}, "1024"),
        ({"display_name": "Camille\x01Rédac"}, "invisible"),
    ],
)
def test_junk_input_gets_a_french_message_and_changes_nothing(app, client, fields, message):
    token = new_link()
    response = client.post(f"/premier-compte/{token}", data=form(**fields))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert admins() == [] and link_row(token).used_at is None


def test_junk_bodies_never_make_a_500(app, client):
    token = new_link()
    url = f"/premier-compte/{token}"
    assert (
        client.post(
            url, data=b"\xff\xfe", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 422
    )
    assert client.post(url, data="{}", content_type="application/json").status_code == 400
    assert client.post(url, data={"display_name": ["a", "b"], "email": "x"}).status_code == 422
    assert admins() == []


def test_the_form_needs_its_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    token = new_link()
    url = f"/premier-compte/{token}"
    assert client.post(url, data=form()).status_code == 400
    assert client.post(url, data={**form(), "csrf_token": "forged"}).status_code == 400
    assert admins() == [] and link_row(token).used_at is None
    html = client.get(url).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]
    assert client.post(url, data={**form(), "csrf_token": csrf}).status_code == 303
    assert len(admins()) == 1


def test_the_form_is_rate_limited_like_the_login(app, client):
    token = new_link()
    url = f"/premier-compte/{token}"
    statuses = [client.post(url, data={}).status_code for _ in range(31)]
    assert statuses[:30] == [422] * 30 and statuses[30] == 429


# --------------------------------------------------------------------------- at once


def post(base_url: str, path: str, body: str, barrier: threading.Barrier) -> int:
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.connect()
    barrier.wait(timeout=30)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", path, body=body, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


@pytest.mark.parametrize("links", [1, 2], ids=["one-link", "two-links"])
def test_requests_at_the_same_instant_create_one_admin(app, live_server, links):  # noqa: F811
    """The same link (or two links) sent by several browsers at once: one account."""
    tokens = [new_link() for _ in range(links)]
    copies = 6
    barrier = threading.Barrier(copies)
    jobs = [
        (f"/premier-compte/{tokens[n % links]}", urlencode(form(email=f"admin{n}@exemple.fr")))
        for n in range(copies)
    ]
    with ThreadPoolExecutor(max_workers=copies) as pool:
        statuses = list(pool.map(lambda job: post(live_server, *job, barrier), jobs))
    assert statuses.count(303) == 1, statuses
    assert set(statuses) <= {303, 410, 503}  # 503: a deadlock PostgreSQL broke; retried, a 410
    assert len(admins()) == 1


# --------------------------------------------------------------------------- the console


def test_the_command_prints_a_link_on_the_site(app, runner):
    app.config["SITE_URL"] = "https://gazette.example"
    with app.app_context():  # a context made after the change: URLs on the new site
        result = runner.invoke(args=["users", "setup-link"])
    assert result.exit_code == 0, result.output
    link = re.search(r"https://gazette\.example/premier-compte/(\S+)", result.output)
    assert link and state_of(link[1]) == LinkState.VALID
    assert "valable 1 heure, une seule fois" in result.output
    assert "make setup-link" in result.output


def test_the_link_lasts_as_configured(app, runner):
    app.config["SETUP_LINK_SECONDS"] = 900
    result = runner.invoke(args=["users", "setup-link"])
    assert "valable 15 minutes" in result.output
    row = db.session.scalars(select(SetupLink)).one()
    assert row.expires_at - row.created_at == timedelta(minutes=15)


def test_the_command_refuses_once_an_admin_exists(app, runner):
    make_user("Ada Admin", role="admin", password=STRONG)
    result = runner.invoke(args=["users", "setup-link"])
    assert result.exit_code == 1
    assert "un administrateur existe déjà" in result.output
    quiet = runner.invoke(args=["users", "setup-link", "--if-needed"])
    assert (quiet.exit_code, quiet.output) == (0, "")
    assert db.session.scalar(select(func.count()).select_from(SetupLink)) == 0


def test_only_the_run_command_prints_at_start(app, database_url, capsys):
    config = base_config(database_url)
    create_app(config)  # tests, `flask db upgrade`, every other command: silent
    assert capsys.readouterr().out == ""
    with click.Context(run_command, info_name="run"):
        create_app(config)
    out = capsys.readouterr().out
    assert "Gazette : http://localhost" in out
    token = re.search(r"http://localhost/premier-compte/(\S+)", out)[1]
    assert state_of(token) == LinkState.VALID
    make_user("Ada Admin", role="admin", password=STRONG)
    with click.Context(run_command, info_name="run"):
        create_app(config)
    settled = capsys.readouterr().out
    assert "premier-compte" not in settled
    assert "connexion : http://localhost/connexion" in settled


def test_gunicorn_asks_for_the_link_once_in_its_master(monkeypatch):
    path = Path(__file__).parent.parent / "deploy" / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    calls = []
    monkeypatch.setattr("subprocess.run", lambda command, **kwargs: calls.append((command, kwargs)))
    conf.when_ready(server=None)
    [(command, kwargs)] = calls
    assert command[1:] == ["-m", "flask", "--app", "app", "users", "setup-link", "--if-needed"]
    assert kwargs["cwd"] == str(path.parent.parent) and kwargs["check"] is False
