"""`flask site backup` while the site is written to, and `flask site restore`.

On SQLite the backup is SQLite's online backup API plus the media files; on PostgreSQL
the export archive read in one REPEATABLE READ snapshot. Either restores into an empty
SQLite or PostgreSQL database through the import, then the integrity checks.
"""

from __future__ import annotations

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
