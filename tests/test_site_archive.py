"""`flask site export` / `flask site import`: the whole site in one archive, and back.

Every test runs on SQLite and PostgreSQL (the `app` fixture); the round trip also crosses
engines: SQLite → archive → PostgreSQL → archive gives the same bytes but the creation
time, and every reader page renders the same on both sides.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from PIL import Image
from sqlalchemy import select, text

from app import create_app
from models import Article, User, db
from models.content import ArticleStatus
from models.correction import Correction
from models.front import FrontPin, FrontSection
from models.imports import LegacyRedirect, WordPressOrigin
from models.preview import PreviewLink
from models.revision import ArticleSlugRedirect
from models.sponsor import Sponsor
from models.sponsorship import InquiryNote, OutboxMessage
from models.time import utcnow
from services import sections, site_archive, tags
from services.media import store_upload
from services.search import SEARCH_TABLES
from services.search import search as search_articles
from services.site_archive import EXCLUDED, INQUIRY_TABLES, Options
from tests.conftest import (
    IN_CI,
    TEST_DATABASE_URL,
    IsolatedClient,
    _postgres_database,
    base_config,
    empty_all_tables,
)
from tests.factories import make_article, make_section, make_user
from tests.sponsorship_factories import make_inquiry

CREATED_AT = re.compile(rb'"created_at": "[0-9T:.\-]+Z"')


# --------------------------------------------------------------------------- helpers


@contextmanager
def fresh_app(kind: str, tmp_path: Path):
    """An app on a new, empty database of `kind` ("sqlite" or "postgresql"), migrated,
    with its own media folder; its app context is pushed."""
    if kind == "postgresql" and not TEST_DATABASE_URL:
        if IN_CI:
            pytest.fail("CI=true but TEST_DATABASE_URL is not set")
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to import into")
    name = uuid.uuid4().hex[:8]
    if kind == "sqlite":
        generator = iter([f"sqlite:///{tmp_path / f'fresh-{name}.db'}"])
    else:
        generator = _postgres_database(TEST_DATABASE_URL)
    url = next(generator)
    app = create_app(base_config(url))
    app.test_client_class = IsolatedClient
    app.config["MEDIA_ROOT"] = str(tmp_path / f"media-{name}")
    try:
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        next(generator, None)


def backend_of(app) -> str:
    return db.engine.dialect.name


def jpeg(size=(900, 600), colour="darkorange") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def build_newsroom(media_root: Path) -> dict:
    """A small newsroom using every table: sections in a tree (a child older than its
    parent), tags, co-authors, every block kind, revisions, corrections, a sponsor won
    from an inquiry, notes, an e-mail, redirects of each kind, pins, a preview link, a
    real image. Returns the reader addresses to compare."""
    child = make_section("Politique", slug="politique")
    world = make_section("International", slug="international")
    sections.save(child, "Politique", "Les affaires publiques.", world)  # a SectionRedirect
    admin = make_user("Élodie Œuvrard", role="admin", password="une phrase de passe solide 42")
    author = make_user("Lech Wałęsa", bio_html="<p>Correspondant à Gdańsk.</p>")
    coauthor = make_user("Zoé Lefèvre", role="editor")
    energy = tags.find_or_create("Énergie")
    korea = tags.find_or_create("Corée du Nord")
    db.session.commit()
    tags.rename(energy, "Énergies")  # a TagRedirect
    photo = store_upload(
        jpeg(), media_root, author.id, alt="Le port de Gdańsk", caption="À l’aube", credit="AFP"
    )
    inquiry = make_inquiry(name="Zoé Lefèvre", organisation="Énergies Réunies")
    db.session.add(InquiryNote(inquiry_id=inquiry.id, author_id=admin.id, body="Rappeler lundi."))
    db.session.add(
        OutboxMessage(
            inquiry_id=inquiry.id,
            purpose="notification",
            to_address="redaction@gazette.example",
            subject="Nouvelle demande",
            body="Une demande de sponsoring.",
        )
    )
    sponsor = Sponsor(
        name="Énergies Réunies", link="https://energies.example", inquiry_id=inquiry.id
    )
    db.session.add(sponsor)
    db.session.commit()
    blocks = [
        ("paragraph", {"html": "Le <strong>sommet</strong> s’ouvre à Pyongyang.<br>Suite."}),
        ("heading", {"text": "Une alliance", "level": 2}),
        ("quote", {"text": "Nous sommes prêts.", "attribution": "Un diplomate"}),
        ("list", {"items": ["Pétrole", "<em>Gaz</em>"], "ordered": True}),
        ("image", {"media": photo.token, "alt": "Le port", "caption": "Gdańsk", "credit": "AFP"}),
        (
            "embed",
            {
                "provider": "youtube",
                "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                "embed_url": "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
                "frame_origin": "https://www.youtube-nocookie.com",
                "title": "Le sommet en vidéo",
                "caption": "Images officielles",
            },
        ),
    ]
    lead = make_article(
        "Poutine salue le soutien nord-coréen",
        section=child,
        author=author,
        blocks=blocks,
        standfirst="Une visite très commentée.",
        slug="poutine-salue",
        lead_media_id=photo.id,
        lead_alt="Le port de Gdańsk",
        sponsor_id=sponsor.id,
    )
    lead.set_authors([author, coauthor])
    lead.set_tags([korea, energy])
    lead.record_revision(author, "Première version")
    lead.headline = "Poutine salue le soutien nord-coréen à Pyongyang"
    lead.record_revision(coauthor, "Titre modifié")
    db.session.add(ArticleSlugRedirect(old_slug="ancien-titre", article_id=lead.id))
    # Imported from a WordPress site: its old permalink, and where the row came from.
    db.session.add(LegacyRedirect(old_path="/2024/06/01/poutine-salue", article_id=lead.id))
    db.session.add(WordPressOrigin(site="https://ancien.example", kind="post", wp_id=1042,
                                   object_id=lead.id))  # fmt: skip
    db.session.add(
        Correction(article_id=lead.id, text="Une date était fausse.", author_id=admin.id)
    )
    second = make_article("Les énergies renouvelables en Pologne", section=world, author=coauthor,
                          blocks=[("paragraph", {"html": "La réforme avance."})])  # fmt: skip
    second.set_tags([energy])
    draft = make_article("Brouillon secret", section=world, author=author,
                         status=ArticleStatus.DRAFT, published_at=None)  # fmt: skip
    PreviewLink.issue(draft, author, "24h")
    db.session.add(FrontPin(article_id=lead.id, position=0, pinned_by_id=admin.id,
                            expires_at=utcnow() + timedelta(days=3)))  # fmt: skip
    db.session.add(FrontSection(section_id=world.id, position=0))
    db.session.commit()
    second.record_revision(coauthor, "Relu")
    db.session.commit()
    return {
        "pages": [
            "/",
            "/rubrique/international",
            "/rubrique/international/politique",
            "/rubrique/politique",  # the section's old path: 301
            f"/sujet/{energy.slug}",
            "/sujet/energie",  # the tag's old slug: 301
            f"/sujet/{korea.slug}",
            f"/auteur/{author.slug}",
            f"/auteur/{coauthor.slug}",
            f"/article/{lead.slug}",
            f"/article/{second.slug}",
            "/article/ancien-titre",  # the article's old slug: 301
            "/2024/06/01/poutine-salue/",  # its WordPress permalink: 301
            "/flux.rss",
            "/flux.atom",
            "/rubrique/international/flux.rss",
            f"/sujet/{energy.slug}/flux.atom",
            f"/auteur/{author.slug}/flux.rss",
            "/sitemap.xml",
            "/sitemaps/articles-1.xml",
            "/sitemaps/rubriques.xml",
            "/sitemaps/auteurs.xml",
            "/sitemaps/sujets.xml",
            "/sitemaps/actualites.xml",
            "/corrections",
            "/recherche?q=energie",
        ],
        "password_user_id": admin.id,
        "photo": photo,
    }


def render(app, addresses: list[str]) -> dict[str, tuple]:
    """Status, Location and body of each reader page, as an anonymous reader gets them."""
    client = app.test_client()
    pages = {}
    for address in addresses:
        response = client.get(address)
        pages[address] = (response.status_code, response.headers.get("Location"), response.data)
    return pages


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def rows_of(archive: Path, table: str) -> list[dict]:
    data = members(archive).get(f"data/{table}.jsonl")
    return [json.loads(line) for line in data.splitlines()] if data is not None else None


def rewrite(archive: Path, destination: Path, change) -> Path:
    """A copy of the archive with `change(name, bytes) -> (name, bytes) | None` applied
    to each member (None drops it)."""
    with tarfile.open(archive) as source, tarfile.open(destination, "w") as out:
        for member in source.getmembers():
            changed = change(member.name, source.extractfile(member).read())
            if changed is not None:
                name, data = changed
                info = tarfile.TarInfo(name)
                info.size = len(data)
                out.addfile(info, io.BytesIO(data))
    return destination


def assert_one_french_error(output: str) -> None:
    """A failed command ends with one French line (click's "Error: "), no traceback."""
    lines = output.strip().splitlines()
    assert "Traceback" not in output
    assert [line for line in lines if line.startswith("Error: ")] == lines[-1:], output


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- guard


def test_every_table_is_exported_or_excluded_with_a_reason():
    """A table added by a migration travels with the site unless EXCLUDED says why not:
    this fails for a table that is neither (sessions and limits are not in the database)."""
    names = {table.name for table in db.metadata.sorted_tables}
    exported = {table.name for table in site_archive.exported_tables(Options())}
    assert exported | (names & set(EXCLUDED)) == names
    assert all(reason.strip() for reason in EXCLUDED.values())
    # Every exclusion names a real table (of the models, or the search index's own).
    assert set(EXCLUDED) <= names | set(SEARCH_TABLES)
    # Leaving the inquiries out leaves nothing pointing at them that could not be emptied.
    without = {t.name for t in site_archive.exported_tables(Options(without_inquiries=True))}
    assert without == exported - set(INQUIRY_TABLES)


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("target", ["sqlite", "postgresql"])
def test_round_trip_gives_the_same_archive_and_the_same_pages(
    app, runner, media_root, tmp_path, target
):
    """source engine → export → fresh `target` → export: the same bytes but created_at; the
    same reader pages; search, new rows (sequences) and passwords work there."""
    newsroom = build_newsroom(media_root)
    before = render(app, newsroom["pages"])
    assert before["/rubrique/politique"][0] == 301 and before["/article/ancien-titre"][0] == 301
    assert before["/2024/06/01/poutine-salue/"][0] == 301
    assert before[f"/article/{'poutine-salue'}"][0] == 200
    first = tmp_path / "first.tar"
    result = runner.invoke(args=["site", "export", str(first), "--with-passwords"])
    assert result.exit_code == 0, result.output
    assert "article" in result.output and "fichiers médias" in result.output

    with fresh_app(target, tmp_path) as moved:
        result = moved.test_cli_runner().invoke(args=["site", "import", str(first)])
        assert result.exit_code == 0, result.output
        second = tmp_path / "second.tar"
        result = moved.test_cli_runner().invoke(
            args=["site", "export", str(second), "--with-passwords"]
        )
        assert result.exit_code == 0, result.output
        assert CREATED_AT.sub(b"", first.read_bytes()) == CREATED_AT.sub(b"", second.read_bytes())

        after = render(moved, newsroom["pages"])
        for address in newsroom["pages"]:
            assert after[address] == before[address], address
        moved_root = Path(moved.config["MEDIA_ROOT"])
        assert files_under(moved_root) == files_under(media_root) != []
        for name in files_under(media_root):
            assert (moved_root / name).read_bytes() == (media_root / name).read_bytes()
        # The index was rebuilt from the imported rows, on this engine's own tables.
        found = search_articles("renouvelable")
        assert [r.article.headline for r in found.results] == [
            "Les énergies renouvelables en Pologne"
        ]
        # Ids continue after the imported ones (PostgreSQL sequences reset).
        newcomer = make_user("Nouvelle Recrue")
        assert newcomer.id > max(db.session.scalars(select(User.id).where(User.id != newcomer.id)))
        article = make_article("Après le déménagement", author=newcomer)
        assert article.id > 3
        # Password hashes came along with --with-passwords.
        admin = db.session.get(User, newsroom["password_user_id"])
        assert admin.check_password("une phrase de passe solide 42")


def test_sqlite_export_then_postgresql_export_is_byte_identical(tmp_path):
    """The same site exported from SQLite and from PostgreSQL: identical archives (the
    time given), whatever the engine returned (naive or aware times, collations)."""
    with fresh_app("sqlite", tmp_path) as source:
        build_newsroom(Path(source.config["MEDIA_ROOT"]))
        from_sqlite = tmp_path / "sqlite.tar"
        with db.engine.connect() as connection, connection.begin():
            site_archive.export_site(
                connection, Path(source.config["MEDIA_ROOT"]), from_sqlite, now=utcnow()
            )
        moment = json.loads(members(from_sqlite)["manifest.json"])["created_at"]
        with fresh_app("postgresql", tmp_path) as target:
            site_archive.import_site(db.engine, from_sqlite, Path(target.config["MEDIA_ROOT"]))
            from_postgresql = tmp_path / "postgresql.tar"
            with db.engine.connect() as connection, connection.begin():
                site_archive.export_site(
                    connection,
                    Path(target.config["MEDIA_ROOT"]),
                    from_postgresql,
                    now=site_archive.decode_value(
                        db.metadata.tables["article"].c.created_at, moment
                    ),
                )
        assert from_sqlite.read_bytes() == from_postgresql.read_bytes()


# --------------------------------------------------------------------------- options


def test_passwords_and_inquiries_follow_the_options(app, runner, media_root, tmp_path):
    newsroom = build_newsroom(media_root)
    plain = tmp_path / "plain.tar"
    assert runner.invoke(args=["site", "export", str(plain)]).exit_code == 0
    users = rows_of(plain, "user")
    assert users and all(row["password_hash"] == "" for row in users)
    assert rows_of(plain, "sponsorship_inquiry") and rows_of(plain, "inquiry_note")
    assert rows_of(plain, "sponsor")[0]["inquiry_id"] is not None

    with_passwords = tmp_path / "with.tar"
    assert (
        runner.invoke(args=["site", "export", str(with_passwords), "--with-passwords"]).exit_code
        == 0
    )
    hashes = {row["id"]: row["password_hash"] for row in rows_of(with_passwords, "user")}
    assert hashes[newsroom["password_user_id"]].startswith("scrypt:")

    private = tmp_path / "private.tar"
    result = runner.invoke(args=["site", "export", str(private), "--without-inquiries"])
    assert result.exit_code == 0, result.output
    for table in INQUIRY_TABLES:
        assert rows_of(private, table) is None
    assert rows_of(private, "sponsor")[0]["inquiry_id"] is None
    assert b"zoe@" not in b"".join(members(private).values()).lower()
    manifest = json.loads(members(private)["manifest.json"])
    assert manifest["options"] == {"with_passwords": False, "without_inquiries": True}

    # An archive without inquiries loads, and its accounts have no password to log in with.
    db.session.remove()
    empty_all_tables()
    for path in list(media_root.rglob("*")):
        if path.is_file():
            path.unlink()
    result = runner.invoke(args=["site", "import", str(private)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Sponsor.inquiry_id)) is None
    admin = db.session.get(User, newsroom["password_user_id"])
    assert admin.password_hash == "" and not admin.check_password("une phrase de passe solide 42")


# --------------------------------------------------------------------------- refusals


def test_a_non_empty_database_is_refused_with_one_french_line(app, runner, media_root, tmp_path):
    build_newsroom(media_root)
    archive = tmp_path / "site.tar"
    assert runner.invoke(args=["site", "export", str(archive)]).exit_code == 0
    articles_before = db.session.scalar(select(db.func.count()).select_from(Article))
    result = runner.invoke(args=["site", "import", str(archive)])
    assert result.exit_code == 1
    assert "la base n’est pas vide" in result.output and "article (3)" in result.output
    assert_one_french_error(result.output)
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(Article)) == articles_before


def in_member(member: str, change):
    """A rewrite() change applying `change(bytes) -> bytes` to one member only."""
    return lambda name, data: (name, change(data)) if name == member else (name, data)


BROKEN = {
    "truncated": None,  # cut in the middle of the block table: handled below
    "wrong format version": in_member(
        "manifest.json", lambda data: data.replace(b'"format_version": 1', b'"format_version": 2')
    ),
    "not a gazette archive": in_member(
        "manifest.json", lambda data: data.replace(b'"gazette-export"', b'"wordpress"')
    ),
    "other schema revision": in_member(
        "manifest.json",
        lambda data: re.sub(rb'"schema_revision": "[^"]+"', b'"schema_revision": "0001"', data),
    ),
    "altered row": in_member(
        "data/block.jsonl", lambda data: data.replace(b"Pyongyang", b"Pyongyanh")
    ),
    "unknown column": in_member(
        "data/block.jsonl",
        lambda data: data.replace(b'{"attribution"', b'{"secret":1,"attribution"', 1),
    ),
    "unknown table": lambda name, data: (
        (name, data.replace(b'"name": "tag_redirect"', b'"name": "wp_secret"'))
        if name == "manifest.json"
        else (name.replace("tag_redirect", "wp_secret"), data)
    ),
    "missing media file": lambda name, data: None if name.startswith("media/") else (name, data),
    "foreign member": lambda name, data: (
        ("../../etc/evil", data) if name.startswith("media/") else (name, data)
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_archive_is_refused_and_nothing_is_written(
    app, runner, media_root, tmp_path, case
):
    build_newsroom(media_root)
    good = tmp_path / "good.tar"
    assert runner.invoke(args=["site", "export", str(good)]).exit_code == 0
    if case == "truncated":
        data = good.read_bytes()
        cut = data.index(b'"kind":"heading"')  # inside data/block.jsonl
        broken = tmp_path / "broken.tar"
        broken.write_bytes(data[:cut])
    else:
        broken = rewrite(good, tmp_path / "broken.tar", BROKEN[case])
    db.session.remove()
    empty_all_tables()
    for path in list(media_root.rglob("*")):
        if path.is_file():
            path.unlink()

    result = runner.invoke(args=["site", "import", str(broken)])
    assert result.exit_code == 1, result.output
    assert_one_french_error(result.output)
    with db.engine.connect() as connection:
        assert site_archive.non_empty_tables(connection) == {}
    assert files_under(media_root) == []
    assert [p.name for p in media_root.parent.iterdir() if "import" in p.name] == []
    # The good archive still loads afterwards: nothing was left half-done.
    result = runner.invoke(args=["site", "import", str(good)])
    assert result.exit_code == 0, result.output


def test_import_refuses_a_database_without_schema_and_a_file_that_is_no_archive(
    app, runner, media_root, tmp_path
):
    make_article("Un article")
    archive = tmp_path / "site.tar"
    assert runner.invoke(args=["site", "export", str(archive)]).exit_code == 0
    bare = create_app(base_config(f"sqlite:///{tmp_path / 'bare.db'}"))
    bare.config["MEDIA_ROOT"] = str(tmp_path / "bare-media")
    with bare.app_context():
        result = bare.test_cli_runner().invoke(args=["site", "import", str(archive)])
        db.engine.dispose()
    assert result.exit_code == 1
    assert_one_french_error(result.output)
    assert "flask --app app db upgrade" in result.output
    assert not (tmp_path / "bare-media").exists() or files_under(tmp_path / "bare-media") == []

    empty = tmp_path / "vide.tar"
    empty.write_bytes(b"pas une archive")
    result = runner.invoke(args=["site", "import", str(empty)])
    assert result.exit_code == 1
    assert_one_french_error(result.output)
    assert "archive" in result.output


def test_values_are_written_in_one_canonical_form():
    from datetime import UTC, datetime

    naive = datetime(2026, 11, 30, 10, 15, 0, 120)
    aware = datetime(2026, 11, 30, 11, 15, 0, 120, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/Paris")
    ) - timedelta(hours=1)
    assert site_archive.encode_value(naive) == "2026-11-30T10:15:00.000120Z"
    assert site_archive.encode_value(aware) == "2026-11-30T10:15:00.000120Z"
    column = db.metadata.tables["article"].c.published_at
    assert site_archive.decode_value(column, "2026-11-30T10:15:00.000120Z") == naive
    line = site_archive.encode_row(
        db.metadata.tables["block"],
        {"id": 1, "article_id": 2, "position": 0, "kind": "list", "version": 1,
         "data": {"ordered": False, "items": ["é"]}},
        set(),
    )  # fmt: skip
    assert (
        line
        == (
            '{"article_id":2,"data":{"items":["é"],"ordered":false},"id":1,"kind":"list",'
            '"position":0,"version":1}\n'
        ).encode()
    )


def test_block_rows_keep_every_kind(app, media_root, tmp_path):
    build_newsroom(media_root)
    archive = tmp_path / "site.tar"
    with db.engine.connect() as connection, connection.begin():
        summary = site_archive.export_site(connection, media_root, archive)
    kinds = {row["kind"] for row in rows_of(archive, "block")}
    assert kinds == {"paragraph", "heading", "quote", "list", "image", "embed"}
    assert summary.media_files == len(files_under(media_root)) > 0
    names = list(members(archive))
    assert names[0] == "manifest.json"
    media_names = [n for n in names if n.startswith("media/")]
    assert media_names == sorted(media_names)
    with tarfile.open(archive) as tar:
        assert {(m.mtime, m.uid, m.gid, m.mode, m.uname) for m in tar} == {(0, 0, 0, 0o644, "")}
    assert db.session.scalar(text("SELECT count(*) FROM block")) == len(rows_of(archive, "block"))
