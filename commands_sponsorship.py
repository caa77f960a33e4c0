"""Command line for sponsorship inquiries and the email outbox.

flask --app app inquiries export [--status S] > demandes.csv
flask --app app inquiries erase EMAIL
flask --app app inquiries purge
flask --app app outbox send          (cron, e.g. every minute)
flask --app app outbox status
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

import outbox
from models import db
from models.sponsorship import (
    InquiryStatus,
    OutboxMessage,
    csv_chunks,
    erase_email,
    inbox_query,
    purge_expired,
)

inquiries_cli = AppGroup("inquiries", help="Demandes de sponsoring.")
outbox_cli = AppGroup("outbox", help="Courriels en attente d’envoi.")


def _schema_missing(error: Exception) -> click.ClickException:
    return click.ClickException(
        f"la base n’est pas prête ({error.orig}). Lancez d’abord `flask --app app db upgrade`."
    )


@inquiries_cli.command("export")
@click.option(
    "--status",
    type=click.Choice([s.value for s in InquiryStatus]),
    help="Seulement ce statut (par défaut : tout sauf le spam).",
)
@click.option(
    "--search", default="", help="Texte cherché dans nom, organisation, courriel, message."
)
def inquiries_export(status: str | None, search: str) -> None:
    """Écrit les demandes en CSV (UTF-8 avec BOM) sur la sortie standard."""
    try:
        for chunk in csv_chunks(inbox_query(status, search, "ancien")):
            sys.stdout.buffer.write(chunk.encode("utf-8"))
    except (OperationalError, ProgrammingError) as error:
        raise _schema_missing(error) from None
    sys.stdout.buffer.flush()


@inquiries_cli.command("erase")
@click.argument("email")
def inquiries_erase(email: str) -> None:
    """Efface tout ce qui concerne une adresse : demandes, notes, courriels."""
    try:
        erased = erase_email(email)
    except (OperationalError, ProgrammingError) as error:
        raise _schema_missing(error) from None
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
        raise _schema_missing(error) from None
    click.echo(
        f"Effacées : {purged['spam']} demande(s) en spam depuis plus de {spam_days} jours, "
        f"{purged['closed']} demande(s) closes depuis plus de {closed_days} jours."
    )


@outbox_cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Nombre maximal de courriels.")
def outbox_send(limit: int) -> None:
    """Envoie les courriels dus ; les échecs sont réessayés plus tard (délai croissant)."""
    if not outbox.sending_configured():
        raise click.ClickException(
            "aucun serveur d’envoi configuré (MAIL_SERVER) : les courriels restent en attente."
        )
    try:
        result = outbox.deliver_due(limit=limit)
    except (OperationalError, ProgrammingError) as error:
        raise _schema_missing(error) from None
    click.echo(f"Envoyés : {result['sent']} ; en échec (réessayés plus tard) : {result['failed']}.")
    if result["failed"]:
        sys.exit(1)


@outbox_cli.command("status")
def outbox_status() -> None:
    """Compte les courriels par état."""
    try:
        rows = db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    except (OperationalError, ProgrammingError) as error:
        raise _schema_missing(error) from None
    counts = dict(rows)
    click.echo(
        f"En attente : {counts.get('queued', 0)} ; envoyés : {counts.get('sent', 0)} ; "
        f"abandonnés : {counts.get('failed', 0)}."
    )
