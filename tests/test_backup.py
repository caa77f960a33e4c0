"""`flask site backup` while the site is written to, and `flask site restore`.

On SQLite the backup is SQLite's online backup API plus the media files; on PostgreSQL
the export archive read in one REPEATABLE READ snapshot. Either restores into an empty
SQLite or PostgreSQL database through the import, then the integrity checks.
"""

from __future__ import annotations

import io
import tarfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from config import ConfigError, Environment
from models import Article, db
from models.sponsorship import SponsorshipInquiry
from services import backup
from services.media import store_upload
from tests.factories import make_article
from tests.sponsorship_factories import make_inquiry
from tests.test_site_archive import assert_one_french_error, files_under, fresh_app, jpeg


def test_backup_under_concurrent_saves_and_inquiries_keeps_every_acknowledged_write(
    app, runner, media_root, tmp_path
):
    """Writers save an article and send inquiries (each write acknowledged once
    committed) while the backup runs; every write acknowledged before it started is in
    the restored site, on SQLite and on PostgreSQL, and the integrity checks pass."""
    article = make_article("Titre 0")
    store_upload(jpeg(), media_root, None, alt="Une photo")
    acknowledged: list[tuple[str, int, int]] = []
    lock, stop = threading.Lock(), threading.Event()
    errors: list[BaseException] = []

    def writer(write):
        with app.app_context():
            n = 0
            try:
                while not stop.is_set():
                    n += 1
                    entry = write(n)
                    with lock:
                        acknowledged.append(entry)
            except BaseException as error:  # reported by the test, not lost in the thread
                errors.append(error)
            finally:
                db.session.remove()

    def save_article(n):
        saved = db.session.get(Article, article.id)
        saved.headline = f"Titre {n}"
        saved.record_revision(None, "Titre modifié")
        db.session.commit()
        return ("article", saved.id, n)

    def send_inquiry(_n):
        return ("inquiry", make_inquiry().id, 0)

    threads = [threading.Thread(target=writer, args=(w,)) for w in (save_article, send_inquiry)]
    for thread in threads:
        thread.start()
    try:
        while len(acknowledged) < 20 and not errors:
            time.sleep(0.01)
        with lock:
            before = list(acknowledged)
        result = runner.invoke(args=["site", "backup", str(tmp_path / "sauvegardes")])
        time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    assert result.exit_code == 0, result.output
    (archive,) = backup.backups_in(tmp_path / "sauvegardes")
    engine_kind = db.engine.dialect.name
    with tarfile.open(archive) as tar:
        first = tar.next().name
    assert first == ("backup.json" if engine_kind == "sqlite" else "manifest.json")

    for target in ("sqlite", "postgresql"):
        with fresh_app(target, tmp_path) as restored:
            result = restored.test_cli_runner().invoke(args=["site", "restore", str(archive)])
            assert result.exit_code == 0, result.output
            assert "Contrôles d’intégrité : aucun problème." in result.output
            inquiries = set(db.session.scalars(select(SponsorshipInquiry.id)))
            headline = db.session.scalar(select(Article.headline).where(Article.id == article.id))
            for kind, row_id, n in before:
                if kind == "inquiry":
                    assert row_id in inquiries
                else:
                    assert int(headline.split()[-1]) >= n
            if target == "sqlite":
                with db.engine.connect() as connection:
                    assert connection.exec_driver_sql("PRAGMA integrity_check").all() == [("ok",)]
                    assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert files_under(Path(restored.config["MEDIA_ROOT"])) == files_under(media_root)


def test_only_the_newest_backups_are_kept(app, runner, media_root, tmp_path):
    make_article("Un article à garder")
    folder = tmp_path / "sauvegardes"
    folder.mkdir()
    (folder / "notes.txt").write_text("pas une sauvegarde")
    app.config["GAZETTE_BACKUP_KEEP"] = 2
    taken = []
    for _ in range(3):
        result = runner.invoke(args=["site", "backup", str(folder)])
        assert result.exit_code == 0, result.output
        taken.append(result.output.split("Sauvegarde écrite dans ")[1].split(" :")[0])
    kept = backup.backups_in(folder)
    assert [str(p) for p in kept] == taken[1:]
    assert (folder / "notes.txt").exists()


def test_restore_refuses_a_non_empty_database_and_a_damaged_backup(
    app, runner, media_root, tmp_path
):
    make_article("Déjà là")
    result = runner.invoke(args=["site", "backup", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (archive,) = backup.backups_in(tmp_path)
    result = runner.invoke(args=["site", "restore", str(archive)])
    assert result.exit_code == 1
    assert_one_french_error(result.output)
    assert "la base n’est pas vide" in result.output

    damaged = tmp_path / "abimee.tar"
    damaged.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with fresh_app(db.engine.dialect.name, tmp_path) as target:
        result = target.test_cli_runner().invoke(args=["site", "restore", str(damaged)])
        assert result.exit_code == 1, result.output
        assert_one_french_error(result.output)
        assert db.session.scalar(text("SELECT count(*) FROM article")) == 0
        assert files_under(Path(target.config["MEDIA_ROOT"])) == []


@pytest.mark.parametrize("value", ["0", "sept", "-1"])
def test_a_bad_backup_count_stops_the_start_with_one_french_line(monkeypatch, value):
    monkeypatch.setenv("GAZETTE_BACKUP_KEEP", value)
    with pytest.raises(ConfigError) as raised:
        Environment().read("GAZETTE_BACKUP_KEEP")
    assert "GAZETTE_BACKUP_KEEP" in raised.value.message
    assert "sauvegardes" in raised.value.message


def test_backup_keep_defaults_to_seven(monkeypatch):
    monkeypatch.delenv("GAZETTE_BACKUP_KEEP", raising=False)
    assert Environment().read("GAZETTE_BACKUP_KEEP") == 7


def _sqlite_backup(runner, media_root, tmp_path) -> Path:
    make_article("Poutine salue le soutien nord-coréen")
    store_upload(jpeg(), media_root, None, alt="Une photo")
    result = runner.invoke(args=["site", "backup", str(tmp_path / "sauvegardes")])
    assert result.exit_code == 0, result.output
    (archive,) = backup.backups_in(tmp_path / "sauvegardes")
    return archive


def _altered(archive: Path, destination: Path, change) -> Path:
    """A copy of the backup with `change(name, data) -> data` applied to each member."""
    with tarfile.open(archive) as source, tarfile.open(destination, "w") as out:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return destination


@pytest.mark.parametrize("what", ["database", "media", "listing"])
def test_a_sqlite_backup_altered_after_it_was_taken_is_refused(
    app, runner, media_root, tmp_path, what
):
    """A byte changed in the database or an image, or the digests' list gone: refused
    with one French line, nothing restored (its integrity check alone would pass)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite backup format; PostgreSQL's is the export archive")
    archive = _sqlite_backup(runner, media_root, tmp_path)

    def change(name, data):
        if what == "database" and name == backup.DATABASE_MEMBER:
            return data.replace(b"Poutine", b"Putain ")
        if what == "media" and name.startswith("media/"):
            return data[:-1] + bytes([data[-1] ^ 1])
        if what == "listing" and name == backup.MEDIA_DIGESTS:
            return b""
        return data

    altered = _altered(archive, tmp_path / "modifiee.tar", change)
    with fresh_app("sqlite", tmp_path) as target:
        result = target.test_cli_runner().invoke(args=["site", "restore", str(altered)])
        assert result.exit_code == 1, result.output
        assert_one_french_error(result.output)
        assert db.session.scalar(text("SELECT count(*) FROM article")) == 0
        assert files_under(Path(target.config["MEDIA_ROOT"])) == []


def test_two_backups_in_the_same_second_keep_two_files(app, media_root, tmp_path):
    from datetime import UTC, datetime

    make_article("Un article")
    moment = datetime(2026, 11, 30, 10, 15, tzinfo=UTC)
    folder = tmp_path / "sauvegardes"
    first, _ = backup.backup_site(db.engine, media_root, folder, keep=5, now=moment)
    second, _ = backup.backup_site(db.engine, media_root, folder, keep=5, now=moment)
    assert (first.name, second.name) == (
        "gazette-backup-20261130T101500Z.tar",
        "gazette-backup-20261130T101500Z-2.tar",
    )
    assert backup.backups_in(folder) == [first, second]
    assert first.stat().st_size > 0 and second.stat().st_size > 0


def test_an_interrupted_backup_leaves_no_file_and_no_temporary_folder(app, media_root, tmp_path):
    """Ctrl-C, or a `kill` (the site commands turn SIGTERM into the same interruption):
    neither the reserved name nor the copy of the site stays behind."""
    import signal

    from cli.site import _interrupt

    make_article("Un article")
    store_upload(jpeg(), media_root, None, alt="Une photo")
    folder = tmp_path / "sauvegardes"

    class Killed(backup.site_archive.Progress):
        def start(self, label, total):
            _interrupt(signal.SIGTERM, None)

    with pytest.raises(KeyboardInterrupt):
        backup.backup_site(db.engine, media_root, folder, keep=5, progress=Killed())
    assert list(folder.iterdir()) == []


def test_backups_and_exports_are_refused_inside_the_media_folder(app, runner, media_root):
    """Written among the media, each would be copied into the next one."""
    for args in (["site", "backup", str(media_root / "sauvegardes")],
                 ["site", "export", str(media_root / "site.tar")]):  # fmt: skip
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        assert_one_french_error(result.output)
        assert "dossier des médias" in result.output
    assert not (media_root / "sauvegardes").exists() and not (media_root / "site.tar").exists()


def test_export_refuses_to_replace_what_is_not_a_plain_file(app, runner, tmp_path):
    target = tmp_path / "vrai.tar"
    target.write_bytes(b"a garder")
    link = tmp_path / "lien.tar"
    link.symlink_to(target)
    result = runner.invoke(args=["site", "export", str(link)])
    assert result.exit_code == 1, result.output
    assert_one_french_error(result.output)
    assert link.is_symlink() and target.read_bytes() == b"a garder"
