"""`flask --app app users …`: newsroom accounts from the command line."""

from __future__ import annotations

import sys
from datetime import timedelta

import click
from flask import current_app, url_for
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from cli.database import schema_missing
from cli.params import TEXT
from models import db, setup_link
from models.setup_link import SetupLinkRefused
from models.user import Role, User, email_problem, normalise_email, password_problem

users_cli = AppGroup("users", help="Comptes de la rédaction.")


def _read_password(from_stdin: bool, email: str) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, email)
    if problem:
        raise click.ClickException(problem)
    return password


@users_cli.command("create")
@click.argument("email", type=TEXT)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.AUTHOR.value)
@click.option(
    "--name", "display_name", type=TEXT, help="Nom affiché (par défaut : la partie avant @)."
)
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l’entrée standard.")
def users_create(email: str, role: str, display_name: str | None, password_stdin: bool) -> None:
    """Crée un compte ; le mot de passe est demandé (ou lu sur l’entrée standard)."""
    email = normalise_email(email)
    problem = email_problem(email)
    if problem:  # before asking for a password that could not be used
        raise click.BadParameter(problem, param_hint="EMAIL")
    password = _read_password(password_stdin, email)
    try:
        User.create(email, role, display_name=display_name, password=password)
        db.session.commit()
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    click.echo(f"Compte créé : {email} ({role}).")


@users_cli.command("reset-password")
@click.argument("email", type=TEXT)
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l’entrée standard.")
def users_reset_password(email: str, password_stdin: bool) -> None:
    """Change le mot de passe d’un compte et ferme toutes ses sessions."""
    email = normalise_email(email)
    try:
        user = db.session.scalar(select(User).filter_by(email=email))
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    if user is None:
        raise click.ClickException(f"aucun compte pour {email}.")
    user.set_password(_read_password(password_stdin, email))
    user.end_all_sessions()
    db.session.commit()
    click.echo(f"Mot de passe changé pour {email} ; ses sessions ouvertes sont fermées.")


# How to get a new first-run link, as the console says it (the Makefile's target first:
# `make run` is where a newcomer starts).
NEW_LINK_HOW = "make setup-link (ou .venv/bin/flask --app app users setup-link)"


def issue_setup_link() -> str:
    """A new first-run link, as a full URL on the site (SITE_URL), stored and committed.

    Needs an app context. Raises SetupLinkRefused (SETTLED) when an administrator can
    already log in, and SQLAlchemy's OperationalError or ProgrammingError when the
    schema is not there yet.
    """
    seconds = current_app.config["SETUP_LINK_SECONDS"]
    token = setup_link.issue(timedelta(seconds=seconds))
    db.session.commit()
    # url_for outside a request builds on SITE_URL (views/urls.GazetteFlask).
    return url_for("auth.first_admin", token=token, _external=True)


def french_duration(seconds: int) -> str:
    """3600 -> "1 heure", 7200 -> "2 heures", 5400 -> "90 minutes", 60 -> "1 minute"."""
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} heure{'s' if hours > 1 else ''}"
    minutes = seconds // 60
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


def setup_link_message(url: str) -> str:
    """The console's lines around a first-run link (French, like the rest of the console)."""
    duration = french_duration(current_app.config["SETUP_LINK_SECONDS"])
    return (
        "\n"
        "  Gazette n’a pas encore d’administrateur. Pour créer le premier compte,\n"
        f"  ouvrez ce lien (valable {duration}, une seule fois) :\n"
        "\n"
        f"      {url}\n"
        "\n"
        f"  Un nouveau lien : {NEW_LINK_HOW}\n"
    )


@users_cli.command("setup-link")
@click.option(
    "--if-needed",
    is_flag=True,
    help="Ne rien dire quand un administrateur existe déjà (au démarrage du serveur).",
)
def users_setup_link(if_needed: bool) -> None:
    """Affiche un lien à usage unique pour créer le premier administrateur."""
    try:
        url = issue_setup_link()
    except SetupLinkRefused:
        if if_needed:
            return
        raise click.ClickException(
            "un administrateur existe déjà : connectez-vous sur "
            f"{url_for('auth.login', _external=True)} (mot de passe perdu : "
            "flask --app app users reset-password ADRESSE)."
        ) from None
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    click.echo(setup_link_message(url))


def announce_server_start() -> None:
    """What the development server (`flask run`) prints before serving: where the site
    is and, while no administrator can log in, a new first-run link.

    Needs an app context. Never stops the server: a database not migrated yet only gets
    a hint (the pages will say the rest).
    """
    site = current_app.config["SITE_URL"]
    try:
        url = issue_setup_link()
    except SetupLinkRefused:
        click.echo(f"\n  Gazette : {site}  (connexion : {url_for('auth.login', _external=True)})\n")
        return
    except (OperationalError, ProgrammingError):
        db.session.rollback()
        click.echo(
            f"\n  Gazette : {site}\n  La base n’est pas prête : lancez d’abord "
            "`flask --app app db upgrade` (make run le fait).\n"
        )
        return
    click.echo(f"\n  Gazette : {site}" + setup_link_message(url))
