"""`flask --app app outbox …`: send queued e-mails (cron, e.g. every minute), count them."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from cli.database import schema_missing
from models import db
from models.sponsorship import OutboxMessage
from services import outbox

outbox_cli = AppGroup("outbox", help="Courriels en attente d’envoi.")


@outbox_cli.command("send")
@click.option("--limit", default=500, show_default=True, help="Nombre maximal de courriels.")
def outbox_send(limit: int) -> None:
    """Envoie les courriels dus ; les échecs sont réessayés plus tard (délai croissant).

    Un courriel impossible à envoyer (en-têtes qui ne seraient pas ceux voulus, adresse
    inutilisable, SMTPUTF8 absent du serveur) est abandonné dès son premier essai.
    """
    if not outbox.sending_configured():
        raise click.ClickException(
            "aucun serveur d’envoi configuré (MAIL_SERVER) : les courriels restent en attente."
        )
    try:
        result = outbox.deliver_due(limit=limit)
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    click.echo(
        f"Envoyés : {result['sent']} ; en échec (réessayés plus tard) : {result['failed']} ; "
        f"abandonnés (voir la boîte de réception) : {result['given_up']}."
    )
    if result["failed"] or result["given_up"]:
        sys.exit(1)


@outbox_cli.command("status")
def outbox_status() -> None:
    """Compte les courriels par état."""
    try:
        rows = db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    counts = dict(rows)
    click.echo(
        f"En attente : {counts.get('queued', 0)} ; envoyés : {counts.get('sent', 0)} ; "
        f"abandonnés : {counts.get('failed', 0)}."
    )
