"""Co-authors: the byline's list in order, who may edit, author pages and feeds, JSON-LD,
revisions, the authors part (add, move, remove, save), and the page cache."""

from __future__ import annotations

import json
import re

import pytest
from flask_babel import force_locale

from models import Article, Revision, db
from models.authorship import ArticleAuthor
from models.content import ArticleStatus
from models.listing import live_page
from tests.factories import HX, log_in, make_article, make_section, make_user
from views.bylines import author_links, names_list


@pytest.fixture
def newsroom(app):
    """Alice signs an article (with a paragraph); Bruno and Chloé are other authors."""
    section = make_section("Politique", slug="politique")
    alice = make_user("Alice Autrice", slug="alice")
    bruno = make_user("Bruno Auteur", slug="bruno")
    chloe = make_user("Chloé Plume", slug="chloe")
    editor = make_user("Élise Éditrice", role="editor", slug="elise")
    article = make_article(
        "Le sommet",
        section=section,
        author=alice,
        slug="sommet",
        standfirst="Un chapô.",
        blocks=[("paragraph", {"html": "Premier paragraphe."})],
    )
    return type("Newsroom", (), dict(section=section, alice=alice, bruno=bruno, chloe=chloe,
                                      editor=editor, article=article))  # fmt: skip


def fresh(article_id: int) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article_id)


def body(response) -> str:
    return response.get_data(as_text=True)


# --------------------------------------------------------------------------- the model


def test_a_new_article_signed_by_one_author_gets_a_one_author_list(newsroom):
    links = db.session.scalars(db.select(ArticleAuthor)).all()
    assert [(link.article_id, link.user_id, link.position) for link in links] == [
        (newsroom.article.id, newsroom.alice.id, 0)
    ]
    assert links[0].published_at == newsroom.article.published_at
    assert fresh(newsroom.article.id).authors == [newsroom.alice]


def test_set_authors_keeps_order_and_the_lead_author(newsroom):
    article = newsroom.article
    article.set_authors([newsroom.bruno, newsroom.alice, newsroom.chloe])
    db.session.commit()
    article = fresh(article.id)
    assert [u.display_name for u in article.authors] == [
        "Bruno Auteur",
        "Alice Autrice",
        "Chloé Plume",
    ]
    assert article.author_id == newsroom.bruno.id  # the lead follows the first
    with pytest.raises(ValueError):
        article.set_authors([])
    with pytest.raises(ValueError):
        article.set_authors([newsroom.alice, newsroom.alice])


def test_co_authors_may_edit_others_may_not(newsroom):
    article = newsroom.article
    assert not newsroom.bruno.can_edit(article)
    article.set_authors([newsroom.alice, newsroom.bruno])
    db.session.commit()
    article = fresh(article.id)
    assert newsroom.alice.can_edit(article) and newsroom.bruno.can_edit(article)
    assert not newsroom.chloe.can_edit(article)
    assert newsroom.editor.can_edit(article)
    newsroom.bruno.active = False
    assert not newsroom.bruno.can_edit(article)


def test_signed_by_finds_co_signed_articles(newsroom):
    other = make_article("Autre", section=newsroom.section, author=newsroom.bruno)
    newsroom.article.set_authors([newsroom.alice, newsroom.bruno])
    db.session.commit()
    signed = db.select(Article.id).where(Article.signed_by(newsroom.bruno.id)).order_by(Article.id)
    assert db.session.scalars(signed).all() == sorted([newsroom.article.id, other.id])
    chloe = db.select(Article.id).where(Article.signed_by(newsroom.chloe.id))
    assert db.session.scalars(chloe).all() == []


def test_published_at_is_copied_to_the_author_rows(newsroom):
    article = newsroom.article
    article.set_authors([newsroom.alice, newsroom.bruno])
    db.session.commit()
    article.unpublish()
    db.session.commit()
    assert {link.published_at for link in fresh(article.id).author_links} == {None}
    article = fresh(article.id)
    article.publish()
    db.session.commit()
    article = fresh(article.id)
    assert {link.published_at for link in article.author_links} == {article.published_at}


def test_snapshot_and_restore_carry_the_author_list(newsroom):
    article = newsroom.article
    article.set_authors([newsroom.alice, newsroom.bruno])
    db.session.commit()
    snapshot = fresh(article.id).snapshot()
    assert snapshot["author_ids"] == [newsroom.alice.id, newsroom.bruno.id]
    assert snapshot["author_names"] == ["Alice Autrice", "Bruno Auteur"]

    article = fresh(article.id)
    article.set_authors([newsroom.chloe])
    db.session.commit()
    article = fresh(article.id)
    article.restore(snapshot)  # the byline comes back only when asked
    db.session.commit()
    assert [u.id for u in fresh(article.id).authors] == [newsroom.chloe.id]
    article = fresh(article.id)
    article.restore(snapshot, authors=True)
    db.session.commit()
    assert [u.id for u in fresh(article.id).authors] == [newsroom.alice.id, newsroom.bruno.id]


def test_restore_skips_accounts_no_longer_active(newsroom):
    article = newsroom.article
    article.set_authors([newsroom.bruno, newsroom.alice])
    db.session.commit()
    snapshot = fresh(article.id).snapshot()
    newsroom.bruno.active = False
    db.session.commit()
    article = fresh(article.id)
    article.set_authors([newsroom.chloe])
    db.session.commit()
    article = fresh(article.id)
    article.restore(snapshot, authors=True)
    db.session.commit()
    assert [u.id for u in fresh(article.id).authors] == [newsroom.alice.id]


@pytest.mark.parametrize(
    "locale, names, expected",
    [
        ("fr", ["A"], "A"),
        ("fr", ["A", "B"], "A et B"),
        ("fr", ["A", "B", "C"], "A, B et C"),
        ("fr", ["A", "B", "C", "D"], "A, B, C et D"),
        ("en", ["A"], "A"),
        ("en", ["A", "B"], "A and B"),
        ("en", ["A", "B", "C"], "A, B, and C"),
        ("en", ["A", "B", "C", "D"], "A, B, C, and D"),
    ],
)
def test_names_are_listed_as_the_language_lists_them(app, locale, names, expected):
    with app.test_request_context(), force_locale(locale):
        assert str(names_list(names)) == expected


def test_byline_names_are_escaped_and_linked(app, newsroom):
    newsroom.bruno.display_name = "<b>Bruno</b> & Cie"
    with app.test_request_context(), force_locale("fr"):
        html = str(author_links([newsroom.alice, newsroom.bruno]))
    assert html == (
        '<a rel="author" href="/auteur/alice">Alice Autrice</a> et '
        '<a rel="author" href="/auteur/bruno">&lt;b&gt;Bruno&lt;/b&gt; &amp; Cie</a>'
    )


# --------------------------------------------------------------------------- readers


def co_sign(newsroom, *users):
    newsroom.article.set_authors(list(users))
    db.session.commit()


def test_byline_and_json_ld_name_every_author(client, newsroom):
    co_sign(newsroom, newsroom.alice, newsroom.bruno, newsroom.chloe)
    html = body(client.get("/article/sommet"))
    assert (
        'Par <a rel="author" href="/auteur/alice">Alice Autrice</a>, '
        '<a rel="author" href="/auteur/bruno">Bruno Auteur</a> et '
        '<a rel="author" href="/auteur/chloe">Chloé Plume</a>'
    ) in html
    documents = [
        json.loads(raw)
        for raw in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html)
    ]
    article = next(d for d in documents if d["@type"] == "NewsArticle")
    assert article["author"] == [
        {"@type": "Person", "name": name, "url": f"http://localhost/auteur/{slug}"}
        for name, slug in [
            ("Alice Autrice", "alice"),
            ("Bruno Auteur", "bruno"),
            ("Chloé Plume", "chloe"),
        ]  # fmt: skip
    ]
    authors = re.findall(r'<meta property="article:author" content="([^"]+)"', html)
    assert authors == [f"http://localhost/auteur/{s}" for s in ("alice", "bruno", "chloe")]


def test_author_page_feed_and_sitemap_include_co_signed_articles(client, newsroom):
    co_sign(newsroom, newsroom.alice, newsroom.bruno)
    draft = make_article("Un brouillon", section=newsroom.section, author=newsroom.bruno,
                         status=ArticleStatus.DRAFT, published_at=None, slug="brouillon")  # fmt: skip
    assert "Le sommet" in body(client.get("/auteur/bruno"))
    assert "Le sommet" in body(client.get("/auteur/alice"))
    assert "Le sommet" not in body(client.get("/auteur/chloe"))
    assert "Un brouillon" not in body(client.get("/auteur/bruno"))
    feed = body(client.get("/auteur/bruno/flux.rss"))
    assert "Le sommet" in feed and "Un brouillon" not in feed
    sitemap = body(client.get("/sitemaps/auteurs.xml"))
    assert "/auteur/bruno</loc>" in sitemap and "/auteur/chloe</loc>" not in sitemap
    assert draft.id not in [a.id for a in live_page(10, author_id=newsroom.bruno.id).items]


def test_author_pages_page_through_co_signed_articles(app, newsroom):
    """Keyset pages over article_author: no article twice, none missing, newest first."""
    from datetime import timedelta

    from models.time import utcnow

    now = utcnow()
    made = []
    for n in range(7):
        lead = newsroom.bruno if n % 2 else newsroom.chloe
        article = make_article(f"Article {n}", section=newsroom.section, author=lead,
                               published_at=now - timedelta(hours=n + 1))  # fmt: skip
        if lead is newsroom.chloe:
            article.set_authors([newsroom.chloe, newsroom.bruno])
            db.session.commit()
        made.append(article.id)
    seen, before = [], None
    while True:
        page = live_page(3, author_id=newsroom.bruno.id, before=before)
        seen += [a.id for a in page.items]
        if page.older is None:
            break
        before = page.older
    assert seen == made


# --------------------------------------------------------------------------- the authors part


def authors_post(client, article, ids, action="", add="", version=None):
    data = {
        "auteurs-authors": [str(i) for i in ids],
        "auteurs-add": add,
        "auteurs-version": str(article.version if version is None else version),
    }
    if action:
        data["auteurs-action"] = action
    return client.post(f"/redaction/articles/{article.id}/auteurs", headers=HX, data=data)


def listed(html: str) -> list[str]:
    return re.findall(r'name="auteurs-authors" value="(\d+)"', html)


def test_form_buttons_rearrange_without_saving(client, newsroom):
    log_in(client, newsroom.editor)
    a, alice, bruno = newsroom.article, newsroom.alice, newsroom.bruno
    form = client.get(f"/redaction/articles/{a.id}/auteurs/modifier", headers=HX)
    assert form.status_code == 200 and listed(body(form)) == [str(alice.id)]
    added = authors_post(client, a, [alice.id], action="ajouter", add=str(bruno.id))
    assert added.status_code == 200
    assert listed(body(added)) == [str(alice.id), str(bruno.id)]
    moved = authors_post(client, a, [alice.id, bruno.id], action=f"monter-{bruno.id}")
    assert listed(body(moved)) == [str(bruno.id), str(alice.id)]
    # Bruno is first now: focus goes to his "Descendre", "Monter" being disabled.
    assert re.search(rf'value="descendre-{bruno.id}"[^>]* data-focus', body(moved))
    removed = authors_post(client, a, [bruno.id, alice.id], action=f"retirer-{bruno.id}")
    assert listed(body(removed)) == [str(alice.id)]
    assert [u.id for u in fresh(a.id).authors] == [alice.id]  # nothing saved yet
    assert db.session.scalar(db.select(db.func.count(Revision.id))) == 0


def test_save_sets_the_byline_and_swaps_it_back(client, newsroom):
    log_in(client, newsroom.editor)
    a, alice, bruno = newsroom.article, newsroom.alice, newsroom.bruno
    response = authors_post(client, a, [bruno.id, alice.id])
    html = body(response)
    assert response.status_code == 200
    assert 'id="part-auteurs"' in html and "Par <a" in html and "Bruno Auteur</a> et" in html
    assert 'id="byline" hx-swap-oob="true"' in html  # the dates, out of band, as every save
    article = fresh(a.id)
    assert [u.id for u in article.authors] == [bruno.id, alice.id]
    assert article.author_id == bruno.id
    revision = db.session.scalars(db.select(Revision)).one()
    assert revision.summary == "Auteurs modifiés" and revision.snapshot["author_ids"] == [
        bruno.id,
        alice.id,
    ]


def test_a_chosen_account_is_added_by_enregistrer_too(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    response = authors_post(client, a, [newsroom.alice.id], add=str(newsroom.chloe.id))
    assert response.status_code == 200
    assert [u.id for u in fresh(a.id).authors] == [newsroom.alice.id, newsroom.chloe.id]


@pytest.mark.parametrize(
    "ids, add, message",
    [
        ([], "", "L’article doit avoir au moins un auteur."),
        (["999999"], "", "n’a plus de compte actif"),
        (["abc"], "", "La liste des auteurs est illisible"),
        (["1 OR 1=1"], "", "La liste des auteurs est illisible"),
        (["٣"], "", "La liste des auteurs est illisible"),  # a digit, but not ASCII
        (None, "999999", "Ce compte n’existe pas ou n’est plus actif."),
        (None, "<script>", "Ce compte n’existe pas ou n’est plus actif."),
    ],
)
def test_bad_author_lists_are_refused_in_french_and_change_nothing(client, newsroom, ids, add,
                                                                   message):  # fmt: skip
    log_in(client, newsroom.editor)
    a = newsroom.article
    ids = [newsroom.alice.id] if ids is None else ids
    response = authors_post(client, a, ids, add=add)
    assert response.status_code == 422
    assert message in body(response)
    assert "Rien n’a été enregistré" in body(response)
    assert [u.id for u in fresh(a.id).authors] == [newsroom.alice.id]


def test_an_inactive_account_cannot_be_added(client, newsroom):
    newsroom.chloe.active = False
    db.session.commit()
    log_in(client, newsroom.editor)
    a = newsroom.article
    form = body(client.get(f"/redaction/articles/{a.id}/auteurs/modifier", headers=HX))
    assert "Chloé Plume" not in form
    response = authors_post(client, a, [newsroom.alice.id, newsroom.chloe.id])
    assert response.status_code == 422


def test_an_author_adds_co_authors_but_cannot_remove_themselves(client, newsroom):
    log_in(client, newsroom.alice)
    a = newsroom.article
    kept = authors_post(client, a, [newsroom.alice.id, newsroom.bruno.id])
    assert kept.status_code == 200
    gone = authors_post(client, fresh(a.id), [newsroom.bruno.id])
    assert gone.status_code == 422
    assert "Vous ne pouvez pas vous retirer des auteurs" in body(gone)
    # A co-author edits the article now, and may take the lead from Alice.
    log_in(client, newsroom.bruno)
    lead = authors_post(client, fresh(a.id), [newsroom.bruno.id, newsroom.alice.id])
    assert lead.status_code == 200


def test_an_editor_replaces_every_author(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    assert authors_post(client, a, [newsroom.chloe.id]).status_code == 200
    assert [u.id for u in fresh(a.id).authors] == [newsroom.chloe.id]
    assert not newsroom.alice.can_edit(fresh(a.id))


def test_stale_authors_form_is_a_conflict_with_both_versions(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    loaded = a.version
    first = authors_post(client, a, [newsroom.alice.id, newsroom.bruno.id], version=loaded)
    assert first.status_code == 200
    second = authors_post(client, a, [newsroom.alice.id, newsroom.chloe.id], version=loaded)
    html = body(second)
    assert second.status_code == 409
    assert "Alice Autrice, Bruno Auteur" in html  # theirs
    assert listed(html) == [str(newsroom.alice.id), str(newsroom.chloe.id)]  # mine, kept
    assert [u.id for u in fresh(a.id).authors] == [newsroom.alice.id, newsroom.bruno.id]


def test_a_headline_save_does_not_conflict_with_an_open_authors_form(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    # A first save records a revision of the article as the forms were loaded.
    client.post(f"/redaction/articles/{a.id}/titre", headers=HX,
                data={"titre-headline": "Le sommet", "titre-version": str(a.version)})  # fmt: skip
    loaded = fresh(a.id).version
    client.post(f"/redaction/articles/{a.id}/titre", headers=HX,
                data={"titre-headline": "Nouveau titre", "titre-version": str(loaded)})  # fmt: skip
    response = authors_post(client, fresh(a.id), [newsroom.bruno.id], version=loaded)
    assert response.status_code == 200
    article = fresh(a.id)
    assert (article.headline, article.authors) == ("Nouveau titre", [newsroom.bruno])


def test_revision_diff_shows_the_author_change_and_restores_it_when_ticked(client, newsroom):
    log_in(client, newsroom.editor)
    a = newsroom.article
    authors_post(client, a, [newsroom.alice.id, newsroom.bruno.id])
    first = db.session.scalars(db.select(Revision)).one()
    authors_post(client, fresh(a.id), [newsroom.chloe.id])
    diff = body(client.get(f"/redaction/articles/{a.id}/historique/{first.id}", headers=HX))
    assert 'data-difference="authors"' in diff
    assert "Alice Autrice, Bruno Auteur" in diff and "Chloé Plume" in diff
    assert "Rétablir aussi les auteurs" in diff
    url = f"/redaction/articles/{a.id}/historique/{first.id}/restaurer"
    client.post(url, data={})
    assert [u.id for u in fresh(a.id).authors] == [newsroom.chloe.id]
    client.post(url, data={"authors": "y"})
    assert [u.id for u in fresh(a.id).authors] == [newsroom.alice.id, newsroom.bruno.id]


# --------------------------------------------------------------------------- authorisation, CSRF


@pytest.mark.parametrize("url_part", ["auteurs", "referencement"])
def test_authorisation_rows_for_the_new_parts(client, newsroom, url_part):
    """The matrix's EDIT row for these parts: anonymous 401, another author 403."""
    a = newsroom.article
    base = f"/redaction/articles/{a.id}/{url_part}"
    assert client.get(base + "/modifier", headers=HX).status_code == 401
    assert client.post(base, headers=HX, data={}).status_code == 401  # the form back
    log_in(client, newsroom.chloe)
    assert client.get(base + "/modifier", headers=HX).status_code == 403
    assert client.post(base, headers=HX, data={}).status_code == 403
    for user in (newsroom.alice, newsroom.editor):
        log_in(client, user)
        assert client.get(base + "/modifier", headers=HX).status_code == 200


def test_logged_out_authors_save_gets_its_list_back_without_names(client, newsroom):
    a = newsroom.article
    response = authors_post(client, a, [newsroom.alice.id, newsroom.bruno.id])
    html = body(response)
    assert response.status_code == 401
    assert listed(html) == [str(newsroom.alice.id), str(newsroom.bruno.id)]
    assert "Alice Autrice" not in html and "Auteur 1 (conservé)" in html


@pytest.mark.parametrize("url_part", ["auteurs", "referencement"])
def test_csrf_rows_for_the_new_parts(app, client, newsroom, url_part):
    app.config["WTF_CSRF_ENABLED"] = True
    log_in(client, newsroom.editor)
    a = newsroom.article
    data = {f"{url_part}-version": str(a.version), "auteurs-authors": [str(newsroom.bruno.id)],
            "referencement-seo_title": "Un titre", "referencement-social_image": ""}  # fmt: skip
    url = f"/redaction/articles/{a.id}/{url_part}"
    refused = client.post(url, headers=HX, data=data)
    assert refused.status_code == 400
    forged = client.post(url, headers={**HX, "X-CSRFToken": "forged"}, data=data)
    assert forged.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Revision.id))) == 0
    token = client.get("/redaction/jeton").get_json()["csrf_token"]
    accepted = client.post(url, headers={**HX, "X-CSRFToken": token}, data=data)
    assert accepted.status_code == 200


# --------------------------------------------------------------------------- the page cache


def test_an_author_change_invalidates_the_article_and_old_and_new_author_pages(app, client,
                                                                              newsroom):  # fmt: skip
    app.config["GAZETTE_PAGE_CACHE"] = True
    other = make_article("Autre article", section=newsroom.section, author=newsroom.chloe,
                         slug="autre")  # fmt: skip
    urls = ["/article/sommet", "/auteur/alice", "/auteur/bruno", "/auteur/bruno/flux.rss", "/"]
    for url in urls + ["/article/autre"]:
        assert client.get(url).headers["X-Page-Cache"] == "miss", url
        assert client.get(url).headers["X-Page-Cache"] == "hit", url
    article = fresh(newsroom.article.id)
    article.set_authors([newsroom.bruno])  # Alice leaves, Bruno joins
    db.session.commit()
    for url in urls:
        response = client.get(url)
        assert response.headers["X-Page-Cache"] == "miss", url
    assert "Le sommet" in body(client.get("/auteur/bruno"))
    assert "Le sommet" not in body(client.get("/auteur/alice"))
    assert "Bruno Auteur</a>" in body(client.get("/article/sommet"))
    assert client.get("/article/autre").headers["X-Page-Cache"] == "hit"
    assert other.id


# --------------------------------------------------------------------------- junk input


@pytest.mark.parametrize("url_part", ["auteurs", "referencement"])
def test_junk_in_the_new_parts_never_makes_a_500_nor_a_change(client, newsroom, url_part):
    from tests.test_junk_input import JUNK_VALUES, MEGABYTE, RAW_BODIES

    log_in(client, newsroom.editor)
    a = newsroom.article
    url = f"/redaction/articles/{a.id}/{url_part}"
    fields = {
        "auteurs": ["auteurs-authors", "auteurs-add", "auteurs-action", "auteurs-version"],
        "referencement": ["referencement-seo_title", "referencement-seo_description",
                          "referencement-social_image", "referencement-version"],
    }[url_part]  # fmt: skip
    valid = {field: "" for field in fields}
    problems = []
    for field in fields:
        for junk in [*JUNK_VALUES, MEGABYTE, ["1", "x"], ["retirer-1", "monter-"]]:
            response = client.post(url, headers=HX, data={**valid, field: junk})
            if response.status_code >= 500:
                problems.append((field, str(junk)[:20], response.status_code))
    for raw in RAW_BODIES:
        response = client.post(url, headers=HX, data=raw,
                               content_type="application/x-www-form-urlencoded")  # fmt: skip
        if response.status_code >= 500:
            problems.append(("raw", raw[:20], response.status_code))
    assert problems == []
    article = fresh(a.id)
    assert [u.id for u in article.authors] == [newsroom.alice.id]
    assert (article.seo_title, article.seo_description, article.social_image) == ("", "", "")
