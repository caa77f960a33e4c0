"""`flask --app app users …`: newsroom accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from cli.database import schema_missing
from cli.params import TEXT
from models import db
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
