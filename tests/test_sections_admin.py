"""Sections and the masthead's menu (issue 14): the rules (services/sections.py), the
301s from every old path, the staff page /redaction/rubriques, and the page cache."""

from __future__ import annotations

import re

import feedparser
import pytest

from models import Article, Section, SectionRedirect, db
from models.content import SECTION_NAME_MAX
from models.time import utcnow
from services import sections
from tests.factories import log_in, make_article, make_user


@pytest.fixture
def newsroom(app):
    """International › Politique (with an article), Culture (with one), Sport (empty)."""
    international = sections.create("International")
    politique = sections.create("Politique", international)
    culture = sections.create("Culture")
    sport = sections.create("Sport")
    article = make_article("Sommet à Pyongyang", section=politique, slug="sommet")
    make_article("Une pièce", section=culture, slug="piece")
    return type(
        "Newsroom",
        (),
        dict(international=international, politique=politique, culture=culture, sport=sport,
             article=article),
    )  # fmt: skip


@pytest.fixture
def admin(app, client):
    user = make_user("Ada Admin", role="admin")
    log_in(client, user)
    return user


def location(response) -> str:
    return re.sub(r"^https?://[^/]+", "", response.headers["Location"])


# --------------------------------------------------------------------------- the rules


def test_create_slugs_and_siblings(newsroom):
    assert newsroom.politique.path == "international/politique"
    assert [s.name for s in Section.top_level()] == ["International", "Culture", "Sport"]
    economie = sections.create("Économie : l’œuvre", newsroom.international)
    assert economie.slug == "economie-l-oeuvre" and economie.position == 1
    with pytest.raises(ValueError, match="déjà l’adresse"):
        sections.create("politique", newsroom.international)
    assert sections.create("Politique").path == "politique"  # another level, another path
    with pytest.raises(ValueError, match="nom"):
        sections.create("   ")
    with pytest.raises(ValueError, match="caractères au maximum"):
        sections.create("x" * (SECTION_NAME_MAX + 1))


def test_two_levels_only(newsroom):
    with pytest.raises(ValueError, match="deux niveaux"):
        sections.create("Asie", newsroom.politique)
    with pytest.raises(ValueError, match="sous-rubriques"):
        sections.move(newsroom.international, newsroom.culture)
    with pytest.raises(ValueError, match="elle-même"):
        sections.move(newsroom.sport, newsroom.sport)
    db.session.rollback()
    assert newsroom.international.parent_id is None


def test_rename_and_move_keep_every_old_path(newsroom):
    sections.rename(newsroom.international, "Monde")
    assert newsroom.politique.path == "monde/politique"
    old = {r.old_path: r.section_id for r in db.session.scalars(db.select(SectionRedirect))}
    assert old == {
        "international": newsroom.international.id,
        "international/politique": newsroom.politique.id,
    }
    sections.move(newsroom.politique, None)
    assert newsroom.politique.path == "politique"
    assert db.session.get(SectionRedirect, "monde/politique").section_id == newsroom.politique.id
    # The article keeps its section, hence its trail.
    assert [s.name for s in newsroom.article.section.trail] == ["Politique"]
    # A new section that takes an old path wins over the redirect.
    sections.create("International")
    assert db.session.get(SectionRedirect, "international") is None


def test_rename_can_keep_the_slug(newsroom):
    sections.rename(newsroom.culture, "Culture et idées", keep_slug=True)
    assert newsroom.culture.slug == "culture" and newsroom.culture.name == "Culture et idées"
    assert db.session.scalars(db.select(SectionRedirect)).all() == []


def test_order_among_siblings_and_in_the_menu(newsroom):
    sections.reorder(newsroom.sport, sections.UP)
    assert [s.name for s in Section.top_level()] == ["International", "Sport", "Culture"]
    sections.reorder(newsroom.international, sections.UP)  # already first: nothing moves
    assert Section.top_level()[0].name == "International"
    for section in (newsroom.culture, newsroom.politique, newsroom.sport):
        sections.set_in_navigation(section, True)
    assert [s.name for s in sections.navigation()] == ["Culture", "Politique", "Sport"]
    sections.reorder_navigation(newsroom.sport, sections.UP)
    assert [s.name for s in sections.navigation()] == ["Culture", "Sport", "Politique"]
    sections.set_in_navigation(newsroom.culture, False)
    assert [s.name for s in sections.navigation()] == ["Sport", "Politique"]
    with pytest.raises(ValueError, match="pas dans le menu"):
        sections.reorder_navigation(newsroom.culture, sections.DOWN)


def test_delete_is_refused_with_articles_even_trashed_or_children(newsroom):
    with pytest.raises(ValueError, match="article"):
        sections.delete_section(newsroom.politique)
    with pytest.raises(ValueError, match="sous-rubriques"):
        sections.delete_section(newsroom.international)
    newsroom.article.trashed_at = utcnow()
    db.session.commit()
    with pytest.raises(ValueError, match="corbeille comprise"):
        sections.delete_section(newsroom.politique)
    sections.set_in_navigation(newsroom.sport, True)
    sections.rename(newsroom.sport, "Sports")
    sections.delete_section(newsroom.sport)
    assert db.session.get(Section, newsroom.sport.id) is None
    assert db.session.get(SectionRedirect, "sport") is None
    assert sections.navigation() == []


# --------------------------------------------------------------------------- readers


def test_every_old_path_moves_with_301_query_kept(client, newsroom):
    sections.rename(newsroom.international, "Monde")
    sections.move(newsroom.politique, newsroom.culture)
    for old, new in [
        ("/rubrique/international", "/rubrique/monde"),
        (
            "/rubrique/international/politique?utm_source=x",
            "/rubrique/culture/politique?utm_source=x",
        ),
        ("/rubrique/monde/politique", "/rubrique/culture/politique"),
        ("/rubrique/international/politique/flux.rss", "/rubrique/culture/politique/flux.rss"),
        ("/rubrique/monde/politique/flux.atom", "/rubrique/culture/politique/flux.atom"),
    ]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert location(response) == new, old
    assert client.get("/rubrique/nulle-part").status_code == 404
    assert client.get("/rubrique/nulle-part/flux.rss").status_code == 404
    page = client.get("/rubrique/culture/politique").get_data(as_text=True)
    assert "Sommet à Pyongyang" in page
    parsed = feedparser.parse(client.get("/rubrique/culture/politique/flux.rss").data)
    assert [e.title for e in parsed.entries] == ["Sommet à Pyongyang"]
    article = client.get("/article/sommet").get_data(as_text=True)
    assert "/rubrique/culture/politique" in article  # its trail follows


def test_the_section_page_shows_its_description(client, newsroom):
    sections.describe(newsroom.culture, "Livres, scènes & écrans.")
    assert "Livres, scènes &amp; écrans." in client.get("/rubrique/culture").get_data(as_text=True)


def test_the_masthead_menu_follows_the_admins_order(client, newsroom):
    for section in (newsroom.sport, newsroom.politique):
        sections.set_in_navigation(section, True)
    html = client.get("/").get_data(as_text=True)
    menu = html[html.index('class="sections-nav"') : html.index("</nav>")]
    assert menu.index("/rubrique/sport") < menu.index("/rubrique/international/politique")
    assert "/rubrique/culture" not in menu
    sections.reorder_navigation(newsroom.politique, sections.UP)
    html = client.get("/").get_data(as_text=True)
    menu = html[html.index('class="sections-nav"') : html.index("</nav>")]
    assert menu.index("/rubrique/international/politique") < menu.index("/rubrique/sport")


def test_a_rename_invalidates_cached_pages(client, newsroom):
    sections.set_in_navigation(newsroom.culture, True)
    for url in ("/", "/article/sommet", "/rubrique/culture"):
        assert client.get(url).headers.get("X-Page-Cache") == "miss", url
        assert client.get(url).headers.get("X-Page-Cache") == "hit", url
    sections.rename(newsroom.culture, "Culture et idées")
    for url in ("/", "/article/sommet"):
        response = client.get(url)
        assert response.headers.get("X-Page-Cache") == "miss", url
    assert "Culture et idées" in client.get("/").get_data(as_text=True)
    assert client.get("/rubrique/culture").status_code == 301


# --------------------------------------------------------------------------- the staff page


def test_only_admins_see_the_page_and_its_link(client, newsroom):
    editor = make_user("Éric Éditeur", role="editor")
    log_in(client, editor)
    assert client.get("/redaction/rubriques").status_code == 403
    assert "/redaction/rubriques" not in client.get("/redaction/").get_data(as_text=True)
    log_in(client, make_user("Ada Admin", role="admin"))
    page = client.get("/redaction/rubriques").get_data(as_text=True)
    assert "International › Politique" in page and "1 article" in page
    assert 'href="/redaction/rubriques"' in client.get("/redaction/").get_data(as_text=True)


def test_the_page_edits_without_js(client, newsroom, admin):
    prefix = f"rubrique{newsroom.politique.id}"
    response = client.post(
        f"/redaction/rubriques/{newsroom.politique.id}",
        data={f"{prefix}-name": "Géopolitique", f"{prefix}-description": "Le monde.",
              f"{prefix}-parent": str(newsroom.culture.id)},
    )  # fmt: skip
    assert response.status_code == 303
    assert "Rubrique « Géopolitique » enregistrée." in client.get(location(response)).text
    db.session.expire_all()
    assert newsroom.politique.path == "culture/geopolitique"
    assert newsroom.politique.description == "Le monde."
    assert (
        location(client.get("/rubrique/international/politique"))
        == "/rubrique/culture/geopolitique"
    )

    response = client.post(
        "/redaction/rubriques", data={"nouvelle-name": "Idées", "nouvelle-parent": "0"}
    )
    assert response.status_code == 303
    idees = Section.by_path("idees")
    response = client.post(
        f"/redaction/rubriques/{idees.id}/menu", data={f"menu{idees.id}-in_navigation": "y"}
    )
    db.session.expire_all()
    assert response.status_code == 303 and idees.in_navigation
    response = client.post(f"/redaction/rubriques/{idees.id}/ordre/monter")
    assert response.status_code == 303
    db.session.expire_all()
    assert [s.name for s in Section.top_level()].index("Idées") == 2
    response = client.post(f"/redaction/rubriques/{idees.id}/supprimer")
    assert response.status_code == 303 and Section.by_path("idees") is None


def test_refusals_are_french_and_change_nothing(client, newsroom, admin):
    response = client.post(f"/redaction/rubriques/{newsroom.culture.id}/supprimer")
    assert response.status_code == 409
    assert "contient 1 article" in response.get_data(as_text=True)
    prefix = f"rubrique{newsroom.international.id}"
    response = client.post(
        f"/redaction/rubriques/{newsroom.international.id}",
        data={f"{prefix}-name": "Monde", f"{prefix}-parent": str(newsroom.culture.id)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="rubriques"') and "sous-rubriques" in html
    db.session.expire_all()
    assert (
        newsroom.international.name == "International" and newsroom.international.parent_id is None
    )
    # The text boundary: forbidden characters are cleaned, too long is refused.
    response = client.post(
        "/redaction/rubriques",
        data={"nouvelle-name": "x" * (SECTION_NAME_MAX + 1), "nouvelle-parent": "0"},
    )
    assert response.status_code == 422 and "80 caractères au maximum" in response.text
    response = client.post(
        "/redaction/rubriques",
        data={"nouvelle-name": "Cine\u0301ma\x00\x0b", "nouvelle-parent": "0"},
    )
    assert response.status_code in (303, 422)
    assert all(
        "\x00" not in s.name and "\x0b" not in s.name and "e\u0301" not in s.name
        for s in db.session.scalars(db.select(Section))
    )


def test_htmx_answers_the_tree(client, newsroom, admin):
    response = client.post(
        f"/redaction/rubriques/{newsroom.sport.id}/ordre/monter", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert (
        'id="rubriques"' in html and "<html" not in html and "Rubrique « Sport » déplacée." in html
    )
    assert (
        client.post(f"/redaction/rubriques/{newsroom.sport.id}/ordre/nulle-part").status_code == 404
    )
    assert client.post("/redaction/rubriques/999999/supprimer").status_code == 404
    assert Article.query.count() == 2


def test_a_new_description_keeps_the_address(newsroom):
    odd = Section(name="Opinions", slug="tribunes")
    db.session.add(odd)
    db.session.commit()
    sections.describe(odd, "Les tribunes.")
    assert odd.path == "tribunes" and odd.description == "Les tribunes."
    assert db.session.scalars(db.select(SectionRedirect)).all() == []


def test_junk_never_gives_a_500(client, newsroom, admin):
    for parent in ("abc", "999999", "-1", ""):
        response = client.post(
            "/redaction/rubriques", data={"nouvelle-name": "Idées", "nouvelle-parent": parent}
        )
        assert response.status_code in (303, 404, 422), parent
    prefix = f"rubrique{newsroom.sport.id}"
    response = client.post(
        f"/redaction/rubriques/{newsroom.sport.id}",
        data={f"{prefix}-name": "Sport", f"{prefix}-parent": str(newsroom.politique.id)},
    )
    assert response.status_code == 422 and "deux niveaux" in response.text
    assert client.get("/rubrique/" + "x/" * 300).status_code == 404
