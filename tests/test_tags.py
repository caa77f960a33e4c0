"""Sujets in the newsroom (issue 14): the service (find or create, suggestions, rename,
merge, delete), the article's Sujets part, rel=tag links, JSON-LD keywords, the desk's
and search's filters, the /redaction/sujets page, and the page cache."""

from __future__ import annotations

import json
import re

import pytest

from models import Article, Revision, Tag, TagRedirect, db
from models.content import ArticleStatus
from models.tag import ArticleTag
from services import tags
from tests.factories import HX, log_in, make_article, make_section, make_user


@pytest.fixture
def newsroom(app):
    """Alice signs a published article and a draft; Élise is an editor; two tags exist."""
    section = make_section("International", slug="international")
    alice = make_user("Alice Autrice", slug="alice")
    chloe = make_user("Chloé Plume", slug="chloe")
    editor = make_user("Élise Éditrice", role="editor", slug="elise")
    article = make_article(
        "Le sommet de Pyongyang",
        section=section,
        author=alice,
        slug="sommet",
        blocks=[("paragraph", {"html": "Un sommet historique à Pyongyang."})],
    )
    draft = make_article(
        "Brouillon sur Séoul",
        section=section,
        author=alice,
        slug="brouillon",
        status=ArticleStatus.DRAFT,
        published_at=None,
    )
    coree = Tag(name="Corée du Nord", slug="coree-du-nord")
    russie = Tag(name="Russie", slug="russie")
    db.session.add_all([coree, russie])
    db.session.commit()
    return type("Newsroom", (), dict(section=section, alice=alice, chloe=chloe, editor=editor,
                                      article=article, draft=draft, coree=coree, russie=russie))  # fmt: skip


def fresh(article_id: int) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article_id)


def body(response) -> str:
    return response.get_data(as_text=True)


# --------------------------------------------------------------------------- the service


def test_find_or_create_reuses_a_tag_with_the_same_slug(newsroom):
    assert tags.find_or_create("Corée du nord") is newsroom.coree
    assert tags.find_or_create("  coree   du NORD ") is newsroom.coree
    new = tags.find_or_create("  Guerre\u00a0en   Ukraine ")
    assert (new.name, new.slug) == ("Guerre en Ukraine", "guerre-en-ukraine")
    nfd = tags.find_or_create("Cafe\u0301")
    assert nfd.name == "Café" and nfd.slug == "cafe"
    for bad in ("", "   ", "x" * 81):
        with pytest.raises(ValueError):
            tags.find_or_create(bad)


def test_suggestions_are_folded_word_prefixes(newsroom):
    tags.find_or_create("Nordic Walking")
    assert [t.name for t in tags.suggestions("coree")] == ["Corée du Nord"]
    assert [t.name for t in tags.suggestions("Cor")] == ["Corée du Nord"]
    # Names starting with it first, then those with a later word starting with it.
    assert [t.name for t in tags.suggestions("nord")] == ["Nordic Walking", "Corée du Nord"]
    assert tags.suggestions("") == [] and tags.suggestions("%") == []
    assert tags.suggestions("zzz") == []


def test_rename_moves_the_slug_and_refuses_a_collision(newsroom):
    coree = newsroom.coree
    db.session.add(TagRedirect(old_slug="nord-coree", tag_id=coree.id))
    db.session.commit()
    tags.rename(coree, "Corée-du-Nord (RPDC)")
    db.session.commit()
    assert coree.slug == "coree-du-nord-rpdc"
    assert db.session.get(TagRedirect, "coree-du-nord").tag_id == coree.id
    assert db.session.get(TagRedirect, "nord-coree").tag_id == coree.id
    with pytest.raises(ValueError, match="existe déjà"):
        tags.rename(coree, "Russie")
    # Back to its old name: the old slug is taken back from the redirects.
    tags.rename(coree, "Corée du Nord")
    db.session.commit()
    assert coree.slug == "coree-du-nord" and db.session.get(TagRedirect, "coree-du-nord") is None
    tags.describe(coree, "  La péninsule.\r\nAu nord.  ")
    assert coree.description == "La péninsule.\nAu nord."
    with pytest.raises(ValueError):
        tags.describe(coree, "x" * 1001)


def test_merge_moves_articles_and_addresses(newsroom):
    a, coree, russie = newsroom.article, newsroom.coree, newsroom.russie
    both = make_article("Les deux", section=newsroom.section, author=newsroom.alice, slug="deux")
    a.set_tags([russie])
    both.set_tags([coree, russie])
    db.session.add(TagRedirect(old_slug="russie-ancienne", tag_id=russie.id))
    db.session.commit()
    published_at = a.published_at
    russie_id = russie.id
    tags.merge(russie, coree)
    db.session.commit()
    assert db.session.get(Tag, russie_id) is None
    assert [t.name for t in fresh(a.id).tags] == ["Corée du Nord"]
    assert fresh(a.id).tag_links[0].published_at == published_at
    assert [t.name for t in fresh(both.id).tags] == ["Corée du Nord"]  # no duplicate
    assert db.session.get(TagRedirect, "russie").tag_id == coree.id
    assert db.session.get(TagRedirect, "russie-ancienne").tag_id == coree.id
    assert tags.find("Russie") is coree  # typing the old name finds the tag it became
    with pytest.raises(ValueError):
        tags.merge(coree, coree)


def test_delete_only_an_unused_tag(newsroom):
    newsroom.article.set_tags([newsroom.coree])
    db.session.commit()
    with pytest.raises(ValueError, match="Des articles portent encore ce sujet"):
        tags.delete(newsroom.coree)
    tags.delete(newsroom.russie)
    db.session.commit()
    assert Tag.by_slug("russie") is None


# --------------------------------------------------------------------------- the Sujets part


def tags_post(client, article, names, action="", add="", pick="", version=None):
    data = {
        "sujets-tags": names,
        "sujets-add": add,
        "sujets-version": str(article.version if version is None else version),
    }
    if action:
        data["sujets-action"] = action
    if pick:
        data["sujets-pick"] = pick
    return client.post(f"/redaction/articles/{article.id}/sujets", headers=HX, data=data)


def listed(html: str) -> list[str]:
    return re.findall(r'name="sujets-tags" value="([^"]*)"', html)


def test_the_form_adds_moves_and_removes_without_saving(client, newsroom):
    log_in(client, newsroom.alice)
    a = newsroom.article
    form = client.get(f"/redaction/articles/{a.id}/sujets/modifier", headers=HX)
    assert form.status_code == 200 and "/redaction/sujets/suggestions" in body(form)
    picked = tags_post(client, a, [], pick="Corée du Nord")
    assert listed(body(picked)) == ["Corée du Nord"]
    added = tags_post(
        client, a, ["Corée du Nord"], action="ajouter", add="Russie, coree du nord ;Diplomatie"
    )
    assert listed(body(added)) == ["Corée du Nord", "Russie", "Diplomatie"]
    moved = tags_post(client, a, listed(body(added)), action="monter-2")
    assert listed(body(moved)) == ["Corée du Nord", "Diplomatie", "Russie"]
    removed = tags_post(client, a, listed(body(moved)), action="retirer-0")
    assert listed(body(removed)) == ["Diplomatie", "Russie"]
    assert fresh(a.id).tags == [] and Tag.by_slug("diplomatie") is None  # nothing saved
    assert db.session.scalar(db.select(db.func.count(Revision.id))) == 0


def test_saving_tags_creates_new_ones_and_records_a_revision(client, newsroom):
    log_in(client, newsroom.alice)
    a = newsroom.article
    saved = tags_post(client, a, ["Corée du Nord"], add="Diplomatie")  # typed, then saved
    html = body(saved)
    assert saved.status_code == 200 and 'id="part-sujets"' in html
    assert 'rel="tag"' in html and "/sujet/diplomatie" in html
    article = fresh(a.id)
    assert [t.name for t in article.tags] == ["Corée du Nord", "Diplomatie"]
    revision = Revision.for_article(a.id)[0]
    assert revision.summary == "Sujets modifiés"
    assert revision.snapshot["tag_names"] == ["Corée du Nord", "Diplomatie"]
    # Restoring an earlier revision restores its tags.
    tags_post(client, article, ["Russie"])
    article = fresh(a.id)
    assert [t.name for t in article.tags] == ["Russie"]
    article.restore(revision.snapshot)
    db.session.commit()
    assert [t.name for t in fresh(a.id).tags] == ["Corée du Nord", "Diplomatie"]


def test_a_stale_tags_form_is_a_conflict_but_another_part_is_not(client, newsroom):
    log_in(client, newsroom.alice)
    a = newsroom.article
    loaded = a.version
    assert tags_post(client, a, ["Russie"], version=loaded).status_code == 200
    conflict = tags_post(client, fresh(a.id), ["Corée du Nord"], version=loaded)
    assert conflict.status_code == 409 and "Russie" in body(conflict)
    assert [t.name for t in fresh(a.id).tags] == ["Russie"]


def test_refusals_and_the_text_boundary(client, newsroom):
    log_in(client, newsroom.alice)
    a = newsroom.article
    too_long = tags_post(client, a, ["x" * 81])
    assert too_long.status_code == 422 and "80 caractères" in body(too_long)
    hostile = tags_post(client, a, ["Co\x00rée"])
    assert hostile.status_code == 422 and "illisible" in body(hostile)
    invisible = tags_post(client, a, [], add="Co\x01rée")
    assert invisible.status_code == 422
    many = tags_post(client, a, [f"Sujet {n}" for n in range(13)])
    assert many.status_code == 422 and "12 sujets au plus" in body(many)
    nfd = tags_post(client, a, ["Se\u0301oul"])
    assert nfd.status_code == 200
    assert [t.name for t in fresh(a.id).tags] == ["Séoul"]


def test_readers_see_rel_tag_links_on_live_articles_only(client, newsroom):
    newsroom.article.set_tags([newsroom.coree, newsroom.russie])
    newsroom.draft.set_tags([newsroom.coree])
    db.session.commit()
    html = body(client.get("/article/sommet"))
    assert re.search(r'<a href="/sujet/coree-du-nord" rel="tag">Corée du Nord</a>', html)
    assert html.index("Corée du Nord</a>") < html.index("Russie</a>")
    assert client.get("/sujet/coree-du-nord").status_code == 200
    log_in(client, newsroom.alice)
    draft = body(client.get("/article/brouillon"))
    assert "Corée du Nord" in draft and 'rel="tag"' not in draft


def test_json_ld_keywords(client, newsroom):
    newsroom.article.set_tags([newsroom.russie, newsroom.coree])
    db.session.commit()
    html = body(client.get("/article/sommet"))
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = [json.loads(b) for b in blocks]
    news = next(d for d in (x for b in data for x in (b if isinstance(b, list) else [b]))
                if d.get("@type") == "NewsArticle")  # fmt: skip
    assert news["keywords"] == ["Russie", "Corée du Nord"]


def test_suggestions_endpoint(client, newsroom):
    assert client.get("/redaction/sujets/suggestions?q=cor", headers=HX).status_code == 401
    log_in(client, newsroom.alice)
    html = body(client.get("/redaction/sujets/suggestions?q=cor", headers=HX))
    assert 'value="Corée du Nord"' in html and "Créer « cor »" in html
    assert html.index("Corée du Nord") < html.index("Créer")
    exact = body(
        client.get(
            "/redaction/sujets/suggestions",
            query_string={"sujets-add": "coree du nord"},
            headers=HX,
        )
    )
    assert "Corée du Nord" in exact and "Créer" not in exact
    assert "Créer" not in body(client.get("/redaction/sujets/suggestions?q=%00", headers=HX))
    # A sujet already in the form is not offered again.
    chosen = client.get(
        "/redaction/sujets/suggestions",
        query_string={"sujets-add": "cor", "sujets-tags": ["Corée du Nord"]},
        headers=HX,
    )
    assert 'value="Corée du Nord"' not in body(chosen) and "Créer « cor »" in body(chosen)


# --------------------------------------------------------------------------- filters


def test_desk_tag_filter(client, newsroom):
    newsroom.draft.set_tags([newsroom.coree])
    db.session.commit()
    log_in(client, newsroom.editor)
    html = body(client.get(f"/redaction/articles?sujet={newsroom.coree.id}"))
    assert "Brouillon sur Séoul" in html and "Le sommet de Pyongyang" not in html
    assert f'<option value="{newsroom.coree.id}" selected>Corée du Nord</option>' in html
    assert "Le sommet de Pyongyang" in body(client.get("/redaction/articles?sujet=abc"))


def test_search_tag_filter(client, newsroom):
    other = make_article(
        "Un autre sommet",
        section=newsroom.section,
        author=newsroom.alice,
        slug="autre",
        blocks=[("paragraph", {"html": "Un sommet ailleurs."})],
    )
    other.set_tags([newsroom.russie])
    newsroom.article.set_tags([newsroom.coree])
    db.session.commit()

    def plain(url):
        return re.sub(r"</?mark>", "", body(client.get(url)))

    everything = plain("/recherche?q=sommet")
    assert "Le sommet de Pyongyang" in everything and "Un autre sommet" in everything
    narrowed = plain("/recherche?q=sommet&sujet=russie")
    assert "Un autre sommet" in narrowed and "Le sommet de Pyongyang" not in narrowed
    assert 'name="sujet" value="russie"' in narrowed and "/sujet/russie" in narrowed
    unknown = plain("/recherche?q=sommet&sujet=inconnu")
    assert "Le sommet de Pyongyang" in unknown


# --------------------------------------------------------------------------- the sujets page


def test_the_sujets_page_is_for_editors(client, newsroom):
    assert client.get("/redaction/sujets").status_code in (302, 401)
    log_in(client, newsroom.alice)
    assert client.get("/redaction/sujets").status_code == 403
    assert "Sujets" not in re.findall(
        r'href="/redaction/sujets"[^>]*>([^<]*)<', body(client.get("/redaction/articles"))
    )
    log_in(client, newsroom.editor)
    newsroom.article.set_tags([newsroom.coree])
    db.session.commit()
    html = body(client.get("/redaction/sujets"))
    assert "Corée du Nord" in html and "1 article" in html and "Russie" in html
    assert 'href="/redaction/sujets"' in html  # the staff bar's link
    searched = body(client.get("/redaction/sujets?q=coree"))
    assert "Corée du Nord" in searched and f'id="name-{newsroom.russie.id}"' not in searched


def test_rename_merge_and_delete_from_the_page(client, newsroom):
    log_in(client, newsroom.editor)
    coree, russie = newsroom.coree, newsroom.russie
    newsroom.article.set_tags([coree])
    db.session.commit()
    renamed = client.post(f"/redaction/sujets/{coree.id}/modifier",
                          data={"name": "Corée (Nord)", "description": "La péninsule."})  # fmt: skip
    assert renamed.status_code == 302
    db.session.expire_all()
    assert (coree.name, coree.slug, coree.description) == (
        "Corée (Nord)",
        "coree-nord",
        "La péninsule.",
    )
    collision = client.post(
        f"/redaction/sujets/{coree.id}/modifier", data={"name": "Russie", "description": ""}
    )
    assert collision.status_code == 422 and "existe déjà" in body(collision)
    unknown = client.post(f"/redaction/sujets/{russie.id}/fusionner", data={"target": "Inconnu"})
    assert unknown.status_code == 422 and "Aucun sujet ne porte ce nom" in body(unknown)
    used = client.post(f"/redaction/sujets/{coree.id}/supprimer", follow_redirects=True)
    assert "Des articles portent encore ce sujet" in body(used) and Tag.by_slug("coree-nord")
    merged = client.post(f"/redaction/sujets/{coree.id}/fusionner", data={"target": "russie"})
    assert merged.status_code == 302
    assert [t.name for t in fresh(newsroom.article.id).tags] == ["Russie"]
    moved = client.get("/sujet/coree-du-nord")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/sujet/russie")
    assert client.get("/sujet/coree-nord").status_code == 301
    spare = Tag(name="Vide", slug="vide")
    db.session.add(spare)
    db.session.commit()
    assert client.post(f"/redaction/sujets/{spare.id}/supprimer").status_code == 302
    assert Tag.by_slug("vide") is None
    assert client.post("/redaction/sujets/99999/supprimer").status_code == 404


def test_the_sujets_page_refuses_authors_writes(client, newsroom):
    log_in(client, newsroom.alice)
    for verb in ("modifier", "fusionner", "supprimer"):
        assert client.post(f"/redaction/sujets/{newsroom.russie.id}/{verb}").status_code == 403
    assert Tag.by_slug("russie") is not None


# --------------------------------------------------------------------------- the page cache


def state(response) -> str | None:
    return response.headers.get("X-Page-Cache")


def test_tagging_renaming_and_merging_invalidate_pages(app, client, newsroom):
    app.config["GAZETTE_PAGE_CACHE"] = True
    a, coree, russie = newsroom.article, newsroom.coree, newsroom.russie
    other = make_article("Autre", section=newsroom.section, author=newsroom.chloe, slug="autre")
    other.set_tags([russie])
    make_article("Sans sujet", section=newsroom.section, author=newsroom.chloe, slug="tiers")
    db.session.commit()
    for url in ("/article/sommet", "/sujet/russie", "/article/autre", "/article/tiers"):
        assert state(client.get(url)) == "miss", url
        assert state(client.get(url)) == "hit", url
    # Tagging the article: its page and the tag's page change; another article does not.
    article = fresh(a.id)
    article.set_tags([db.session.get(Tag, russie.id)])
    db.session.commit()
    for url in ("/article/sommet", "/sujet/russie"):
        assert state(client.get(url)) == "miss", url
    assert "Le sommet de Pyongyang" in body(client.get("/sujet/russie"))
    assert 'rel="tag">Russie</a>' in body(client.get("/article/sommet"))
    assert state(client.get("/article/tiers")) == "hit"
    # Renaming the tag: every page showing it.
    tags.rename(db.session.get(Tag, russie.id), "Fédération de Russie")
    db.session.commit()
    for url in ("/article/sommet", "/article/autre"):
        response = client.get(url)
        assert state(response) == "miss" and "Fédération de Russie" in body(response), url
    assert client.get("/sujet/russie").status_code == 301
    # Merging: the old address moves.
    assert state(client.get("/sujet/federation-de-russie")) == "miss"
    tags.merge(db.session.get(Tag, russie.id), db.session.get(Tag, coree.id))
    db.session.commit()
    moved = client.get("/sujet/federation-de-russie")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/sujet/coree-du-nord")
    assert 'rel="tag">Corée du Nord</a>' in body(client.get("/article/sommet"))
    assert db.session.scalar(db.select(db.func.count()).select_from(ArticleTag)) == 2


def test_search_results_follow_a_tag_rename(app, client, newsroom):
    app.config["GAZETTE_PAGE_CACHE"] = True
    newsroom.article.set_tags([newsroom.coree])
    db.session.commit()
    url = "/recherche?q=sommet&sujet=coree-du-nord"
    assert state(client.get(url)) == "miss" and state(client.get(url)) == "hit"
    tags.describe(db.session.get(Tag, newsroom.coree.id), "Changé")
    tags.rename(db.session.get(Tag, newsroom.coree.id), "Corée du Nord (RPDC)")
    db.session.commit()
    assert state(client.get(url)) == "miss"


# --------------------------------------------------------------------------- junk input


def test_junk_never_makes_a_500_nor_a_change(client, newsroom):
    from tests.test_junk_input import JUNK_VALUES, MEGABYTE, RAW_BODIES

    log_in(client, newsroom.editor)
    a = newsroom.article
    targets = {
        f"/redaction/articles/{a.id}/sujets": [
            "sujets-tags", "sujets-add", "sujets-pick", "sujets-action", "sujets-version",
        ],
        f"/redaction/sujets/{newsroom.russie.id}/modifier": ["name", "description"],
        f"/redaction/sujets/{newsroom.russie.id}/fusionner": ["target"],
    }  # fmt: skip
    problems = []
    for url, fields in targets.items():
        valid = {field: "" for field in fields}
        for field in fields:
            for junk in [*JUNK_VALUES, MEGABYTE, ["1", "x"], ["retirer-1", "monter-"]]:
                response = client.post(url, headers=HX, data={**valid, field: junk})
                if response.status_code >= 500:
                    problems.append((url, field, str(junk)[:20], response.status_code))
        for raw in RAW_BODIES:
            response = client.post(url, headers=HX, data=raw,
                                   content_type="application/x-www-form-urlencoded")  # fmt: skip
            if response.status_code >= 500:
                problems.append((url, "raw", raw[:20], response.status_code))
    for junk in JUNK_VALUES + [MEGABYTE]:
        for url in ("/redaction/sujets/suggestions", "/redaction/sujets", "/recherche"):
            response = client.get(url, query_string={"q": junk, "sujet": junk, "apres": junk})
            if response.status_code >= 500:
                problems.append((url, "get", str(junk)[:20], response.status_code))
    assert problems == []
    assert fresh(a.id).tags == []  # every post to the part was junk or a rearrangement
    assert db.session.get(Tag, newsroom.russie.id) is not None  # renamed maybe, never lost


# ------------------------------------------------------- names without letters, slug twins


@pytest.mark.parametrize(
    "name",
    ["\u200b", "\u00ad", "\u200b\u00ad", "🔥", "🔥 🔥", ",,, ,", "\u2060\ufeff", "\u200e-"],
    ids=["zwsp", "soft-hyphen", "zwsp+shy", "emoji", "emojis", "commas", "joiners", "lrm"],
)
def test_a_name_without_a_letter_or_digit_is_refused(newsroom, name):
    with pytest.raises(ValueError, match="lettre ou un chiffre"):
        tags.find_or_create(name)
    with pytest.raises(ValueError, match="lettre ou un chiffre"):
        tags.rename(newsroom.russie, name)
    assert Tag.by_slug("sujet") is None


def test_a_slug_twin_with_another_name_is_refused_not_reused(newsroom):
    c = tags.find_or_create("C")
    with pytest.raises(ValueError, match="« C\\+\\+ » a la même adresse que le sujet « C »"):
        tags.find_or_create("C++")
    with pytest.raises(ValueError, match="même adresse"):
        tags.find("Corée du Nord !")
    # Case, accents (NFC or NFD), spacing and hyphens: the same tag.
    for same in ("c", "coree du nord", "Core\u0301e du Nord", "Corée-du-Nord", "  CORÉE  du nord "):
        assert tags.find_or_create(same) in (c, newsroom.coree)
    assert tags.find("2024") is None and tags.find_or_create("2024").slug == "2024"
    # Letters no transliteration spells (Phags-pa): compared as written.
    phags = tags.find_or_create("ꡀꡁ")
    assert tags.find_or_create("ꡀꡁ") is phags
    with pytest.raises(ValueError, match="même adresse"):
        tags.find_or_create("ꡂ")
    # An old slug leads to its tag only for a name that spells it.
    tags.rename(newsroom.russie, "Fédération de Russie")
    assert tags.find("russie") is newsroom.russie
    with pytest.raises(ValueError, match="Fédération de Russie"):
        tags.find("Russie ?")


def test_the_form_refuses_at_ajouter_with_the_name(client, newsroom):
    log_in(client, newsroom.alice)
    a = newsroom.article
    long_name = "Très " + "long " * 60
    refused = tags_post(client, a, ["Russie"], action="ajouter", add=long_name)
    html = body(refused)
    assert refused.status_code == 422 and "est trop long" in html and "« Très long" in html
    assert 'id="sujets-add-error"' in html and listed(html) == ["Russie"]
    assert long_name.strip() in html  # the typed text is kept in the box
    twin = tags_post(client, a, [], pick="Corée du Nord !")
    assert twin.status_code == 422 and "a la même adresse que le sujet « Corée du Nord »" in body(
        twin
    )
    listed_twin = tags_post(client, a, ["Cacao"], action="ajouter", add="CACAO, Cacao !")
    assert listed_twin.status_code == 422 and "« Cacao »" in body(listed_twin)
    invisible = tags_post(client, a, [], action="ajouter", add="\u200b\u00ad")
    assert invisible.status_code == 422 and "lettre ou un chiffre" in body(invisible)
    nothing = tags_post(client, a, [], action="ajouter", add=",,, ,")
    assert nothing.status_code == 422 and "Tapez le nom d’un sujet." in body(nothing)
    on_save = tags_post(client, a, [], add="🔥")
    assert on_save.status_code == 422 and "lettre ou un chiffre" in body(on_save)
    redrawn = tags_post(client, a, ["Cacao", "Ghana"], action="afficher", add="Côte d’Ivoire")
    assert redrawn.status_code == 200 and listed(body(redrawn)) == ["Cacao", "Ghana"]
    assert "Côte d’Ivoire" in body(redrawn)
    assert fresh(a.id).tags == [] and Tag.by_slug("cacao") is None


def test_suggestions_offer_no_creation_of_unreadable_or_long_names(client, newsroom):
    log_in(client, newsroom.alice)
    url = "/redaction/sujets/suggestions"
    commas = client.get(url, query_string={"q": ",,, ,"}, headers=HX)
    assert commas.status_code == 200 and "Créer" not in body(commas)
    emoji = client.get(url, query_string={"q": "🔥"}, headers=HX)
    assert "Créer" not in body(emoji) and "lettre ou un chiffre" in body(emoji)
    long = client.get(url, query_string={"q": "x" * 300}, headers=HX)
    assert "Créer" not in body(long) and "est trop long" in body(long)
    twin = client.get(url, query_string={"q": "Russie !"}, headers=HX)
    assert "Créer" not in body(twin) and ">Russie</button>" in body(twin)
    assert "a la même adresse" in body(twin)


def test_sujets_page_refusals_name_the_row(client, newsroom):
    log_in(client, newsroom.editor)
    russie = newsroom.russie
    empty = client.post(
        f"/redaction/sujets/{russie.id}/modifier", data={"name": "", "description": ""}
    )
    html = body(empty)
    assert empty.status_code == 422
    assert f'for="name-{russie.id}"' in html and f'id="name-{russie.id}"' in html
    assert f'id="name-{russie.id}-error"' in html and 'id="name-error"' not in html
    assert f'for="name-{newsroom.coree.id}"' in html
    shy = client.post(
        f"/redaction/sujets/{russie.id}/modifier", data={"name": "\u00ad", "description": ""}
    )
    assert shy.status_code == 422 and "lettre ou un chiffre" in body(shy)
    no_target = client.post(f"/redaction/sujets/{russie.id}/fusionner", data={"target": " "})
    assert no_target.status_code == 422
    assert "Indiquez le sujet dans lequel fusionner « Russie »." in body(no_target)
    assert f'for="target-{russie.id}"' in body(no_target)
    twin = client.post(
        f"/redaction/sujets/{russie.id}/fusionner", data={"target": "Corée du Nord ?"}
    )
    assert twin.status_code == 422 and "a la même adresse" in body(twin)
    db.session.expire_all()
    assert Tag.by_slug("russie") is russie


def test_tag_page_description_and_search_without_words(client, newsroom):
    newsroom.article.set_tags([newsroom.russie])
    db.session.commit()
    page = body(client.get("/sujet/russie"))
    assert "Les articles du sujet « Russie » sur " in page
    article = body(client.get("/article/sommet"))  # its own look, not the share buttons'
    assert '<nav class="article-tags"' in article and 'class="share article-tags"' not in article
    hint = client.get("/recherche", query_string={"sujet": "russie"})
    assert hint.status_code == 200
    assert "parmi les articles du sujet « Russie »" in body(hint)
    assert 'href="/sujet/russie"' in body(hint)
