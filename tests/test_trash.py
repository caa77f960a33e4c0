"""The trash: is_live leaves trashed articles out everywhere, restore is exact, purge keeps
its age limit; readers get 410 Gone, editors a banner; the page cache follows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Article, ArticleSlugRedirect, AuditEvent, Revision, db
from models.content import ArticleStatus, BlockKind
from models.correction import Correction
from models.media import Media
from models.time import utcnow
from services import page_cache, search, trash
from services.media import store_upload, stored_names
from tests.factories import log_in, make_article, make_section, make_user
from tests.test_media_library import plain_jpeg

PASSWORD = "un-mot-de-passe-solide"


@pytest.fixture
def newsroom(app):
    """A section, an author, an editor; a live article with an old address, a correction
    and an image; a draft by the author."""
    section = make_section("Politique", slug="politique")
    author = make_user("Alice Autrice", slug="alice", password=PASSWORD)
    editor = make_user("Élise Éditrice", role="editor", slug="elise", password=PASSWORD)
    live = make_article(
        "Le sommet de Pyongyang",
        section=section,
        author=author,
        slug="sommet",
        published_at=utcnow() - timedelta(hours=1),
        standfirst="Un chapô sur la diplomatie.",
        blocks=[
            (BlockKind.PARAGRAPH, {"html": "Premier paragraphe sur la diplomatie."}),
            (BlockKind.IMAGE, {"media": "a" * 32, "src": "/medias/x.jpg", "alt": "Une photo"}),
        ],
    )
    db.session.add(ArticleSlugRedirect(old_slug="ancien-sommet", article_id=live.id))
    db.session.add(Correction(article_id=live.id, text="Une date était fausse."))
    draft = make_article(
        "Brouillon d’Alice",
        section=section,
        author=author,
        slug="brouillon",
        status=ArticleStatus.DRAFT,
        published_at=None,
    )
    db.session.commit()
    return type(
        "Newsroom",
        (),
        dict(section=section, author=author, editor=editor, live=live, draft=draft),
    )


def fresh(article: Article) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article.id)


# --------------------------------------------------------------------------- the model


def test_is_live_leaves_trashed_articles_out_in_python_and_sql(newsroom):
    live = newsroom.live
    assert live.is_live and db.session.scalar(select(Article.id).where(Article.is_live))
    trash.trash(live, newsroom.editor)
    db.session.commit()
    live = fresh(live)
    assert not live.is_live and live.is_trashed and live.was_live
    assert db.session.scalars(select(Article.id).where(Article.is_live)).all() == []
    assert db.session.scalars(select(Article.id).where(Article.is_trashed)).all() == [live.id]
    assert live.trashed_by_id == newsroom.editor.id


def test_a_trashed_scheduled_article_is_not_scheduled(newsroom):
    article = newsroom.live
    article.publish(at=utcnow() + timedelta(days=1))
    db.session.commit()
    assert db.session.scalar(select(Article.id).where(Article.is_scheduled)) == article.id
    trash.trash(article, None)
    db.session.commit()
    assert db.session.scalar(select(Article.id).where(Article.is_scheduled)) is None
    assert not fresh(article).was_live  # never public: a 404, not a 410


def test_restore_puts_the_article_back_exactly_as_it_was(newsroom):
    article = newsroom.live
    columns = [
        c.key
        for c in Article.__table__.columns
        # content_version counts changes to what the page shows: a trip to the trash is one.
        if c.key not in ("trashed_at", "trashed_by_id", "content_version")
    ]
    before = {key: getattr(article, key) for key in columns}
    blocks = [(b.id, b.kind, b.data, b.version) for b in article.blocks]
    trash.trash(article, newsroom.editor)
    db.session.commit()
    trash.restore(fresh(article), newsroom.editor)
    db.session.commit()
    article = fresh(article)
    assert {key: getattr(article, key) for key in columns} == before
    assert [(b.id, b.kind, b.data, b.version) for b in article.blocks] == blocks
    assert (article.trashed_at, article.trashed_by_id) == (None, None)
    assert article.is_live
    summaries = [r.summary for r in Revision.for_article(article.id)]
    assert summaries[:2] == ["Restauré", "Mis à la corbeille"]


def test_trashing_twice_or_restoring_what_is_not_trashed_is_refused(newsroom):
    with pytest.raises(ValueError):
        newsroom.live.restore_from_trash()
    newsroom.live.trash(None)
    with pytest.raises(ValueError):
        newsroom.live.trash(None)


def test_purge_keeps_its_age_limit_to_the_second(newsroom):
    now = utcnow()
    newsroom.live.trash(newsroom.editor)
    newsroom.live.trashed_at = now - timedelta(days=30)  # exactly 30 days: kept
    newsroom.draft.trash(newsroom.author)
    newsroom.draft.trashed_at = now - timedelta(days=30, seconds=1)  # just over: purged
    db.session.commit()
    purged = trash.purge(30, now=now)
    assert purged.article_ids == [newsroom.draft.id]
    db.session.expire_all()
    assert db.session.get(Article, newsroom.draft.id) is None
    assert db.session.get(Article, newsroom.live.id) is not None


def test_purge_takes_revisions_corrections_redirects_and_index_along(newsroom):
    article_id = newsroom.live.id
    trash.trash(newsroom.live, newsroom.editor)
    newsroom.live.trashed_at = utcnow() - timedelta(days=31)
    db.session.commit()
    dry = trash.purge(30, dry_run=True)
    assert dry.article_ids == [article_id] and db.session.get(Article, article_id) is not None
    purged = trash.purge(30)
    assert purged.article_ids == [article_id]
    db.session.expire_all()
    for model in (Revision, Correction, ArticleSlugRedirect):
        assert db.session.scalars(select(model).filter_by(article_id=article_id)).all() == []
    assert search.headline_matches("diplomatie") is not None
    assert db.session.scalars(search.headline_matches("diplomatie")).all() == []
    events = db.session.scalars(select(AuditEvent).filter_by(action="articles.purge")).all()
    assert [e.target for e in events] == [f"article:{article_id}"]


def test_purge_deletes_the_images_no_other_article_uses(newsroom, media_root):
    """A trashed article's lead image and block images go with it, files included, unless
    another article still uses them (the purge asks MediaUse, the one "where used")."""
    root = media_root
    only_here = store_upload(plain_jpeg(colour="olive"), root, None, alt="Seule ici")
    shared = store_upload(plain_jpeg(colour="teal"), root, None, alt="Partagée")
    doomed = newsroom.live
    doomed.lead_media_id, doomed.lead_alt = only_here.id, "Seule ici"
    doomed.insert_block("image", {"media": shared.token, "alt": "Partagée"})
    doomed.record_revision(None, "Images ajoutées")
    newsroom.draft.insert_block("image", {"media": shared.token, "alt": "Partagée"})
    newsroom.draft.record_revision(None, "Image ajoutée")
    db.session.commit()
    only_files = set(stored_names(only_here))
    trash.trash(doomed, newsroom.editor)
    doomed.trashed_at = utcnow() - timedelta(days=31)
    db.session.commit()

    dry = trash.purge(30, dry_run=True)
    assert dry.media_ids == {only_here.id, shared.id} and dry.media_deleted == 0
    assert db.session.get(Media, only_here.id) is not None

    purged = trash.purge(30)
    assert purged.media_deleted == 1
    db.session.expire_all()
    assert db.session.get(Media, only_here.id) is None
    assert not only_files & {p.name for p in root.iterdir()}
    assert db.session.get(Media, shared.id) is not None  # the draft still shows it


def test_the_purge_command_says_what_it_did(newsroom, runner):
    newsroom.draft.trash(newsroom.author)
    newsroom.draft.trashed_at = utcnow() - timedelta(days=40)
    db.session.commit()
    dry = runner.invoke(args=["articles", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Simulation : 1 article(s)" in dry.output and "Brouillon d’Alice" in dry.output
    assert db.session.get(Article, newsroom.draft.id) is not None
    done = runner.invoke(args=["articles", "purge", "--days", "30"])
    assert done.exit_code == 0, done.output
    assert "Supprimés : 1 article(s) dans la corbeille depuis plus de 30 jours." in done.output
    db.session.expire_all()
    assert db.session.get(Article, newsroom.draft.id) is None
    again = runner.invoke(args=["articles", "purge"])
    assert "Supprimés : 0 article(s)" in again.output
    refused = runner.invoke(args=["articles", "purge", "--days", "-1"])
    assert refused.exit_code == 2


# --------------------------------------------------------------------------- readers


def trash_now(article: Article, by=None) -> None:
    trash.trash(article, by)
    db.session.commit()


def test_readers_get_410_gone_in_the_site_design(client, newsroom):
    trash_now(newsroom.live)
    response = client.get("/article/sommet")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "Article retiré" in html and 'name="robots" content="noindex"' in html
    assert "Premier paragraphe" not in html and 'class="masthead' in html
    assert client.get("/article/ancien-sommet").status_code == 410  # old address too


def test_a_trashed_draft_stays_a_404_for_readers(client, newsroom):
    trash_now(newsroom.draft)
    assert client.get("/article/brouillon").status_code == 404


def test_lists_feeds_sitemaps_and_search_drop_a_trashed_article(client, newsroom):
    urls = [
        "/",
        "/rubrique/politique",
        "/auteur/alice",
        "/flux.rss",
        "/rubrique/politique/flux.atom",
        "/auteur/alice/flux.rss",
        "/sitemaps/articles-1.xml",
        "/sitemaps/actualites.xml",
        "/recherche?q=diplomatie",
        "/corrections",
    ]
    for url in urls:
        assert "sommet" in client.get(url).get_data(as_text=True), url
    trash_now(newsroom.live)
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert "/article/sommet" not in response.get_data(as_text=True), url
    assert "sitemaps/articles-1.xml" not in client.get("/sitemap.xml").get_data(as_text=True)


def test_editors_see_the_banner_and_restore_from_the_article(client, newsroom):
    trash_now(newsroom.live, newsroom.editor)
    log_in(client, newsroom.editor)
    html = client.get("/article/sommet").get_data(as_text=True)
    assert "Dans la corbeille" in html and "Restaurer l’article" in html
    assert "Modifier le titre" not in html  # nothing to edit until it is restored
    response = client.post(
        f"/redaction/articles/{newsroom.live.id}/restaurer", data={"depuis": "article"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/article/sommet"
    assert fresh(newsroom.live).is_live
    assert "Modifier le titre" in client.get("/article/sommet").get_data(as_text=True)


def test_an_author_sees_their_trashed_published_article_but_may_not_restore_it(client, newsroom):
    trash_now(newsroom.live, newsroom.editor)
    log_in(client, newsroom.author)
    html = client.get("/article/sommet").get_data(as_text=True)
    assert "Dans la corbeille" in html and "Restaurer l’article" not in html
    response = client.post(f"/redaction/articles/{newsroom.live.id}/restaurer")
    assert response.status_code == 403 and fresh(newsroom.live).is_trashed


def test_saves_to_a_trashed_article_are_refused_in_french(client, newsroom):
    article = newsroom.live
    trash_now(article)
    log_in(client, newsroom.editor)
    version = article.version
    response = client.post(
        f"/redaction/articles/{article.id}/titre",
        data={"titre-headline": "Un autre titre", "titre-version": str(version)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 410
    assert "Cet article est dans la corbeille" in response.get_data(as_text=True)
    block = article.blocks[0]
    response = client.post(
        f"/redaction/blocs/{block.id}",
        data={f"bloc{block.id}-html": "Autre texte", f"bloc{block.id}-version": "1"},
    )
    assert response.status_code == 410
    article = fresh(article)
    assert article.headline == "Le sommet de Pyongyang" and article.version == version
    assert article.blocks[0].data["html"] == "Premier paragraphe sur la diplomatie."


# --------------------------------------------------------------------------- page cache


def bumped_by(monkeypatch, change) -> set[str]:
    """The generation names the commit inside `change()` bumps."""
    names: set[str] = set()
    monkeypatch.setattr(page_cache, "bump", lambda touched: names.update(touched))
    change()
    return names


def test_trash_and_restore_invalidate_exactly_what_unpublishing_does(newsroom, monkeypatch):
    article = newsroom.live
    published_at = article.published_at

    def unpublish():
        article.unpublish()
        db.session.commit()

    def republish():
        article.publish(at=published_at)
        db.session.commit()

    unpublished = bumped_by(monkeypatch, unpublish)
    republished = bumped_by(monkeypatch, republish)
    trashed = bumped_by(monkeypatch, lambda: trash_now(article, newsroom.editor))

    def restore():
        trash.restore(article, newsroom.editor)
        db.session.commit()

    restored = bumped_by(monkeypatch, restore)
    assert trashed == unpublished == {f"article:{article.id}", "lists", "texts"}
    assert restored == republished == unpublished


def test_trash_and_restore_through_the_desk_refresh_cached_pages(client, newsroom):
    for _ in range(2):
        for url in ("/", "/article/sommet", "/rubrique/politique"):
            client.get(url)
    assert client.get("/article/sommet").headers["X-Page-Cache"] == "hit"
    log_in(client, newsroom.editor)
    assert client.post(f"/redaction/articles/{newsroom.live.id}/corbeille").status_code == 302
    client.delete_cookie("session")
    assert client.get("/article/sommet").status_code == 410
    assert "/article/sommet" not in client.get("/").get_data(as_text=True)
    assert "/article/sommet" not in client.get("/rubrique/politique").get_data(as_text=True)
    log_in(client, newsroom.editor)
    assert client.post(f"/redaction/articles/{newsroom.live.id}/restaurer").status_code == 302
    client.delete_cookie("session")
    response = client.get("/article/sommet")
    assert response.status_code == 200 and response.headers["X-Page-Cache"] == "miss"
    assert "/article/sommet" in client.get("/").get_data(as_text=True)
