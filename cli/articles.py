"""`flask --app app articles …`: the articles' trash, and their prepared reader pages.

flask --app app articles purge [--days N] [--dry-run]
flask --app app articles prepare
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from cli.database import schema_missing
from services import prepared, trash

articles_cli = AppGroup("articles", help="Articles de la rédaction.")


@articles_cli.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Âge minimal dans la corbeille, en jours (par défaut : GAZETTE_TRASH_DAYS).",
)
@click.option("--dry-run", is_flag=True, help="Dire ce qui serait supprimé, sans rien supprimer.")
def articles_purge(days: int | None, dry_run: bool) -> None:
    """Supprime pour de bon les articles mis à la corbeille depuis plus de N jours.

    Leurs blocs, versions, corrections et anciennes adresses partent avec eux.
    """
    days = current_app.config["GAZETTE_TRASH_DAYS"] if days is None else days
    try:
        purged = trash.purge(days, dry_run=dry_run)
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    count = len(purged.article_ids)
    for article_id in purged.article_ids:
        click.echo(f"  n° {article_id} : {purged.headlines[article_id]}")
    if dry_run:
        click.echo(
            f"Simulation : {count} article(s) dans la corbeille depuis plus de {days} jours "
            "seraient supprimés ; rien n’a été supprimé."
        )
    else:
        click.echo(f"Supprimés : {count} article(s) dans la corbeille depuis plus de {days} jours.")
    if purged.media_ids and not dry_run:
        click.echo(
            f"Images supprimées avec eux : {purged.media_deleted} "
            f"(sur {len(purged.media_ids)} ; les autres servent encore ailleurs)."
        )


@articles_cli.command("prepare")
def articles_prepare() -> None:
    """Prépare les pages de lecture des articles qui n’en ont pas d’à jour.

    Inutile en temps normal (chaque enregistrement prépare son article, chaque lecture
    ce qui manque) ; utile après une mise à jour des gabarits sur une grande archive,
    pour que les premiers lecteurs n’attendent pas.
    """
    try:
        waiting = len(prepared.stale_article_ids())
        with click.progressbar(length=waiting, label="Préparation des pages") as bar:
            done = prepared.prepare_stale(on_batch=bar.update)
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    click.echo(f"{done} article{'s' if done > 1 else ''} préparé{'s' if done > 1 else ''}.")
