"""Reader HTML prepared at save (services/prepared.py): the same bytes both ways, one
query when prepared, and never stale — whatever changed what the page shows."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from sqlalchemy import event, select

from models import Article, Block, Correction, PreparedArticle, Section, Sponsor, Tag, User, db
from models.content import ArticleStatus
from models.time import utcnow
from services import prepared
from tests.factories import HX, log_in, make_article, make_section, make_user


@pytest.fixture(params=[False, True], ids=["cache-off", "cache-on"])
def page_cache(app, request):
    app.config["GAZETTE_PAGE_CACHE"] = request.param
    return request.param


@pytest.fixture
def newsroom(app):
    international = make_section("International", slug="international")
    politique = make_section("Politique", slug="politique", parent=international)
    author = make_user("Alice Autrice", role="author", bio_html="<p>Reporter.</p>")
    editor = make_user("Élise Éditrice", role="editor")
    article = make_article(
        "Le sommet de Pyongyang",
        section=politique,
        author=author,
        standfirst="Un chapô « entre guillemets ».",
        blocks=[
            ("paragraph", {"html": "<p>Premier paragraphe : il pleut.</p>"}),
            ("quote", {"html": "<p>Une citation.</p>", "attribution": "Quelqu’un"}),
        ],
    )
    return type("Newsroom", (), dict(international=international, politique=politique,
                                      author=author, editor=editor, article=article))  # fmt: skip


def full_way(client, path: str) -> str:
    """The page as the full template renders it, with no prepared HTML."""
    with mock.patch.object(prepared, "reader_page", return_value=None):
        return client.get(path).get_data(as_text=True)


def stored_row(article_id: int) -> PreparedArticle | None:
    db.session.expire_all()
    return db.session.scalar(select(PreparedArticle).filter_by(article_id=article_id))


@contextmanager
def counted_statements():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# --------------------------------------------------------------------------- both ways


def test_every_demo_article_is_the_same_page_both_ways(demo, client):
    articles = db.session.scalars(select(Article).where(Article.is_live)).all()
    assert articles
    for article in articles:
        path = f"/article/{article.slug}"
        expected = full_way(client, path)
        first = client.get(path).get_data(as_text=True)  # prepared on this read
        again = client.get(path).get_data(as_text=True)  # read from its row
        assert first == expected, path
        assert again == expected, path


def test_an_article_with_everything_is_the_same_page_both_ways(newsroom, client):
    article = newsroom.article
    article.sponsor = Sponsor(name="Mécène & Fils", link="https://mecene.example")
    article.set_tags([Tag(name="Corée du Nord", slug="coree-du-nord")])
    article.set_authors([newsroom.author, make_user("Bruno Co-auteur")])
    article.corrections.append(Correction(text="Une date corrigée.", author=newsroom.editor))
    db.session.commit()
    path = f"/article/{article.slug}"
    expected = full_way(client, path)
    assert "Mécène &amp; Fils" in expected and "Corée du Nord" in expected
    assert client.get(path).get_data(as_text=True) == expected
    assert client.get(path).get_data(as_text=True) == expected


def test_a_prepared_page_is_one_query(newsroom, client, app):
    app.config["GAZETTE_PAGE_CACHE"] = False
    path = f"/article/{newsroom.article.slug}"
    client.get(path)  # prepares, and keeps the masthead menu
    with counted_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200
    assert len(statements) == 1, statements


def test_an_embed_on_a_prepared_page_keeps_its_frame_allowed(newsroom, client):
    """The CSP lets frames load from the providers the page shows (app.py): a prepared
    page carries its embeds' origins, so both ways answer the same header."""
    article = db.session.get(Article, newsroom.article.id)
    article.blocks.append(
        Block(position=9, kind="embed", data={"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ"})
    )
    db.session.commit()
    path = f"/article/{article.slug}"
    client.get(path)  # prepared
    prepared_csp = client.get(path).headers["Content-Security-Policy"]
    with mock.patch.object(prepared, "reader_page", return_value=None):
        full_csp = client.get(path).headers["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com" in full_csp
    assert prepared_csp == full_csp
    assert stored_row(article.id).frame_origins == "https://www.youtube-nocookie.com"


# --------------------------------------------------------------------------- at save


def test_an_editors_save_prepares_the_article_once_its_response_has_left(newsroom, client):
    article = newsroom.article
    prepared.prepare_articles([article.id])
    log_in(client, newsroom.editor)
    response = client.post(
        f"/redaction/articles/{article.id}/titre",
        headers=HX,
        data={"titre-headline": "Un titre tout neuf", "titre-version": str(article.version)},
    )
    assert response.status_code == 200
    stale = stored_row(article.id)
    assert stale.content_version != db.session.get(Article, article.id).content_version
    response.close()  # the server closes the response once sent: preparing runs then
    row = stored_row(article.id)
    stored = db.session.get(Article, article.id)
    assert row is not None and row.content_version == stored.content_version
    assert "Un titre tout neuf" in row.article_html and row.stamp == prepared.code_stamp()


def change_headline(article: Article) -> str:
    article.headline = "Nouveau titre du sommet"
    return "Nouveau titre du sommet"


def change_block(article: Article) -> str:
    article.blocks[0].data = {"html": "<p>Paragraphe réécrit.</p>"}
    return "Paragraphe réécrit."


def change_author_bio(article: Article) -> str:
    article.author.bio_html = "<p>Correspondante à Séoul.</p>"
    return "Correspondante à Séoul."


def rename_author(article: Article) -> str:
    article.author.display_name = "Alice Nouveau-Nom"
    return "Alice Nouveau-Nom"


def rename_section(article: Article) -> str:
    article.section.name = "Politique étrangère"
    return "Politique étrangère"


def rename_parent_section(article: Article) -> str:
    article.section.parent.name = "Monde"
    return "Monde"


def rename_tag(article: Article) -> str:
    tag = Tag(name="Diplomatie", slug="diplomatie")
    article.set_tags([tag])
    db.session.commit()
    prepared.prepare_articles([article.id])
    tag.name = "Diplomatie coréenne"
    return "Diplomatie coréenne"


def rename_sponsor(article: Article) -> str:
    article.sponsor = Sponsor(name="Mécène", link="https://mecene.example")
    db.session.commit()
    prepared.prepare_articles([article.id])
    db.session.get(Sponsor, article.sponsor_id).name = "Mécène Renommé"
    return "Mécène Renommé"


def add_correction(article: Article) -> str:
    editor = db.session.scalar(select(User).filter_by(role="editor"))
    db.session.add(Correction(article=article, text="Mardi, pas lundi.", author=editor))
    return "Mardi, pas lundi."


def add_coauthor(article: Article) -> str:
    article.set_authors([article.author, User(email="c@x.example", display_name="Chloé Co",
                                              slug="chloe-co", role="author")])  # fmt: skip
    return "Chloé Co"


CHANGES = [
    change_headline,
    change_block,
    change_author_bio,
    rename_author,
    rename_section,
    rename_parent_section,
    rename_tag,
    rename_sponsor,
    add_correction,
    add_coauthor,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__)
def test_what_changes_shows_at_once(newsroom, client, page_cache, change):
    article = newsroom.article
    path = f"/article/{article.slug}"
    prepared.prepare_articles([article.id])
    assert client.get(path).status_code == 200  # prepared and, with the cache, kept
    article = db.session.get(Article, article.id)
    shown = change(article)
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert shown in page
    assert page == full_way(client, path)


def test_a_row_prepared_from_an_older_version_is_never_served(newsroom, client, page_cache):
    """A reader who rendered before a save and stored after it leaves a row of the old
    version: it does not match the article's content_version, so it is prepared again."""
    article = newsroom.article
    prepared.prepare_articles([article.id])
    row = stored_row(article.id)
    old_html, old_version = row.article_html, row.content_version
    article = db.session.get(Article, article.id)
    article.headline = "Titre après la sauvegarde"
    db.session.commit()
    row = stored_row(article.id)
    row.article_html, row.content_version = old_html, old_version  # the late writer
    db.session.commit()
    assert "Titre après la sauvegarde" in client.get(f"/article/{article.slug}").text


def test_a_new_code_stamp_prepares_again(newsroom, client, app):
    app.config["GAZETTE_PAGE_CACHE"] = False  # the prepared row itself is under test
    article = newsroom.article
    prepared.prepare_articles([article.id])
    row = stored_row(article.id)
    row.article_html = row.article_html.replace("Le sommet", "Ancien gabarit")
    db.session.commit()
    assert "Ancien gabarit" in client.get(f"/article/{article.slug}").text
    app.extensions["prepared_stamp"] = "0" * 32  # a deploy with another template
    page = client.get(f"/article/{article.slug}").text
    assert "Ancien gabarit" not in page and "Le sommet" in page
    assert stored_row(article.id).stamp == "0" * 32


def test_the_stamp_follows_templates_and_settings(app):
    stamp = prepared.code_stamp(app)
    assert len(stamp) == 32 and stamp == prepared.code_stamp(app)
    app.extensions.pop("prepared_stamp")
    app.config["SITE_NAME"] = "Autre Gazette"
    assert prepared.code_stamp(app) != stamp


# --------------------------------------------------------------------------- readers only


@pytest.mark.parametrize(
    ("change", "status"),
    [
        (lambda a: setattr(a, "status", ArticleStatus.DRAFT), 404),
        (lambda a: setattr(a, "trashed_at", utcnow()), 410),
        (lambda a: setattr(a, "published_at", utcnow() + timedelta(hours=2)), 404),
    ],
    ids=["unpublished", "trashed", "scheduled"],
)
def test_a_prepared_article_readers_may_not_see_is_not_served(
    newsroom, client, page_cache, change, status
):
    article = newsroom.article
    prepared.prepare_articles([article.id])
    assert client.get(f"/article/{article.slug}").status_code == 200
    article = db.session.get(Article, article.id)
    change(article)
    db.session.commit()
    assert client.get(f"/article/{article.slug}").status_code == status


def test_editors_get_the_full_page_with_their_controls(newsroom, client):
    article = newsroom.article
    prepared.prepare_articles([article.id])
    log_in(client, newsroom.editor)
    page = client.get(f"/article/{article.slug}").text
    assert "Modifier le titre" in page


# --------------------------------------------------------------------------- in bulk


def test_prepare_stale_prepares_every_article_once(newsroom, app):
    others = [make_article(f"Article {n}", section=newsroom.politique) for n in range(5)]
    db.session.execute(db.delete(PreparedArticle))
    db.session.commit()
    told = []
    assert prepared.prepare_stale(batch=2, on_batch=told.append) == len(others) + 1
    assert sum(told) == len(others) + 1
    assert prepared.stale_article_ids() == []
    assert prepared.prepare_stale() == 0


def test_the_articles_prepare_command(newsroom, runner):
    article_id = newsroom.article.id
    db.session.execute(db.delete(PreparedArticle))
    db.session.commit()
    result = runner.invoke(args=["articles", "prepare"])
    assert result.exit_code == 0, result.output
    assert "1 article préparé" in result.output
    assert stored_row(article_id) is not None


def test_a_section_rename_leaves_other_sections_prepared(newsroom, client):
    elsewhere = make_article("Ailleurs", section=make_section("Sport", slug="sport"))
    prepared.prepare_articles([newsroom.article.id, elsewhere.id])
    section = db.session.get(Section, newsroom.politique.id)
    section.name = "Politique étrangère"
    db.session.commit()
    assert prepared.stale_article_ids() == [newsroom.article.id]


def test_an_unpublished_article_is_not_prepared_and_its_save_answers(newsroom, client):
    """Unpublishing saves a draft: nothing to prepare for readers (a draft has no date
    for a teaser), and the editor's save answers as usual, with nothing logged."""
    article = newsroom.article
    prepared.prepare_articles([article.id])
    article = db.session.get(Article, article.id)
    article.status, article.published_at = ArticleStatus.DRAFT, None
    db.session.commit()
    assert prepared.prepare_articles([article.id]) == 0
    assert prepared.stale_article_ids() == []
    scheduled = make_article("Plus tard", published_at=utcnow() + timedelta(days=1))
    assert prepared.stale_article_ids() == [scheduled.id]


def test_an_image_described_again_in_the_library_prepares_its_articles_again(
    newsroom, client, media_root
):
    from services.media import describe, store_upload
    from tests.test_media_library import plain_jpeg

    photo = store_upload(plain_jpeg((1200, 900)), media_root, newsroom.author.id, alt="Avant")
    article = db.session.get(Article, newsroom.article.id)
    article.lead_media, article.lead_alt = photo, ""
    db.session.commit()
    prepared.prepare_articles([article.id])
    assert prepared.stale_article_ids() == []
    describe(db.session.get(type(photo), photo.id), "Après", "", "Crédit neuf")
    assert prepared.stale_article_ids() == [article.id]


def test_search_results_are_the_same_from_prepared_text(demo, client, app):
    """Snippets are cut from the body prepared at save where it is current, else from the
    blocks: the same results page either way."""
    app.config["GAZETTE_PAGE_CACHE"] = False
    prepared.prepare_stale()
    for query in ("/recherche?q=corée", "/recherche?q=poutine+sommet", "/recherche?q=pyong"):
        from_prepared = client.get(query).get_data(as_text=True)
        with mock.patch.object(prepared, "search_texts", return_value={}):
            from_blocks = client.get(query).get_data(as_text=True)
        assert "search-hit-snippet" in from_prepared, query
        assert from_prepared == from_blocks, query
