"""Editing in place through the test client: parts, blocks, conflicts, history, publishing."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from models import Article, ArticleSlugRedirect, Block, Revision, db
from models.content import ArticleStatus
from models.time import utcnow
from services.richtext import POLICY
from tests.factories import HX, log_in, make_article, make_section, make_user

XSS_PAYLOADS = json.loads((Path(__file__).parent / "data" / "xss-payloads.json").read_text())


@pytest.fixture
def newsroom(app):
    """An editor, an author with one article, another author with another."""
    section = make_section("Politique", slug="politique")
    author = make_user("Alice Autrice", role="author")
    other = make_user("Bruno Autre", role="author")
    editor = make_user("Élise Éditrice", role="editor")
    article = make_article(
        "Titre initial",
        section=section,
        author=author,
        standfirst="Chapô initial",
        blocks=[
            ("paragraph", {"html": "Premier <strong>paragraphe</strong>."}),
            ("heading", {"text": "Un intertitre", "level": 2}),
            ("paragraph", {"html": "Deuxième paragraphe."}),
            ("quote", {"text": "Une citation", "attribution": "Quelqu’un"}),
            ("list", {"items": ["un", "deux"], "ordered": False}),
        ],
    )
    others_article = make_article("Article de Bruno", section=section, author=other)
    return type("Newsroom", (), dict(section=section, author=author, other=other, editor=editor,
                                      article=article, others_article=others_article))  # fmt: skip


def body(response) -> str:
    return response.get_data(as_text=True)


def fresh(model, id_):
    """The stored row, not the copy this test's session already holds."""
    db.session.expire_all()
    return db.session.get(model, id_)


def block_at(article: Article, position: int) -> Block:
    return fresh(Article, article.id).blocks[position]


# --------------------------------------------------------------------------- the page


def test_readers_get_no_controls_and_no_cookie(client, newsroom):
    response = client.get(f"/article/{newsroom.article.slug}")
    html = body(response)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Modifier" not in html and "editor.js" not in html and "hx-" not in html
    assert "editor.css" not in html


def test_editor_sees_every_edit_button(client, newsroom):
    log_in(client, newsroom.editor)
    html = body(client.get(f"/article/{newsroom.article.slug}"))
    for label in ("Modifier le titre", "Modifier le chapô", "Modifier la rubrique", "Modifier la biographie",
                  "Modifier la publication", "Modifier ce paragraphe", "Modifier cet intertitre",
                  "Modifier cette citation", "Modifier cette liste"):  # fmt: skip
        assert label in html, label
    assert re.search(r'<script src="/static/[^"]*js/editor\.js"', html)
    assert re.search(r'href="/static/[^"]*css/editor\.css"', html)


def test_author_sees_controls_only_on_own_articles(client, newsroom):
    log_in(client, newsroom.author)
    assert "Modifier le titre" in body(client.get(f"/article/{newsroom.article.slug}"))
    assert "Modifier le titre" not in body(client.get(f"/article/{newsroom.others_article.slug}"))


# --------------------------------------------------------------------------- article parts


@pytest.mark.parametrize(
    "part, field, value, shown",
    [
        ("titre", "headline", "Un titre <b>neuf</b>", "Un titre neuf"),
        ("chapo", "standfirst", "Un chapô neuf", "Un chapô neuf"),
    ],
)
def test_part_form_save_returns_the_display_partial(client, newsroom, part, field, value, shown):
    log_in(client, newsroom.editor)
    article = newsroom.article
    form = client.get(f"/redaction/articles/{article.id}/{part}/modifier", headers=HX)
    assert form.status_code == 200 and "Enregistrer" in body(form) and "Annuler" in body(form)
    assert 'name="csrf_token"' in body(form)
    version = re.search(rf'name="{part}-version" type="hidden" value="(\d+)"', body(form)).group(1)

    saved = client.post(
        f"/redaction/articles/{article.id}/{part}",
        headers=HX,
        data={f"{part}-{field}": value, f"{part}-version": version},
    )
    assert saved.status_code == 200
    assert shown in body(saved) and "data-focus" in body(saved)
    assert "Vary" in saved.headers and "HX-Request" in saved.headers["Vary"]
    db.session.expire_all()
    assert getattr(fresh(Article, article.id), field) == shown
    assert Revision.for_article(article.id)[0].snapshot[field] == shown


def test_headline_tags_are_stripped_and_the_editor_told(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    response = client.post(f"/redaction/articles/{a.id}/titre", headers=HX,
                           data={"titre-headline": "Titre<script>x()</script>", "titre-version": str(a.version)})  # fmt: skip
    assert response.status_code == 200
    assert "1 script a été retiré." in body(response)
    assert fresh(Article, a.id).headline == "Titre"


def test_empty_headline_is_refused_with_422_and_text_kept(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    response = client.post(
        f"/redaction/articles/{a.id}/titre",
        headers=HX,
        data={"titre-headline": "<img src=x>", "titre-version": str(a.version)},
    )
    assert response.status_code == 422
    assert "Le titre ne peut pas être vide." in body(response)
    assert "&lt;img src=x&gt;" in body(response)  # the typed text, escaped, in the textarea
    assert fresh(Article, a.id).headline == "Titre initial"


def test_cancel_returns_the_display_partial_with_focus(client, newsroom):
    log_in(client, newsroom.editor)
    response = client.get(f"/redaction/articles/{newsroom.article.id}/chapo", headers=HX)
    assert response.status_code == 200
    assert (
        "Chapô initial" in body(response)
        and "data-focus" in body(response)
        and "<html" not in body(response)
    )


def test_fragments_without_htmx_redirect_to_the_article(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    for url in (f"/redaction/articles/{a.id}/titre/modifier", f"/redaction/articles/{a.id}/titre",
                f"/redaction/blocs/{a.blocks[0].id}/modifier", f"/redaction/articles/{a.id}/historique"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith(
            f"/article/{a.slug}" + (f"#block-{a.blocks[0].id}" if "blocs" in url else "")
        ), url


def test_section_and_bio_are_editable(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    culture = make_section("Culture", slug="culture")
    response = client.post(
        f"/redaction/articles/{a.id}/rubrique",
        headers=HX,
        data={"rubrique-section": culture.id, "rubrique-version": str(a.version)},
    )
    assert response.status_code == 200 and "Culture" in body(response)
    assert fresh(Article, a.id).section_id == culture.id

    form = body(client.get(f"/redaction/articles/{a.id}/biographie/modifier", headers=HX))
    fingerprint = re.search(r'name="biographie-version" type="hidden" value="(\w+)"', form).group(1)
    response = client.post(f"/redaction/articles/{a.id}/biographie", headers=HX,
                           data={"biographie-bio": "Journaliste <em>politique</em><img src=x onerror=alert(1)>", "biographie-version": fingerprint})  # fmt: skip
    assert response.status_code == 200
    assert "1 image a été retirée." in body(response)
    assert (
        fresh(type(newsroom.author), newsroom.author.id).bio_html
        == "Journaliste <em>politique</em>"
    )


def test_bio_saved_meanwhile_is_a_conflict(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    response = client.post(
        f"/redaction/articles/{a.id}/biographie",
        headers=HX,
        data={"biographie-bio": "Ma bio", "biographie-version": "stale"},
    )
    assert response.status_code == 409 and "Garder ma version" in body(response)


def test_unknown_section_is_a_422(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    response = client.post(
        f"/redaction/articles/{a.id}/rubrique",
        headers=HX,
        data={"rubrique-section": "999999", "rubrique-version": str(a.version)},
    )
    assert response.status_code == 422


# --------------------------------------------------------------------------- conflicts


def test_stale_headline_save_is_a_conflict_showing_both_versions(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    loaded = str(a.version)
    first = client.post(
        f"/redaction/articles/{a.id}/titre",
        headers=HX,
        data={"titre-headline": "Leur titre", "titre-version": loaded},
    )
    assert first.status_code == 200
    second = client.post(
        f"/redaction/articles/{a.id}/titre",
        headers=HX,
        data={"titre-headline": "Mon titre", "titre-version": loaded},
    )
    html = body(second)
    assert second.status_code == 409
    assert "Leur titre" in html and "Mon titre" in html
    assert "Garder ma version" in html and "Prendre la leur" in html
    assert fresh(Article, a.id).headline == "Leur titre"  # never a silent overwrite

    # "Garder ma version" posts the conflict form as it is: it carries the current version.
    current = re.search(r'name="titre-version" type="hidden" value="(\d+)"', html).group(1)
    kept = client.post(
        f"/redaction/articles/{a.id}/titre",
        headers=HX,
        data={"titre-headline": "Mon titre", "titre-version": current},
    )
    assert kept.status_code == 200
    assert fresh(Article, a.id).headline == "Mon titre"


def test_saving_the_standfirst_does_not_conflict_with_a_headline_form(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    # Both forms are loaded; the revision at this version records the article as loaded.
    client.post(
        f"/redaction/articles/{a.id}/chapo",
        headers=HX,
        data={"chapo-standfirst": "Chapô initial", "chapo-version": str(a.version)},
    )
    loaded = str(fresh(Article, a.id).version)
    assert (
        client.post(
            f"/redaction/articles/{a.id}/chapo",
            headers=HX,
            data={"chapo-standfirst": "Autre chapô", "chapo-version": loaded},
        ).status_code
        == 200
    )
    response = client.post(
        f"/redaction/articles/{a.id}/titre",
        headers=HX,
        data={"titre-headline": "Autre titre", "titre-version": loaded},
    )
    assert response.status_code == 200
    article = fresh(Article, a.id)
    assert (article.headline, article.standfirst) == ("Autre titre", "Autre chapô")


def test_saving_paragraph_b_does_not_conflict_with_paragraph_a(client, newsroom):
    log_in(client, newsroom.editor)
    a, b = newsroom.article.blocks[0], newsroom.article.blocks[2]
    assert (
        client.post(
            f"/redaction/blocs/{b.id}",
            headers=HX,
            data={f"bloc{b.id}-html": "B modifié", f"bloc{b.id}-version": str(b.version)},
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/redaction/blocs/{a.id}",
            headers=HX,
            data={f"bloc{a.id}-html": "A modifié", f"bloc{a.id}-version": str(a.version)},
        ).status_code
        == 200
    )


def test_stale_paragraph_save_is_a_conflict_and_take_theirs_restores(client, newsroom):
    log_in(client, newsroom.editor)
    block = newsroom.article.blocks[0]
    loaded = str(block.version)
    client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={f"bloc{block.id}-html": "Leur texte", f"bloc{block.id}-version": loaded},
    )
    response = client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={f"bloc{block.id}-html": "Mon texte", f"bloc{block.id}-version": loaded},
    )
    assert response.status_code == 409
    assert "Leur texte" in body(response) and "Mon texte" in body(response)
    assert block_at(newsroom.article, 0).data["html"] == "Leur texte"
    theirs = client.get(f"/redaction/blocs/{block.id}", headers=HX)
    assert theirs.status_code == 200 and "Leur texte" in body(theirs)


# --------------------------------------------------------------------------- blocks


def test_paragraph_save_cleans_and_reports_what_was_removed(client, newsroom):
    log_in(client, newsroom.editor)
    block = newsroom.article.blocks[0]
    pasted = '<p style="color:red">Du <b>gras</b>, un <a href="https://exemple.fr" onclick="x()">lien</a><script>alert(1)</script></p>'
    response = client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={f"bloc{block.id}-html": pasted, f"bloc{block.id}-version": str(block.version)},
    )
    assert response.status_code == 200
    assert "ont été retirés." in body(response)
    stored = block_at(newsroom.article, 0)
    assert (
        stored.data["html"] == 'Du <strong>gras</strong>, un <a href="https://exemple.fr">lien</a>'
    )
    assert stored.version == 2


@pytest.mark.parametrize(
    "position, data, expected",
    [
        (1, {"text": "Nouvel intertitre", "level": "3"}, {"text": "Nouvel intertitre", "level": 3}),
        (
            3,
            {"text": "« Cité »", "attribution": "Une source"},
            {"text": "« Cité »", "attribution": "Une source"},
        ),
        (
            4,
            {"items-0": "<em>un</em>", "items-1": "", "items-2": "trois", "ordered": "y"},
            {"items": ["<em>un</em>", "trois"], "ordered": True},
        ),
    ],
)
def test_each_block_kind_saves(client, newsroom, position, data, expected):
    log_in(client, newsroom.editor)
    block = newsroom.article.blocks[position]
    form = client.get(f"/redaction/blocs/{block.id}/modifier", headers=HX)
    assert form.status_code == 200
    posted = {f"bloc{block.id}-{key}": value for key, value in data.items()}
    response = client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={**posted, f"bloc{block.id}-version": str(block.version)},
    )
    assert response.status_code == 200
    assert block_at(newsroom.article, position).data == expected


def test_empty_list_is_a_422(client, newsroom):
    log_in(client, newsroom.editor)
    block = newsroom.article.blocks[4]
    response = client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={f"bloc{block.id}-items-0": "", f"bloc{block.id}-version": str(block.version)},
    )
    assert response.status_code == 422 and "au moins un élément" in body(response)


def test_insert_a_quote_after_a_block(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    first = a.blocks[0]
    chooser = client.get(f"/redaction/articles/{a.id}/blocs/ajout?apres={first.id}", headers=HX)
    assert chooser.status_code == 200 and "Citation" in body(chooser)
    form = client.get(
        f"/redaction/articles/{a.id}/blocs/nouveau/quote?apres={first.id}", headers=HX
    )
    assert form.status_code == 200
    prefix = f"nouveau{first.id}"
    response = client.post(f"/redaction/articles/{a.id}/blocs/nouveau/quote", headers=HX,
                           data={"after": str(first.id), f"{prefix}-text": "Je cite", f"{prefix}-attribution": "Une ministre"})  # fmt: skip
    assert response.status_code == 200
    assert "Je cite" in body(response) and "Modifier cette citation" in body(response)
    blocks = fresh(Article, a.id).blocks
    assert [b.kind for b in blocks] == [
        "paragraph",
        "quote",
        "heading",
        "paragraph",
        "quote",
        "list",
    ]
    assert [b.position for b in blocks] == list(range(6))


def test_insert_at_the_top_and_unknown_kind(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    response = client.post(
        f"/redaction/articles/{a.id}/blocs/nouveau/paragraph",
        headers=HX,
        data={"after": "", "nouveau0-html": "Tout en haut"},
    )
    assert response.status_code == 200
    assert fresh(Article, a.id).blocks[0].data["html"] == "Tout en haut"
    assert (
        client.get(f"/redaction/articles/{a.id}/blocs/nouveau/video", headers=HX).status_code == 404
    )


def test_new_block_validation_error_keeps_the_text(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    response = client.post(
        f"/redaction/articles/{a.id}/blocs/nouveau/quote",
        headers=HX,
        data={"after": "", "nouveau0-text": "", "nouveau0-attribution": "Gardée"},
    )
    assert response.status_code == 422 and "Gardée" in body(response)
    assert len(fresh(Article, a.id).blocks) == 5


def test_move_up_and_down_keep_positions_consistent(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    third = a.blocks[2]
    response = client.post(f"/redaction/blocs/{third.id}/monter", headers=HX)
    assert response.status_code == 200
    assert f'hx-swap-oob="beforebegin:#block-wrap-{a.blocks[1].id}"' in body(response)
    blocks = fresh(Article, a.id).blocks
    assert blocks[1].id == third.id and [b.position for b in blocks] == list(range(5))
    last = blocks[-1]
    assert client.post(f"/redaction/blocs/{last.id}/descendre", headers=HX).status_code == 204
    assert client.post(f"/redaction/blocs/{third.id}/descendre", headers=HX).status_code == 200
    assert fresh(Article, a.id).blocks[2].id == third.id


def test_delete_asks_first_then_deletes(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    block = a.blocks[1]
    confirmation = client.get(f"/redaction/blocs/{block.id}/supprimer", headers=HX)
    assert confirmation.status_code == 200 and "Supprimer cet intertitre ?" in body(confirmation)
    assert len(fresh(Article, a.id).blocks) == 5  # a GET changes nothing
    block_id = block.id
    response = client.post(f"/redaction/blocs/{block_id}/supprimer", headers=HX)
    assert response.status_code == 200 and "Bloc supprimé" in body(response)
    blocks = fresh(Article, a.id).blocks
    assert len(blocks) == 4 and [b.position for b in blocks] == list(range(4))
    assert client.post(f"/redaction/blocs/{block_id}", headers=HX, data={}).status_code == 404


# --------------------------------------------------------------------------- publishing, slugs


def test_new_article_lands_on_its_draft_page(client, newsroom):
    log_in(client, newsroom.author)
    page = client.get("/redaction/articles/nouveau")
    assert page.status_code == 200 and "Bruno Autre" not in body(
        page
    )  # authors sign for themselves
    response = client.post(
        "/redaction/articles/nouveau",
        data={
            "headline": "Nord-coréen : l’été",
            "section": newsroom.section.id,
            "author": newsroom.author.id,
        },
    )
    assert (
        response.status_code == 302 and response.headers["Location"] == "/article/nord-coreen-l-ete"
    )
    draft = client.get("/article/nord-coreen-l-ete")
    assert draft.status_code == 200 and "Brouillon — non publié" in body(draft)
    client.application.test_client().get("/")  # another client: a reader
    assert client.application.test_client().get("/article/nord-coreen-l-ete").status_code == 404
    assert Revision.query.count() == 1


def test_author_cannot_create_for_someone_else(client, newsroom):
    log_in(client, newsroom.author)
    response = client.post(
        "/redaction/articles/nouveau",
        data={"headline": "Usurpé", "section": newsroom.section.id, "author": newsroom.other.id},
    )
    assert response.status_code == 422
    assert db.session.scalar(db.select(Article).filter_by(headline="Usurpé")) is None


def test_editor_creates_for_an_author_and_slugs_stay_unique(client, newsroom):
    log_in(client, newsroom.editor)
    for _ in range(2):
        client.post(
            "/redaction/articles/nouveau",
            data={
                "headline": "Même titre",
                "section": newsroom.section.id,
                "author": newsroom.author.id,
            },
        )
    slugs = sorted(
        a.slug for a in db.session.scalars(db.select(Article).filter_by(headline="Même titre"))
    )
    assert slugs == ["meme-titre", "meme-titre-2"]


def publication(client, article, state, publish_at=""):
    return client.post(f"/redaction/articles/{article.id}/publication", headers=HX,
                       data={"publication-state": state, "publication-publish_at": publish_at,
                             "publication-version": str(fresh(Article, article.id).version)})  # fmt: skip


def test_publish_schedule_unpublish(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    reader = client.application.test_client()

    response = publication(client, a, "draft")
    assert response.status_code == 200 and "Brouillon — non publié" in body(response)
    assert 'id="byline" hx-swap-oob="true"' in body(response)
    assert reader.get(f"/article/{a.slug}").status_code == 404

    response = publication(client, a, "schedule", "2999-01-01T09:30")
    assert response.status_code == 200 and "Programmé pour le" in body(response)
    assert fresh(Article, a.id).published_at.isoformat() == "2999-01-01T08:30:00"  # Paris → UTC
    assert reader.get(f"/article/{a.slug}").status_code == 404

    assert publication(client, a, "schedule", "2000-01-01T09:30").status_code == 422
    assert publication(client, a, "schedule", "").status_code == 422

    response = publication(client, a, "now")
    assert response.status_code == 200
    assert reader.get(f"/article/{a.slug}").status_code == 200


def test_draft_headline_change_moves_its_address(client, newsroom):
    log_in(client, newsroom.editor)
    draft = make_article(
        "Brouillon",
        author=newsroom.author,
        status=ArticleStatus.DRAFT,
        published_at=None,
        slug="brouillon",
    )
    response = client.post(
        f"/redaction/articles/{draft.id}/titre",
        headers=HX,
        data={"titre-headline": "Vrai titre", "titre-version": str(draft.version)},
    )
    assert response.headers["HX-Replace-Url"] == "/article/vrai-titre"
    assert db.session.scalar(db.select(ArticleSlugRedirect)) is None  # nobody linked to a draft


def test_published_slug_change_is_optional_and_redirects_301(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    old = a.slug
    client.post(
        f"/redaction/articles/{a.id}/titre",
        headers=HX,
        data={"titre-headline": "Sans changer l’adresse", "titre-version": str(a.version)},
    )
    assert fresh(Article, a.id).slug == old
    client.post(f"/redaction/articles/{a.id}/titre", headers=HX,
                data={"titre-headline": "Nouvelle adresse", "titre-update_slug": "y", "titre-version": str(fresh(Article, a.id).version)})  # fmt: skip
    assert fresh(Article, a.id).slug == "nouvelle-adresse"
    reader = client.application.test_client()
    response = reader.get(f"/article/{old}")
    assert (
        response.status_code == 301 and response.headers["Location"] == "/article/nouvelle-adresse"
    )
    assert reader.get("/article/nouvelle-adresse").status_code == 200


# --------------------------------------------------------------------------- dashboard, history


def test_dashboard_lists_drafts_scheduled_and_published(client, newsroom):
    make_article(
        "Mon brouillon", author=newsroom.author, status=ArticleStatus.DRAFT, published_at=None
    )
    make_article("Mon programmé", author=newsroom.author, published_at=utcnow() + timedelta(days=1))
    log_in(client, newsroom.author)
    html = body(client.get("/redaction"))
    assert "Mon brouillon" in html and "Mon programmé" in html and "Titre initial" in html
    assert "Article de Bruno" not in html  # authors see their own
    assert "Nouvel article" in html and "Tableau de bord" in html
    log_in(client, newsroom.editor)
    assert "Article de Bruno" in body(client.get("/redaction"))


def test_history_lists_diffs_and_restores(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    client.post(
        f"/redaction/articles/{a.id}/titre",
        headers=HX,
        data={"titre-headline": "Deuxième titre", "titre-version": str(a.version)},
    )
    block = a.blocks[0]
    client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={
            f"bloc{block.id}-html": "Texte changé",
            f"bloc{block.id}-version": str(block.version),
        },
    )
    revisions = Revision.for_article(a.id)
    assert [r.summary for r in revisions] == ["Modification : Paragraphe", "Titre modifié"]
    assert revisions[0].author_id == newsroom.editor.id

    panel = client.get(f"/redaction/articles/{a.id}/historique", headers=HX)
    assert (
        panel.status_code == 200
        and "Titre modifié" in body(panel)
        and "Élise Éditrice" in body(panel)
    )
    diff = body(client.get(f"/redaction/articles/{a.id}/historique/{revisions[1].id}", headers=HX))
    assert "<del>Premier paragraphe." in diff and "<ins>Texte changé" in diff

    response = client.post(
        f"/redaction/articles/{a.id}/historique/{revisions[1].id}/restaurer", headers=HX
    )
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/article/{a.slug}"
    db.session.expire_all()
    restored = fresh(Article, a.id)
    assert restored.blocks[0].data["html"] == "Premier <strong>paragraphe</strong>."
    assert restored.headline == "Deuxième titre"
    assert Revision.for_article(a.id)[0].summary.startswith("Version du ")


def test_a_revision_of_another_article_is_a_404(client, newsroom):
    log_in(client, newsroom.editor)
    a, b = newsroom.article, newsroom.others_article
    client.post(
        f"/redaction/articles/{b.id}/chapo",
        headers=HX,
        data={"chapo-standfirst": "x", "chapo-version": str(b.version)},
    )
    revision = Revision.for_article(b.id)[0]
    assert (
        client.get(f"/redaction/articles/{a.id}/historique/{revision.id}", headers=HX).status_code
        == 404
    )
    assert (
        client.post(
            f"/redaction/articles/{a.id}/historique/{revision.id}/restaurer", headers=HX
        ).status_code
        == 404
    )


# --------------------------------------------------------------------------- expired sessions, CSRF


def test_expired_session_gets_the_form_back_with_the_text(client, newsroom):
    block = newsroom.article.blocks[0]
    response = client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={f"bloc{block.id}-html": "Mon long texte", f"bloc{block.id}-version": "1"},
    )
    html = body(response)
    assert response.status_code == 401
    assert "Mon long texte" in html and "data-reauth" in html
    assert 'href="/connexion" target="_blank"' in html
    assert "Premier" not in html  # nothing stored is shown to a logged-out visitor
    assert block_at(newsroom.article, 0).data["html"] == "Premier <strong>paragraphe</strong>."


def test_expired_session_on_other_requests(client, newsroom):
    a = newsroom.article
    assert client.get(f"/redaction/articles/{a.id}/titre/modifier", headers=HX).status_code == 401
    response = client.get("/redaction")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


@pytest.fixture
def csrf_client(client):
    client.application.config["WTF_CSRF_ENABLED"] = True
    return client


def test_csrf_missing_token_is_refused_and_nothing_changes(csrf_client, newsroom):
    log_in(csrf_client, newsroom.editor)
    a = newsroom.article
    block = a.blocks[0]
    response = csrf_client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={f"bloc{block.id}-html": "Sans jeton", f"bloc{block.id}-version": "1"},
    )
    assert response.status_code == 400
    assert "Sans jeton" in body(response) and "data-reauth" in body(response)  # the text comes back
    assert csrf_client.post(f"/redaction/blocs/{block.id}/monter", headers=HX).status_code == 400
    assert csrf_client.post(f"/redaction/blocs/{block.id}/supprimer", headers=HX).status_code == 400
    assert (
        csrf_client.post(
            "/redaction/articles/nouveau",
            data={"headline": "X", "section": newsroom.section.id, "author": newsroom.editor.id},
        ).status_code
        == 400
    )
    db.session.expire_all()
    assert (
        block_at(a, 0).data["html"] == "Premier <strong>paragraphe</strong>."
        and block_at(a, 0).id == block.id
    )
    assert Revision.query.count() == 0


def test_csrf_token_from_the_form_is_accepted(csrf_client, newsroom):
    log_in(csrf_client, newsroom.editor)
    block = newsroom.article.blocks[0]
    form = body(csrf_client.get(f"/redaction/blocs/{block.id}/modifier", headers=HX))
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = csrf_client.post(f"/redaction/blocs/{block.id}", headers=HX,
                                data={"csrf_token": token, f"bloc{block.id}-html": "Avec jeton", f"bloc{block.id}-version": "1"})  # fmt: skip
    assert response.status_code == 200
    moved = csrf_client.post(
        f"/redaction/blocs/{block.id}/descendre", headers={**HX, "X-CSRFToken": token}
    )
    assert moved.status_code == 200


def test_fresh_token_endpoint(client, newsroom):
    log_in(client, newsroom.editor)
    assert client.get("/redaction/jeton").get_json()["csrf_token"]


# --------------------------------------------------------------------------- XSS corpus


def test_every_xss_payload_saved_into_a_paragraph_stays_inert(client, newsroom):
    log_in(client, newsroom.editor)
    allowed = set(POLICY["paragraph"])
    for payload in XSS_PAYLOADS:
        text = payload if isinstance(payload, str) else payload.get("payload", "")
        current = block_at(newsroom.article, 0)
        response = client.post(f"/redaction/blocs/{current.id}", headers=HX,
                               data={f"bloc{current.id}-html": text, f"bloc{current.id}-version": str(current.version)})  # fmt: skip
        assert response.status_code in (200, 422), text
        if response.status_code == 200:
            stored = block_at(newsroom.article, 0).data["html"]
            assert set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", stored)) <= allowed, text
            assert not re.search(r"<[^>]*(\son\w+=|javascript:)", stored, re.I), text
        assert_inert(body(client.get(f"/article/{newsroom.article.slug}")), text)


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(page: str, payload: str) -> None:
    """As a browser parses the page: no handler attribute, no script URL, only our own scripts."""
    collector = TagCollector()
    collector.feed(page)
    for tag, attrs in collector.tags:
        assert not [name for name in attrs if name.startswith("on")], (payload, tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            assert (
                not (attrs.get(name) or "").strip().lower().startswith(("javascript:", "data:"))
            ), (payload, tag)
        # JSON-LD blocks are data, never run (their JSON escapes "<": tests/test_structured_data.py).
        if tag == "script" and attrs.get("type") != "application/ld+json":
            assert (attrs.get("src") or "").startswith("/static/"), payload
        assert (
            tag not in ("iframe", "object", "embed", "svg", "math", "base", "meta")
            or tag == "meta"
            and "http-equiv" not in attrs
        ), (payload, tag)


# --------------------------------------------------------------------------- issue 11: what was typed is stored


def save_paragraph(client, block, text):
    return client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={f"bloc{block.id}-html": text, f"bloc{block.id}-version": str(block.version)},
    )


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("Ligne un\nLigne deux", "Ligne un<br>Ligne deux"),  # textarea without JavaScript
        ("Ligne un\r\nLigne deux", "Ligne un<br>Ligne deux"),  # as browsers post it
        ("Ligne un<br>\r\nLigne deux", "Ligne un<br>Ligne deux"),  # shown again, saved again
        ("Ligne un<br>Ligne deux", "Ligne un<br>Ligne deux"),  # the JavaScript editor's HTML
        ("<strong>gras\nsuite</strong>", "<strong>gras<br>suite</strong>"),
        ('Un <a\nhref="https://exemple.fr">lien</a>', 'Un <a href="https://exemple.fr">lien</a>'),
    ],
)
def test_line_breaks_typed_in_a_paragraph_are_kept(client, newsroom, typed, stored):
    log_in(client, newsroom.editor)
    block = newsroom.article.blocks[0]
    assert save_paragraph(client, block, typed).status_code == 200
    assert block_at(newsroom.article, 0).data["html"] == stored


def test_a_blank_line_makes_consecutive_paragraph_blocks_and_the_editor_is_told(client, newsroom):
    log_in(client, newsroom.editor)
    block = newsroom.article.blocks[0]
    count_before = len(newsroom.article.blocks)
    # The same text typed without JavaScript (newlines) and with it (<br>): same result.
    for typed in ("Un <em>début\n\nsuite</em>\nligne\n\n\nfin", "Un <em>début<br><br>suite</em><br>ligne<br><br><br>fin"):  # fmt: skip
        block = block_at(newsroom.article, 0)
        response = save_paragraph(client, block, typed)
        assert response.status_code == 200
        assert "votre texte est enregistré en 3 paragraphes" in body(response)
        assert body(response).count('class="block block-paragraph"') == 3
        article = fresh(Article, newsroom.article.id)
        htmls = [b.data["html"] for b in article.blocks[:3]]
        assert htmls == ["Un <em>début</em>", "<em>suite</em><br>ligne", "fin"]
        assert article.blocks[3].kind == "heading"  # the next block comes after them
        # Put the first back to one paragraph for the second round.
        for extra in article.blocks[1:3]:
            article.remove_block(extra)
        db.session.commit()
    assert len(fresh(Article, newsroom.article.id).blocks) == count_before


def test_a_new_paragraph_with_a_blank_line_is_two_blocks(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    response = client.post(
        f"/redaction/articles/{a.id}/blocs/nouveau/paragraph",
        headers=HX,
        data={"nouveau0-html": "Premier.\n\nSecond.", "after": ""},
    )
    assert response.status_code == 200
    blocks = fresh(Article, a.id).blocks
    assert [b.data.get("html") for b in blocks[:2]] == ["Premier.", "Second."]


def test_the_paragraph_textarea_shows_line_breaks_as_lines(client, newsroom):
    log_in(client, newsroom.editor)
    block = newsroom.article.blocks[0]
    save_paragraph(client, block, "un\ndeux")
    form = body(client.get(f"/redaction/blocs/{block.id}/modifier", headers=HX))
    assert "un&lt;br&gt;\ndeux</textarea>" in form


def test_the_bio_keeps_line_breaks_too(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    form = body(client.get(f"/redaction/articles/{a.id}/biographie/modifier", headers=HX))
    version = re.search(r'name="biographie-version" type="hidden" value="(\w+)"', form).group(1)
    client.post(
        f"/redaction/articles/{a.id}/biographie",
        headers=HX,
        data={"biographie-bio": "Journaliste\nà Lyon", "biographie-version": version},
    )
    assert fresh(Article, a.id).author.bio_html == "Journaliste<br>à Lyon"


def test_a_list_pasted_as_text_in_one_item_becomes_items(client, newsroom):
    log_in(client, newsroom.editor)
    block = newsroom.article.blocks[4]
    word_text = "·\tRéduire le trajet\r\n·\tOuvrir deux lignes\r\no\tdont une de nuit"
    response = client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={
            f"bloc{block.id}-items-0": word_text,
            f"bloc{block.id}-items-1": "1. quatre\n2. cinq",
            f"bloc{block.id}-items-2": "Une ligne\net sa suite",
            f"bloc{block.id}-version": str(block.version),
        },
    )
    assert response.status_code == 200
    assert block_at(newsroom.article, 4).data["items"] == [
        "Réduire le trajet", "Ouvrir deux lignes", "dont une de nuit", "quatre", "cinq",
        "Une ligne<br>et sa suite",
    ]  # fmt: skip


def oob_byline(html: str) -> str:
    match = re.search(r'<div class="byline" id="byline" hx-swap-oob="true">(.*?)</div>', html, re.S)
    assert match, "no out-of-band byline"
    return match.group(1)


def test_every_save_updates_the_byline_out_of_band(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    a.published_at = utcnow() - timedelta(days=2)
    db.session.commit()
    block = a.blocks[0]
    long_text = " ".join(["mot"] * 1000)  # about four more minutes of reading
    response = save_paragraph(client, block, long_text)
    html = body(response)
    byline = oob_byline(html)
    assert "Mis à jour le" in byline and re.search(r"Lecture\W+4\W+min", byline)
    assert f"<title>{a.headline} — " in html
    assert html.count('id="byline"') == 1
    # Parts, moves, deletions and new blocks too; a publication save has one byline only.
    a = fresh(Article, a.id)
    saves = [
        client.post(f"/redaction/articles/{a.id}/chapo", headers=HX, data={"chapo-standfirst": "Neuf", "chapo-version": str(a.version)}),
        client.post(f"/redaction/blocs/{a.blocks[1].id}/descendre", headers=HX),
        client.post(f"/redaction/blocs/{a.blocks[3].id}/supprimer", headers=HX),
        client.post(f"/redaction/articles/{a.id}/blocs/nouveau/heading", headers=HX, data={"nouveau0-text": "Inter", "nouveau0-level": "2", "after": ""}),
    ]  # fmt: skip
    for response in saves:
        assert response.status_code == 200
        assert body(response).count('id="byline"') == 1 and "Mis à jour le" in oob_byline(
            body(response)
        )
    a = fresh(Article, a.id)
    published = client.post(
        f"/redaction/articles/{a.id}/publication",
        headers=HX,
        data={"publication-state": "now", "publication-version": str(a.version)},
    )
    assert body(published).count('id="byline"') == 1


def test_a_cancel_or_a_form_sends_no_out_of_band_swap(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    for url in (f"/redaction/articles/{a.id}/titre", f"/redaction/blocs/{a.blocks[0].id}", f"/redaction/articles/{a.id}/titre/modifier"):  # fmt: skip
        assert "hx-swap-oob" not in body(client.get(url, headers=HX))
    refused = save_paragraph(client, a.blocks[0], "")
    assert refused.status_code == 422 and "hx-swap-oob" not in body(refused)


def test_forms_carry_their_draft_key_and_offer(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    block = a.blocks[0]
    form = body(client.get(f"/redaction/blocs/{block.id}/modifier", headers=HX))
    assert f'data-draft-key="{a.id}:bloc-{block.id}" data-draft-version="{block.version}"' in form
    assert (
        "Un brouillon non enregistré de ce paragraphe existe" in form
        and "data-draft-offer hidden" in form
    )
    part = body(client.get(f"/redaction/articles/{a.id}/titre/modifier", headers=HX))
    assert f'data-draft-key="{a.id}:titre"' in part and "brouillon non enregistré du titre" in part
    new = body(
        client.get(
            f"/redaction/articles/{a.id}/blocs/nouveau/paragraph?apres={block.id}", headers=HX
        )
    )
    assert f'data-draft-key="{a.id}:nouveau-paragraph-apres-{block.id}"' in new
    assert f'data-paste-url="/redaction/articles/{a.id}/collage/paragraphe"' in new
