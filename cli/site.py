"""`flask --app app site …`: the whole site in one file, and its backups.

flask --app app site export gazette-export.tar [--with-passwords] [--without-inquiries]
flask --app app site import gazette-export.tar
flask --app app site backup DIR
flask --app app site restore FILE
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from models import db
from services import backup, site_archive
from services.site_archive import ArchiveError, Options, Summary
from services.typography import byte_size

site_cli = AppGroup("site", help="Exporter, importer, sauvegarder et restaurer tout le site.")


class BarProgress(site_archive.Progress):
    """One click progress bar per step (a table, the media, the search index)."""

    def __init__(self) -> None:
        self._bar = None

    def start(self, label: str, total: int) -> None:
        self.finish()
        self._bar = click.progressbar(length=max(total, 1), label=label, file=None)
        self._bar.__enter__()

    def advance(self, n: int) -> None:
        if self._bar is not None and n:
            self._bar.update(n)

    def finish(self) -> None:
        if self._bar is not None:
            bar, self._bar = self._bar, None
            bar.update(bar.length - bar.pos)
            bar.__exit__(None, None, None)


def _print_summary(title: str, summary: Summary, elapsed: float) -> None:
    """The table at the end: rows per table, media, size, time."""
    width = max([len(name) for name in summary.tables] + [len("fichiers médias")])
    click.echo(f"\n{title}")
    click.echo(f"  {'table'.ljust(width)}  lignes")
    for name, rows in summary.tables.items():
        click.echo(f"  {name.ljust(width)}  {rows:>6}")
    click.echo(f"  {'fichiers médias'.ljust(width)}  {summary.media_files:>6}")
    click.echo(f"  Taille : {byte_size(summary.archive_bytes)} ; durée : {elapsed:.1f} s.")
    click.echo(f"  Schéma : {summary.schema_revision}.")


def _run(step):
    """Run a step: (its result, seconds it took); every expected failure becomes one French
    line (exit status 1)."""
    progress = BarProgress()
    started = time.perf_counter()
    # A `kill` (cron's timeout, systemd's stop) unwinds like Ctrl-C: the temporary folders
    # holding copies of the site (personal data, password hashes) are removed on the way out.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return step(progress), time.perf_counter() - started
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    except SQLAlchemyError as error:
        raise click.ClickException(
            f"la base a refusé l’opération ({getattr(error, 'orig', error)}) ; rien n’a été écrit."
        ) from None
    except OSError as error:
        raise click.ClickException(f"fichier inaccessible : {error}.") from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        progress.finish()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def _outside_media_root(path: Path) -> None:
    """An archive or backup written among the media would be copied into the next one,
    and so on: refused."""
    if path.resolve().is_relative_to(_media_root().resolve()):
        raise click.ClickException(
            f"{path} est dans le dossier des médias (GAZETTE_MEDIA_ROOT) : choisissez-en un autre."
        )


@site_cli.command("export")
@click.argument("archive", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--with-passwords", is_flag=True, help="Garder les empreintes des mots de passe des comptes."
)
@click.option(
    "--without-inquiries",
    is_flag=True,
    help="Laisser de côté les demandes de sponsoring, leurs notes et leurs courriels "
    "(données personnelles).",
)
def site_export(archive: Path, with_passwords: bool, without_inquiries: bool) -> None:
    """Écrit tout le site (contenu, comptes, médias) dans une archive .tar."""
    _outside_media_root(archive)
    if archive.is_symlink() or (archive.exists() and not archive.is_file()):
        raise click.ClickException(
            f"{archive} existe et n’est pas un fichier ordinaire : choisissez un autre nom."
        )
    options = Options(with_passwords=with_passwords, without_inquiries=without_inquiries)

    summary, elapsed = _run(
        lambda progress: site_archive.export_snapshot(
            db.engine, _media_root(), archive, options, progress
        )
    )
    _print_summary(f"Export écrit dans {archive} :", summary, elapsed)
    if not with_passwords:
        click.echo("  Sans mots de passe : chaque compte devra en choisir un nouveau.")


@site_cli.command("import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def site_import(archive: Path) -> None:
    """Charge une archive dans une base vide (SQLite ou PostgreSQL), avec ses médias."""
    summary, elapsed = _run(
        lambda progress: site_archive.import_site(db.engine, archive, _media_root(), progress)
    )
    _print_summary(f"Import de {archive} terminé :", summary, elapsed)


@site_cli.command("backup")
@click.argument("directory", metavar="DOSSIER", type=click.Path(file_okay=False, path_type=Path))
def site_backup(directory: Path) -> None:
    """Sauvegarde le site en service dans DOSSIER et garde les GAZETTE_BACKUP_KEEP dernières."""
    _outside_media_root(directory)
    keep = current_app.config["GAZETTE_BACKUP_KEEP"]
    (path, summary), elapsed = _run(
        lambda progress: backup.backup_site(db.engine, _media_root(), directory, keep, progress)
    )
    _print_summary(f"Sauvegarde écrite dans {path} :", summary, elapsed)
    click.echo(f"  Sauvegardes gardées dans {directory} : {len(backup.backups_in(directory))}.")


@site_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def site_restore(archive: Path) -> None:
    """Restaure une sauvegarde (ou un export) dans une base vide, puis la contrôle."""
    summary, elapsed = _run(
        lambda progress: backup.restore_site(db.engine, archive, _media_root(), progress)
    )
    _print_summary(f"Restauration de {archive} terminée :", summary, elapsed)
    click.echo("  Contrôles d’intégrité : aucun problème.")
