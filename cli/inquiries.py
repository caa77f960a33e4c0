"""`flask --app app inquiries …`: export, erase (GDPR) and purge sponsorship inquiries.

flask --app app inquiries export [--status S] > demandes.csv
flask --app app inquiries erase EMAIL
flask --app app inquiries purge
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from cli.database import schema_missing
from cli.params import TEXT
from models.sponsorship import (
    InquiryStatus,
    csv_chunks,
    erase_email,
    inbox_query,
    purge_expired,
)

inquiries_cli = AppGroup("inquiries", help="Demandes de sponsoring.")


@inquiries_cli.command("export")
@click.option(
    "--status",
    type=click.Choice([s.value for s in InquiryStatus]),
    help="Seulement ce statut (par défaut : tout sauf le spam).",
)
@click.option(
    "--search",
    type=TEXT,
    default="",
    help="Texte cherché dans nom, organisation, courriel, message.",
)
def inquiries_export(status: str | None, search: str) -> None:
    """Écrit les demandes en CSV (UTF-8 avec BOM) sur la sortie standard."""
    try:
        for chunk in csv_chunks(inbox_query(status, search, "ancien")):
            sys.stdout.buffer.write(chunk.encode("utf-8"))
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    sys.stdout.buffer.flush()


@inquiries_cli.command("erase")
@click.argument("email", type=TEXT)
def inquiries_erase(email: str) -> None:
    """Efface tout ce qui concerne une adresse : demandes, notes, courriels."""
    try:
        erased = erase_email(email)
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    click.echo(
        f"{email.strip().lower()} : {erased['inquiries']} demande(s), {erased['notes']} note(s), "
        f"{erased['emails']} courriel(s) effacés."
    )


@inquiries_cli.command("purge")
def inquiries_purge() -> None:
    """Applique la durée de conservation (spam, demandes closes)."""
    config = current_app.config
    spam_days = config["SPONSORSHIP_RETENTION_SPAM_DAYS"]
    closed_days = config["SPONSORSHIP_RETENTION_CLOSED_DAYS"]
    try:
        purged = purge_expired(spam_days, closed_days)
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    click.echo(
        f"Effacées : {purged['spam']} demande(s) en spam depuis plus de {spam_days} jours, "
        f"{purged['closed']} demande(s) closes depuis plus de {closed_days} jours."
    )
