"""The whole site in one file, and back: `flask site export` / `flask site import`.

An archive is a tar file (GNU format) holding, in this order:

- `manifest.json`: {"format": "gazette-export", "format_version": 1, "schema_revision":
  the Alembic revision of the database it came from, "created_at": ISO 8601 UTC,
  "options": {"with_passwords", "without_inquiries"}, "tables": [{"name", "rows",
  "bytes", "sha256"}, ...] in foreign-key order, "media": {"files", "bytes", "sha256"},
  "excluded": {table: reason}};
- `data/<table>.jsonl`: one JSON object a line per row, ordered by primary key, keys
  sorted, values written by column type (VALUE RULES below);
- `media/<path>`: every file under MEDIA_ROOT, sorted by path.

Every member has mtime 0, uid/gid 0, mode 0644, no user or group names: the same site
gives the same bytes from SQLite and from PostgreSQL, apart from `created_at`.

What is exported is decided by the SQLAlchemy metadata (`db.metadata.sorted_tables`):
every table is site content unless EXCLUDED says why not (tests/test_site_archive.py
fails on a table that is neither), so a table added by a later migration travels without
touching this module.

Both directions stream: rows are read with a server-side cursor in batches and written
to a temporary file per table (the tar header needs the size first), and read back line
by line into batched INSERTs; memory does not grow with the size of the site. An import
is one transaction: any failure (corrupt or truncated archive, wrong version, a row that
does not fit) leaves the database as it was, empty, and writes no media file.

VALUE RULES (the canonical form of a value):
- DateTime: naive UTC as stored (an aware value from PostgreSQL is converted to UTC),
  written "YYYY-MM-DDTHH:MM:SS.ffffffZ";
- Date: "YYYY-MM-DD"; Numeric: its decimal text; LargeBinary: base64;
- enums: their value; JSON: as JSON, keys sorted; booleans, numbers, text: as JSON.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath

from sqlalchemy import Column, Connection, Engine, Table, func, select, text
from sqlalchemy import types as sqltypes

from models import db
from services import page_cache, search

FORMAT_NAME = "gazette-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA_DIR = "data"
MEDIA_DIR = "media"
BATCH_SIZE = 1000
COPY_CHUNK = 1024 * 1024
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# Tables that are not site content, and why. Sessions and rate-limit counters are not in
# the database at all (signed cookies; Redis or instance/shared).
EXCLUDED: dict[str, str] = {
    "login_throttle": "compteurs anti-devinette des connexions : un état passager, lié aux "
    "adresses d’aujourd’hui",
    "setup_link": "lien de première installation, à usage unique et de courte durée",
    "article_search": "index de recherche SQLite (FTS5), reconstruit à l’import "
    "(services.search.reindex_all)",
    "search_document": "index de recherche PostgreSQL, reconstruit à l’import "
    "(services.search.reindex_all)",
    "prepared_article": "HTML des pages d’articles préparé à l’enregistrement, propre au "
    "code qui l’a produit : préparé de nouveau à la première lecture",
}

# Personal data of sponsors' contacts, left out by --without-inquiries: the inquiries,
# the notes on them and the e-mails queued for them (addresses, messages). Nullable
# foreign keys into these tables (sponsor.inquiry_id) are emptied.
INQUIRY_TABLES = ("sponsorship_inquiry", "inquiry_note", "outbox_message")


class ArchiveError(Exception):
    """The archive or the database cannot be used; str() is one French sentence."""


@dataclass(frozen=True)
class Options:
    """What an export leaves out: password hashes unless with_passwords; the inquiries
    (INQUIRY_TABLES) with without_inquiries."""

    with_passwords: bool = False
    without_inquiries: bool = False


class Progress:
    """What a long step reports: start(label, total), advance(n), finish(). Does nothing;
    the command line gives one drawing click progress bars."""

    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass
class Summary:
    """What an export or import did: rows per table (FK order), media files and bytes,
    the archive's size in bytes."""

    tables: dict[str, int] = field(default_factory=dict)
    media_files: int = 0
    media_bytes: int = 0
    archive_bytes: int = 0
    schema_revision: str = ""


# --- Which tables, which columns ----------------------------------------------------------


def all_tables() -> list[Table]:
    """Every table of the models, parents before children (FK order)."""
    return list(db.metadata.sorted_tables)


def exported_tables(options: Options) -> list[Table]:
    """The tables an export with these options writes, in FK order.

    Raises ArchiveError if a table written would keep a NOT NULL foreign key into a table
    left out (its rows could not be loaded).
    """
    left_out = set(EXCLUDED) | (set(INQUIRY_TABLES) if options.without_inquiries else set())
    tables = [t for t in all_tables() if t.name not in left_out]
    for table in tables:
        for column in table.columns:
            for key in column.foreign_keys:
                if key.column.table.name in left_out and not column.nullable:
                    raise ArchiveError(
                        f"la colonne {table.name}.{column.name} pointe vers la table "
                        f"{key.column.table.name}, laissée de côté : export impossible."
                    )
    return tables


def _emptied_columns(table: Table, options: Options) -> set[str]:
    """Columns written as null (or "" for the password) under these options."""
    emptied = set()
    if table.name == "user" and not options.with_passwords:
        emptied.add("password_hash")
    if options.without_inquiries:
        for column in table.columns:
            if any(k.column.table.name in INQUIRY_TABLES for k in column.foreign_keys):
                emptied.add(column.name)
    return emptied


def _empty_value(column: Column):
    # An account without a password hash is an invited account (models/user.User.invite).
    return "" if column.name == "password_hash" else None


# --- Values -----------------------------------------------------------------------------------


def encode_value(value):
    """A column's value in its canonical JSON form (VALUE RULES in the module docstring)."""
    if value is None or isinstance(value, (bool, int, float, str, dict, list)):
        if isinstance(value, enum.Enum):
            return value.value
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise ArchiveError(f"valeur de type {type(value).__name__} impossible à exporter.")


def decode_value(column: Column, value):
    """The Python value to insert for a canonical JSON value of this column.

    Raises ValueError for a value that does not fit the column's type.
    """
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, sqltypes.DateTime):
        return datetime.strptime(value, DATETIME_FORMAT)
    if isinstance(kind, sqltypes.Date):
        return date.fromisoformat(value)
    if isinstance(kind, sqltypes.LargeBinary):
        return base64.b64decode(value, validate=True)
    if isinstance(kind, sqltypes.Numeric) and not isinstance(kind, sqltypes.Float):
        return Decimal(value)
    if isinstance(kind, sqltypes.Boolean) and not isinstance(value, bool):
        raise ValueError(f"pas un booléen : {value!r}")
    return value


def encode_row(table: Table, row, emptied: set[str]) -> bytes:
    """One JSON line for a row: keys sorted, compact, UTF-8, ending with a newline."""
    values = {
        column.name: (
            _empty_value(column) if column.name in emptied else encode_value(row[column.name])
        )
        for column in table.columns
    }
    line = json.dumps(
        values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    return line.encode("utf-8") + b"\n"


# --- Reading the database -----------------------------------------------------------------


def schema_revision(connection: Connection) -> str:
    """The Alembic revision the database is at ("0009a"); ArchiveError if it has none."""
    try:
        revisions = connection.scalars(
            text("SELECT version_num FROM alembic_version ORDER BY version_num")
        ).all()
    except Exception:
        revisions = []
    if not revisions:
        raise ArchiveError(
            "la base n’a pas de schéma : lancez d’abord `flask --app app db upgrade`."
        )
    return ",".join(revisions)


def _ordering(connection: Connection, table: Table) -> list:
    """ORDER BY the primary key; text compared by code point on both engines (PostgreSQL's
    collation would order "É" differently from SQLite's binary comparison)."""
    keys = list(table.primary_key.columns) or list(table.columns)
    order = []
    for column in keys:
        if isinstance(column.type, sqltypes.String) and connection.dialect.name == "postgresql":
            order.append(column.collate("C"))
        else:
            order.append(column)
    return order


def iter_rows(connection: Connection, table: Table) -> Iterator:
    """The table's rows in primary-key order, fetched BATCH_SIZE at a time (a server-side
    cursor on PostgreSQL)."""
    statement = select(table).order_by(*_ordering(connection, table))
    result = connection.execution_options(stream_results=True, yield_per=BATCH_SIZE).execute(
        statement
    )
    for row in result:
        yield row._mapping


def count_rows(connection: Connection, table: Table) -> int:
    return connection.scalar(select(func.count()).select_from(table))


def media_files(media_root: Path | None) -> list[tuple[str, Path]]:
    """(path in the archive, file) for every file under the media root, sorted by path."""
    if media_root is None or not media_root.is_dir():
        return []
    found = []
    for directory, _dirs, names in os.walk(media_root):
        for name in names:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                relative = path.relative_to(media_root).as_posix()
                found.append((f"{MEDIA_DIR}/{relative}", path))
    return sorted(found)


# --- Writing an archive -----------------------------------------------------------------------


def tar_info(name: str, size: int) -> tarfile.TarInfo:
    """A member header with nothing of the machine in it (mtime 0, root, 0644), so that two
    archives of the same site are the same bytes. Shared with services/backup.py."""
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, 0, 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def file_digest(path: Path, digest=None):
    """`digest` (a new SHA-256 by default) updated with the file's bytes, read in chunks."""
    digest = digest or hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(COPY_CHUNK):
            digest.update(chunk)
    return digest


def export_site(
    connection: Connection,
    media_root: Path | None,
    destination: Path,
    options: Options = Options(),
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Summary:
    """Write the site read through `connection` to the archive `destination` (a .tar path).

    Reads every table in one transaction of `connection` (give a REPEATABLE READ
    connection on PostgreSQL for a consistent snapshot; on SQLite the reads run in one
    read transaction). The archive is written beside `destination` then renamed, so a
    failure leaves no half-written file. Returns a Summary; raises ArchiveError.
    """
    progress = progress or Progress()
    destination = Path(destination)
    tables = exported_tables(options)
    summary = Summary()
    with tempfile.TemporaryDirectory(prefix=".gazette-export-", dir=destination.parent) as workdir:
        work = Path(workdir)
        if connection.dialect.name == "sqlite":
            # pysqlite opens no transaction for reads: one explicit read transaction keeps
            # every table at the same moment (WAL lets writers go on meanwhile).
            raw = connection.connection.driver_connection
            if not raw.in_transaction:
                raw.execute("BEGIN")
        summary.schema_revision = schema_revision(connection)
        described = []
        for table in tables:
            emptied = _emptied_columns(table, options)
            path = work / f"{table.name}.jsonl"
            digest, rows, size = hashlib.sha256(), 0, 0
            progress.start(f"Export : {table.name}", count_rows(connection, table))
            with path.open("wb") as out:
                for row in iter_rows(connection, table):
                    line = encode_row(table, row, emptied)
                    out.write(line)
                    digest.update(line)
                    rows += 1
                    size += len(line)
                    if rows % BATCH_SIZE == 0:
                        progress.advance(BATCH_SIZE)
            progress.advance(rows % BATCH_SIZE)
            progress.finish()
            described.append(
                {"name": table.name, "rows": rows, "bytes": size, "sha256": digest.hexdigest()}
            )
            summary.tables[table.name] = rows
        files = media_files(media_root)
        media_digest = hashlib.sha256()
        for name, path in files:
            media_digest.update(name.encode("utf-8") + b"\0")
            file_digest(path, media_digest)
            summary.media_bytes += path.stat().st_size
        summary.media_files = len(files)
        manifest = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "schema_revision": summary.schema_revision,
            "created_at": encode_value(now or datetime.now(UTC)),
            "options": {
                "with_passwords": options.with_passwords,
                "without_inquiries": options.without_inquiries,
            },
            "tables": described,
            "media": {
                "files": summary.media_files,
                "bytes": summary.media_bytes,
                "sha256": media_digest.hexdigest(),
            },
            "excluded": dict(sorted(EXCLUDED.items())),
        }
        manifest_bytes = (
            json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
        ).encode("utf-8")
        partial = work / "archive.tar"
        with tarfile.open(partial, "w", format=tarfile.GNU_FORMAT) as tar:
            tar.addfile(tar_info(MANIFEST, len(manifest_bytes)), io.BytesIO(manifest_bytes))
            for entry in described:
                path = work / f"{entry['name']}.jsonl"
                with path.open("rb") as handle:
                    tar.addfile(
                        tar_info(f"{DATA_DIR}/{entry['name']}.jsonl", entry["bytes"]), handle
                    )
                path.unlink()
            progress.start("Export : médias", len(files))
            for name, path in files:
                with path.open("rb") as handle:
                    size = os.fstat(handle.fileno()).st_size
                    tar.addfile(tar_info(name, size), handle)
                progress.advance(1)
            progress.finish()
        os.replace(partial, destination)
    summary.archive_bytes = destination.stat().st_size
    return summary


# --- Reading an archive -----------------------------------------------------------------------


def export_snapshot(
    engine: Engine,
    media_root: Path | None,
    destination: Path,
    options: Options = Options(),
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Summary:
    """export_site() over a connection of its own that sees the site at one moment: a
    REPEATABLE READ transaction on PostgreSQL, one read transaction on SQLite. Used by
    `site export` and by PostgreSQL backups. Returns a Summary; raises ArchiveError."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    with connection, connection.begin():
        return export_site(connection, media_root, destination, options, progress, now)


def non_empty_tables(connection: Connection) -> dict[str, int]:
    """{table: rows} for every table of the models that holds rows."""
    found = {}
    for table in all_tables():
        rows = count_rows(connection, table)
        if rows:
            found[table.name] = rows
    return found


def _open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveError(f"{path} n’est pas une archive tar lisible ({error}).") from None


def read_manifest(tar: tarfile.TarFile) -> dict:
    """The archive's manifest, checked: its format, version and shape. Raises ArchiveError."""
    try:
        first = tar.next()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveError(f"archive illisible ({error}).") from None
    if first is None or first.name != MANIFEST or not first.isfile():
        raise ArchiveError(f"ce fichier n’est pas une archive Gazette ({MANIFEST} manque en tête).")
    try:
        manifest = json.loads(tar.extractfile(first).read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, tarfile.TarError, OSError, EOFError):
        raise ArchiveError(f"{MANIFEST} est illisible : archive abîmée.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ArchiveError(f"ce fichier n’est pas une archive « {FORMAT_NAME} ».")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"archive au format {manifest.get('format_version')!r} ; cette version de Gazette "
            f"lit le format {FORMAT_VERSION}."
        )
    tables = manifest.get("tables")
    media = manifest.get("media")
    if (
        not isinstance(tables, list)
        or not all(
            isinstance(t, dict)
            and isinstance(t.get("name"), str)
            and isinstance(t.get("rows"), int)
            and isinstance(t.get("sha256"), str)
            for t in tables
        )
        or not isinstance(media, dict)
        or not isinstance(media.get("files"), int)
        or not isinstance(manifest.get("schema_revision"), str)
    ):
        raise ArchiveError(f"{MANIFEST} est incomplet : archive abîmée.")
    return manifest


def _check_tables(manifest: dict) -> list[Table]:
    """The archive's tables as this schema knows them, in FK order; ArchiveError for an
    unknown or excluded table, or one out of order."""
    known = {t.name: t for t in all_tables()}
    order = [t.name for t in all_tables()]
    names = [t["name"] for t in manifest["tables"]]
    for name in names:
        if name not in known or name in EXCLUDED:
            raise ArchiveError(f"l’archive contient une table inconnue : {name}.")
    if len(set(names)) != len(names) or names != sorted(names, key=order.index):
        raise ArchiveError("les tables de l’archive ne sont pas dans l’ordre attendu.")
    return [known[name] for name in names]


def safe_media_path(name: str) -> PurePosixPath:
    """ "media/2024/a.webp" -> PurePosixPath("2024/a.webp"); ArchiveError for a path that
    is absolute, climbs out ("..") or names nothing; ValueError when not under media/."""
    relative = PurePosixPath(name).relative_to(MEDIA_DIR)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise ArchiveError(f"chemin de média refusé dans l’archive : {name}.")
    return relative


def _self_referencing_constraints(connection: Connection, table: Table) -> list[str]:
    """PostgreSQL names of the table's foreign keys to itself (section.parent_id)."""
    return list(
        connection.scalars(
            text(
                "SELECT conname FROM pg_constraint WHERE contype = 'f' "
                "AND conrelid = CAST(:table AS regclass) AND confrelid = conrelid ORDER BY conname"
            ),
            {"table": f'"{table.name}"'},
        )
    )


@contextmanager
def _parents_checked_at_the_end(connection: Connection, table: Table):
    """Load rows in id order even when a parent comes after its child (a section moved
    under a newer one): the table's foreign keys to itself are checked once the table is
    loaded. Rows then lie in id order on disk, as in the database they came from, which
    pages that list rows without ORDER BY show. SQLite defers every foreign key of the
    import (PRAGMA defer_foreign_keys, set by import_site); PostgreSQL makes these
    constraints deferrable for the load, checks them, and puts them back."""
    names = (
        _self_referencing_constraints(connection, table)
        if connection.dialect.name == "postgresql"
        else []
    )
    for name in names:
        connection.execute(
            text(
                f'ALTER TABLE "{table.name}" ALTER CONSTRAINT "{name}" '
                "DEFERRABLE INITIALLY DEFERRED"
            )
        )
    yield
    for name in names:
        connection.execute(text(f'SET CONSTRAINTS "{name}" IMMEDIATE'))
        connection.execute(
            text(f'ALTER TABLE "{table.name}" ALTER CONSTRAINT "{name}" NOT DEFERRABLE')
        )


def _load_table(
    connection: Connection, table: Table, stream, expected: dict, progress: Progress
) -> int:
    """Insert the rows of one data member (a binary file object of JSON lines) in batches;
    check its row count and sha256 against the manifest. Returns the row count."""
    columns = {c.name: c for c in table.columns}
    digest, rows, batch = hashlib.sha256(), 0, []
    progress.start(f"Import : {table.name}", expected["rows"])

    def flush() -> None:
        if batch:
            connection.execute(table.insert(), batch)
            progress.advance(len(batch))
            batch.clear()

    for line in stream:
        digest.update(line)
        try:
            values = json.loads(line)
        except ValueError:
            raise ArchiveError(f"ligne illisible dans la table {table.name}.") from None
        if not isinstance(values, dict) or set(values) != set(columns):
            unknown = sorted(set(values) - set(columns)) if isinstance(values, dict) else []
            raise ArchiveError(
                f"colonnes inattendues dans la table {table.name}"
                + (f" : {', '.join(unknown)}." if unknown else ".")
            )
        try:
            row = {name: decode_value(columns[name], value) for name, value in values.items()}
        except (ValueError, TypeError) as error:
            raise ArchiveError(f"valeur refusée dans la table {table.name} ({error}).") from None
        batch.append(row)
        rows += 1
        if len(batch) >= BATCH_SIZE:
            flush()
    flush()
    progress.finish()
    if rows != expected["rows"] or digest.hexdigest() != expected["sha256"]:
        raise ArchiveError(
            f"la table {table.name} ne correspond pas au manifeste : archive abîmée."
        )
    return rows


def reset_sequences(connection: Connection) -> None:
    """PostgreSQL: each id sequence continues after the largest id loaded (rows were
    inserted with their ids, which does not advance the sequences)."""
    if connection.dialect.name != "postgresql":
        return
    for table in all_tables():
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, sqltypes.Integer):
            continue
        name = keys[0].name
        sequence = connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": f'"{table.name}"', "column": name},
        )
        if sequence:
            connection.execute(
                text(
                    f'SELECT setval(:sequence, COALESCE((SELECT max("{name}") FROM '
                    f'"{table.name}"), 0) + 1, false)'
                ),
                {"sequence": sequence},
            )


def import_site(
    engine: Engine,
    archive: Path,
    media_root: Path,
    progress: Progress | None = None,
    after_load: Callable[[Connection], None] | None = None,
) -> Summary:
    """Load an archive into the empty database behind `engine` and its files into
    `media_root`, in one transaction.

    Refuses (ArchiveError, nothing written) an archive of another format, version or
    schema revision, a database that holds rows, unknown tables or columns, and any
    member that does not match the manifest (rows, sha256, media digest). Then resets the
    PostgreSQL sequences, rebuilds the search index and invalidates every cached page.
    `after_load(connection)` runs last inside the transaction (extra checks).
    """
    progress = progress or Progress()
    archive, media_root = Path(archive), Path(media_root)
    summary = Summary()
    moved: list[Path] = []
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{media_root.name}-import-", dir=media_root.parent))
    try:
        with _open_archive(archive) as tar, engine.begin() as connection:
            manifest = read_manifest(tar)
            tables = _check_tables(manifest)
            revision = schema_revision(connection)
            if manifest["schema_revision"] != revision:
                raise ArchiveError(
                    f"l’archive vient d’une base au schéma {manifest['schema_revision']}, "
                    f"celle-ci est au schéma {revision} : migrez-la d’abord au même niveau."
                )
            present = non_empty_tables(connection)
            if present:
                listed = ", ".join(f"{name} ({rows})" for name, rows in present.items())
                raise ArchiveError(
                    f"la base n’est pas vide : {listed}. L’import se fait dans une base neuve "
                    "(créée puis migrée avec `flask --app app db upgrade`)."
                )
            summary.schema_revision = revision
            if connection.dialect.name == "postgresql":
                # Loading a table with a foreign key to itself locks it for a moment
                # (_parents_checked_at_the_end): fail with a message rather than wait forever
                # behind a session left open on the new database.
                connection.execute(text("SET LOCAL lock_timeout = '30s'"))
            if connection.dialect.name == "sqlite":
                # Checked at commit, when every row is in (ends with the transaction).
                connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            expected = {t["name"]: t for t in manifest["tables"]}
            pending = list(tables)
            media_digest = hashlib.sha256()
            member = _next_member(tar)
            while member is not None:
                if pending and member.name == f"{DATA_DIR}/{pending[0].name}.jsonl":
                    table = pending.pop(0)
                    stream = tar.extractfile(member)
                    with _parents_checked_at_the_end(connection, table):
                        summary.tables[table.name] = _load_table(
                            connection, table, _lines(stream), expected[table.name], progress
                        )
                elif member.name.startswith(f"{MEDIA_DIR}/") and not pending:
                    if not member.isfile():
                        raise ArchiveError(f"membre refusé dans l’archive : {member.name}.")
                    relative = safe_media_path(member.name)
                    target = staging.joinpath(*relative.parts)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    media_digest.update(member.name.encode("utf-8") + b"\0")
                    with tar.extractfile(member) as source, target.open("wb") as out:
                        while chunk := source.read(COPY_CHUNK):
                            media_digest.update(chunk)
                            out.write(chunk)
                    summary.media_files += 1
                    summary.media_bytes += member.size
                else:
                    raise ArchiveError(f"membre inattendu dans l’archive : {member.name}.")
                member = _next_member(tar)
            if pending:
                raise ArchiveError(f"archive tronquée : la table {pending[0].name} manque.")
            media = manifest["media"]
            if summary.media_files != media["files"] or (
                media_digest.hexdigest() != media.get("sha256")
            ):
                raise ArchiveError("les médias ne correspondent pas au manifeste : archive abîmée.")
            reset_sequences(connection)
            progress.start("Index de recherche", 0)
            search.reindex_all(connection)
            progress.finish()
            if after_load is not None:
                after_load(connection)
            moved = _move_media(staging, media_root)
    except BaseException:
        for path in moved:
            path.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary.archive_bytes = archive.stat().st_size
    # Rows went in around the ORM: every page shows the sections, so this stales them all.
    page_cache.bump({"sections", "lists", "texts", "tags", "front"})
    return summary


def _next_member(tar: tarfile.TarFile):
    try:
        return tar.next()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveError(f"archive tronquée ou abîmée ({error}).") from None


def _lines(stream) -> Iterator[bytes]:
    try:
        yield from stream
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveError(f"archive tronquée ou abîmée ({error}).") from None


def _move_media(staging: Path, media_root: Path) -> list[Path]:
    """Move the staged files into the media root, refusing to replace an existing file.
    Returns the files placed (removed again if the transaction then fails)."""
    placed = []
    try:
        for directory, _dirs, names in os.walk(staging):
            for name in sorted(names):
                source = Path(directory) / name
                target = media_root / source.relative_to(staging)
                if target.exists():
                    raise ArchiveError(f"le fichier {target} existe déjà : import arrêté.")
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
                placed.append(target)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    return placed
