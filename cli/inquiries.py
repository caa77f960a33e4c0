"""`flask --app app inquiries …`: export, erase (GDPR) and purge sponsorship inquiries.

flask --app app inquiries export [--status S] [--delimiter ,] > demandes.csv
flask --app app inquiries export --format xlsx -o demandes.xlsx
flask --app app inquiries erase EMAIL [--by STAFF_EMAIL]
flask --app app inquiries purge
"""

from __future__ import annotations

import getpass
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from cli.database import schema_missing
from cli.params import TEXT
from models import User
from models.sponsorship import (
    ERASE_FROM_CLI,
    InquiryStatus,
    erase_email,
    inbox_query,
    purge_expired,
)
from models.user import normalise_email
from services import inquiry_export

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
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
    help="csv pour les outils, xlsx pour un tableur (chaque cellule est du texte).",
)
@click.option(
    "--delimiter",
    type=click.Choice([";", ",", "\t", "|"]),
    default=inquiry_export.DEFAULT_CSV_DELIMITER,
    show_default=True,
    help="Séparateur du CSV (un caractère ; « , » pour un tableur anglais).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Fichier à écrire (par défaut : la sortie standard).",
)
def inquiries_export(
    status: str | None, search: str, export_format: str, delimiter: str, output: str | None
) -> None:
    """Écrit les demandes en CSV (UTF-8 avec BOM) ou en classeur .xlsx."""
    delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise click.BadParameter('un seul caractère, autre que " ou un retour à la ligne.')
    query = inbox_query(status, search, "ancien")
    try:
        if export_format == "xlsx":
            if output is None and sys.stdout.isatty():
                raise click.UsageError("un classeur .xlsx ne s’affiche pas : ajoutez -o FICHIER.")
            if output:
                written = inquiry_export.write_xlsx(query, output)
                click.echo(f"{written} demande(s) écrite(s) dans {output}.")
            else:
                sys.stdout.buffer.write(inquiry_export.xlsx_bytes(query))
                sys.stdout.buffer.flush()
            return
        chunks = inquiry_export.csv_chunks(query, delimiter)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as file:
                file.writelines(chunks)
        else:
            for chunk in chunks:
                sys.stdout.buffer.write(chunk.encode("utf-8"))
            sys.stdout.buffer.flush()
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None


def _system_account() -> str:
    try:
        return getpass.getuser()[:40]
    except (KeyError, OSError):  # no name for this uid (containers)
        return "?"


@inquiries_cli.command("erase")
@click.argument("email", type=TEXT)
@click.option(
    "--by",
    "by_email",
    type=TEXT,
    help="Adresse du compte de la rédaction qui demande l’effacement (pour le journal).",
)
def inquiries_erase(email: str, by_email: str | None) -> None:
    """Efface tout ce qui concerne une adresse : demandes, notes, courriels.

    Le journal de la rédaction garde qui, quand et combien, jamais l’adresse effacée.
    """
    try:
        by = None
        if by_email:
            by = User.by_email(by_email)
            if by is None:
                raise click.BadParameter(f"aucun compte pour {by_email}.", param_hint="--by")
        erased = erase_email(
            email,
            action=ERASE_FROM_CLI,
            by=by,
            origin={"origine": "ligne de commande", "compte système": _system_account()},
        )
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    click.echo(
        f"{normalise_email(email)} : {erased['inquiries']} demande(s), {erased['notes']} note(s), "
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
