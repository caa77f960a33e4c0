"""`flask --app app import …`: bringing another site's archive into Gazette.

flask --app app import wordpress EXPORT.xml [--media-from DIR] [--dry-run]
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from cli.database import schema_missing

# The first remarks printed at the end; the rest are counted.
NOTES_SHOWN = 30

imports_cli = AppGroup("import", help="Importer les archives d’un autre site.")


@imports_cli.command("wordpress")
@click.argument(
    "export", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
)
@click.option(
    "--media-from",
    type=click.Path(exists=True, file_okay=False, readable=True, path_type=Path),
    default=None,
    help="Copie du dossier wp-content/uploads de l’ancien site (sinon : téléchargées).",
)
@click.option("--dry-run", is_flag=True, help="Afficher le bilan sans rien écrire.")
def import_wordpress_command(export: Path, media_from: Path | None, dry_run: bool) -> None:
    """Importe un export WordPress (Outils › Exporter, fichier WXR).

    Rubriques, sujets, auteurs (sans mot de passe : invitez-les ensuite), articles
    publiés, programmés et brouillons, images et anciennes adresses (redirigées).
    Relancer le même import met à jour ce qu’il avait importé, sans doublon.
    """

    # Imported here: the converters and Pillow load only when an import runs.
    from services.wordpress.load import ImportFailed, import_wordpress

    # Drawn on a terminal only: piped or redirected, click would still print the label
    # alone on a line before the table.
    hidden = not sys.stdout.isatty()

    def progress(label: str, length: int):
        return click.progressbar(length=length, label=label, show_pos=True, hidden=hidden)

    try:
        report = import_wordpress(
            export,
            media_folder=Path(current_app.config["MEDIA_ROOT"]),
            media_from=media_from,
            dry_run=dry_run,
            max_image_bytes=current_app.config["MEDIA_MAX_UPLOAD_BYTES"],
            progress=progress,
            timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
        )
    except ImportFailed as error:
        raise click.ClickException(f"{error} Rien n’a été importé.") from None
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    print_report(report)


def print_report(report) -> None:
    """The end-of-run table of a services.wordpress.load.ImportReport, then the image
    failures and the notes (capped)."""
    from services.wordpress.load import count

    title = "Simulation (rien n’a été écrit)" if report.dry_run else "Import terminé"
    click.echo(f"\n{title} : {report.site}")
    rows = report.rows()
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        click.echo(f"  {label.ljust(width)}  {value}")
    if report.image_failures:
        click.echo("\nImages introuvables (un repère les signale dans l’éditeur) :")
        for url, reason in report.image_failures:
            click.echo(f"  {url} : {reason}")
    if report.notes:
        click.echo("\nÀ vérifier :")
        for line in report.notes[:NOTES_SHOWN]:
            click.echo(f"  {line}")
        if report.notes_total > NOTES_SHOWN:
            more = report.notes_total - NOTES_SHOWN
            click.echo(f"  … et {count(more, 'autre remarque', 'autres remarques')}.")
