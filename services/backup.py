"""Backups taken while the site serves, kept N deep, and restored through the import.

`backup_site(engine, media_root, directory, keep)` writes one file
`gazette-backup-YYYYMMDDTHHMMSSZ.tar` into `directory`:

- SQLite: SQLite's online backup API (sqlite3.Connection.backup, sqlite.org/backup.html)
  copies the database as it is at one moment while writers go on (WAL), then the media
  files are added. The tar holds `backup.json` ({"format": "gazette-backup",
  "format_version": 1, "database": "sqlite", "database_sha256", "schema_revision",
  "created_at", "tables": {table: rows}}), `gazette.db`, `media/…` and last `media.sha256`
  (sha256sum's format); a restore refuses a backup whose database or media no longer match. Media files are named by random tokens and
  written before their row is committed, so every image the copied rows name is on disk
  by the time the files are read.
- PostgreSQL: the export archive (services/site_archive.py) read in one REPEATABLE READ
  transaction: every table at the same snapshot.

Then only the newest `keep` backups of the directory are kept.

`restore_site(engine, archive, media_root)` restores either kind into an empty database,
SQLite or PostgreSQL, through the one import path: a SQLite backup is first checked
(PRAGMA integrity_check) and exported to an archive, which is then imported, so both
kinds meet the same checks (revision, empty database, counts, digests). After loading,
SQLite targets get PRAGMA integrity_check and foreign_key_check, and the row counts of
every table are compared with the backup's.
"""

from __future__ import annotations

import io
import json
import os
import re
import sqlite3
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text

from services import site_archive
from services.site_archive import (
    ArchiveError,
    Options,
    Progress,
    Summary,
    count_rows,
    exported_tables,
)

BACKUP_FORMAT = "gazette-backup"
BACKUP_VERSION = 1
BACKUP_MANIFEST = "backup.json"
DATABASE_MEMBER = "gazette.db"
MEDIA_DIGESTS = "media.sha256"
NAME_PATTERN = re.compile(r"gazette-backup-(\d{8}T\d{6}Z)(?:-(\d+))?\.tar")
# Everything a backup holds: a restore must bring back the site as it was.
EVERYTHING = Options(with_passwords=True, without_inquiries=False)


def backup_name(now: datetime) -> str:
    """gazette-backup-20261130T101500Z.tar for that moment (UTC)."""
    return f"gazette-backup-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.tar"


def backups_in(directory: Path) -> list[Path]:
    """The backups of `directory`, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = NAME_PATTERN.fullmatch(path.name)
        if match:
            # A second backup within the same second is "-2": after the first.
            found.append(((match[1], int(match[2] or 1)), path))
    return [path for _key, path in sorted(found)]


def rotate(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups of `directory`; returns those deleted."""
    old = backups_in(directory)[:-keep] if keep > 0 else []
    for path in old:
        path.unlink()
    return old


def _reserve_path(directory: Path, now: datetime) -> Path:
    """Claim a free backup name by creating it empty (exclusive create), so that two backups
    started in the same second never write to one name: the second gets "-2"."""
    n = 1
    while True:
        name = backup_name(now) if n == 1 else backup_name(now).replace(".tar", f"-{n}.tar")
        try:
            (directory / name).open("xb").close()
            return directory / name
        except FileExistsError:
            n += 1


def sqlite_path(engine: Engine) -> Path:
    """The file of a SQLite engine; ArchiveError for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:":
        raise ArchiveError("une base SQLite en mémoire ne se sauvegarde pas.")
    return Path(database)


def backup_site(
    engine: Engine,
    media_root: Path | None,
    directory: Path,
    keep: int,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> tuple[Path, Summary]:
    """Take a consistent backup of the site into `directory` (created if missing), then keep
    the newest `keep` there. Returns (the backup's path, what it holds). Raises ArchiveError.
    """
    progress = progress or Progress()
    now = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    destination = _reserve_path(directory, now)
    try:
        if engine.dialect.name == "sqlite":
            summary = _backup_sqlite(engine, media_root, destination, progress, now)
        else:  # one snapshot for every table: the site at one moment
            summary = site_archive.export_snapshot(
                engine, media_root, destination, EVERYTHING, progress, now
            )
    except BaseException:
        destination.unlink(missing_ok=True)  # the reserved name, or a half-written file
        raise
    rotate(directory, keep)
    return destination, summary


def _backup_sqlite(
    engine: Engine, media_root: Path | None, destination: Path, progress: Progress, now
) -> Summary:
    summary = Summary()
    with tempfile.TemporaryDirectory(prefix=".gazette-backup-", dir=destination.parent) as work:
        copy = Path(work) / DATABASE_MEMBER
        progress.start("Copie de la base", 0)
        source = sqlite3.connect(sqlite_path(engine))
        target = sqlite3.connect(copy)
        try:
            with target:
                source.backup(target)  # one step: the copy is the database at one moment
        finally:
            source.close()
            target.close()
        progress.finish()
        copy_engine = create_engine(f"sqlite:///{copy}")
        try:
            with copy_engine.connect() as connection:
                summary.schema_revision = site_archive.schema_revision(connection)
                summary.tables = {
                    t.name: count_rows(connection, t) for t in exported_tables(EVERYTHING)
                }
        finally:
            copy_engine.dispose()
        manifest = {
            "format": BACKUP_FORMAT,
            "format_version": BACKUP_VERSION,
            "database": "sqlite",
            "database_sha256": site_archive.file_digest(copy).hexdigest(),
            "schema_revision": summary.schema_revision,
            "created_at": site_archive.encode_value(now),
            "tables": summary.tables,
        }
        manifest_bytes = (json.dumps(manifest, sort_keys=True, indent=2) + "\n").encode()
        partial = Path(work) / "backup.tar"
        files = site_archive.media_files(media_root)
        with tarfile.open(partial, "w", format=tarfile.GNU_FORMAT) as tar:
            tar.addfile(
                site_archive.tar_info(BACKUP_MANIFEST, len(manifest_bytes)),
                io.BytesIO(manifest_bytes),
            )
            with copy.open("rb") as handle:
                tar.addfile(site_archive.tar_info(DATABASE_MEMBER, copy.stat().st_size), handle)
            progress.start("Sauvegarde : médias", len(files))
            digests = []
            for name, path in files:
                with path.open("rb") as handle:
                    size = os.fstat(handle.fileno()).st_size
                    digests.append(f"{site_archive.file_digest(path).hexdigest()}  {name}\n")
                    tar.addfile(site_archive.tar_info(name, size), handle)
                summary.media_files += 1
                summary.media_bytes += size
                progress.advance(1)
            progress.finish()
            # Last, in sha256sum's format: a restore refuses a file that no longer matches.
            listing = "".join(digests).encode()
            tar.addfile(site_archive.tar_info(MEDIA_DIGESTS, len(listing)), io.BytesIO(listing))
        os.replace(partial, destination)
    summary.archive_bytes = destination.stat().st_size
    return summary


def backup_kind(archive: Path) -> str:
    """ "export" (a gazette-export archive) or "sqlite" (a SQLite backup), from the first
    member's name; ArchiveError for anything else."""
    try:
        with tarfile.open(archive, "r:") as tar:
            first = tar.next()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveError(f"{archive} n’est pas une archive tar lisible ({error}).") from None
    if first is not None and first.name == site_archive.MANIFEST:
        return "export"
    if first is not None and first.name == BACKUP_MANIFEST:
        return "sqlite"
    raise ArchiveError(f"{archive} n’est ni une sauvegarde ni un export de Gazette.")


def restore_site(
    engine: Engine, archive: Path, media_root: Path, progress: Progress | None = None
) -> Summary:
    """Restore a backup (or an export archive) into the empty database behind `engine`.

    One transaction, as import_site; then the integrity checks (see the module docstring).
    Raises ArchiveError, leaving the database empty and no media written.
    """
    archive = Path(archive)
    if backup_kind(archive) == "export":
        return site_archive.import_site(
            engine, archive, media_root, progress, after_load=_integrity_checks(None)
        )
    with tempfile.TemporaryDirectory(prefix=".gazette-restore-", dir=archive.parent) as work:
        work = Path(work)
        manifest = _unpack_sqlite_backup(archive, work)
        database = work / DATABASE_MEMBER
        check = sqlite3.connect(database)
        try:
            problems = check.execute("PRAGMA integrity_check").fetchall()
        finally:
            check.close()
        if problems != [("ok",)]:
            raise ArchiveError(f"la base de la sauvegarde est abîmée ({problems[0][0]}).")
        source = create_engine(f"sqlite:///{database}")
        exported = work / "export.tar"
        try:
            with source.connect() as connection:
                site_archive.export_site(connection, work / "media", exported, EVERYTHING, progress)
        finally:
            source.dispose()
        return site_archive.import_site(
            engine,
            exported,
            media_root,
            progress,
            after_load=_integrity_checks(manifest["tables"]),
        )


def _unpack_sqlite_backup(archive: Path, work: Path) -> dict:
    """Extract gazette.db and media/ of a SQLite backup into `work`; returns its manifest."""
    try:
        with tarfile.open(archive, "r:") as tar:
            manifest = json.loads(tar.extractfile(tar.next()).read())
            if (
                manifest.get("format") != BACKUP_FORMAT
                or manifest.get("format_version") != BACKUP_VERSION
                or not isinstance(manifest.get("tables"), dict)
            ):
                raise ArchiveError(
                    f"sauvegarde au format {manifest.get('format_version')!r} : "
                    f"cette version de Gazette lit le format {BACKUP_VERSION}."
                )
            listed, found = None, {}
            for member in tar:
                if member.name == BACKUP_MANIFEST:
                    continue  # read above
                if member.name == MEDIA_DIGESTS and member.isfile():
                    listed = tar.extractfile(member).read().decode()
                    continue
                if member.name == DATABASE_MEMBER and member.isfile():
                    target = work / DATABASE_MEMBER
                elif member.name.startswith(f"{site_archive.MEDIA_DIR}/") and member.isfile():
                    relative = site_archive.safe_media_path(member.name)
                    target = work.joinpath(site_archive.MEDIA_DIR, *relative.parts)
                else:
                    raise ArchiveError(f"membre inattendu dans la sauvegarde : {member.name}.")
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as source, target.open("wb") as out:
                    while chunk := source.read(site_archive.COPY_CHUNK):
                        out.write(chunk)
                found[member.name] = site_archive.file_digest(target).hexdigest()
    except (tarfile.TarError, OSError, EOFError, ValueError, UnicodeDecodeError) as error:
        raise ArchiveError(f"sauvegarde tronquée ou abîmée ({error}).") from None
    database = found.pop(DATABASE_MEMBER, None)
    if database is None:
        raise ArchiveError("la sauvegarde ne contient pas de base.")
    if database != manifest.get("database_sha256"):
        raise ArchiveError("la base de la sauvegarde a été modifiée ou abîmée (empreinte SHA-256).")
    if listed is None:
        raise ArchiveError("sauvegarde tronquée : la liste des empreintes des médias manque.")
    expected = dict(reversed(line.split("  ", 1)) for line in listed.splitlines() if line)
    if expected != found:
        changed = sorted(set(expected.items()) ^ set(found.items()))
        raise ArchiveError(
            f"média modifié, manquant ou en trop dans la sauvegarde : {changed[0][0]}."
        )
    return manifest


def _integrity_checks(expected_tables: dict[str, int] | None):
    """The check run inside the restore's transaction: SQLite's own checks, and the row
    counts of the backup (when it lists them)."""

    def check(connection: Connection) -> None:
        if connection.dialect.name == "sqlite":
            problems = connection.exec_driver_sql("PRAGMA integrity_check").fetchall()
            if [tuple(p) for p in problems] != [("ok",)]:
                raise ArchiveError(f"contrôle d’intégrité en échec : {problems[0][0]}.")
            orphans = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if orphans:
                raise ArchiveError(
                    f"{len(orphans)} ligne(s) pointent vers des lignes absentes "
                    f"(première : table {orphans[0][0]})."
                )
        for name, rows in (expected_tables or {}).items():
            found = connection.scalar(text(f'SELECT count(*) FROM "{name}"'))
            if found != rows:
                raise ArchiveError(
                    f"la table {name} compte {found} ligne(s) au lieu de {rows} après restauration."
                )

    return check
