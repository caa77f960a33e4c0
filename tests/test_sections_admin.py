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
    with pytest.raises(ValueError, match="déjà la première"):  # already first: refused
        sections.reorder(newsroom.international, sections.UP)
    with pytest.raises(ValueError, match="déjà la dernière"):
        sections.reorder(newsroom.culture, sections.DOWN)
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
    with pytest.raises(ValueError, match="déjà en tête du menu"):
        sections.reorder_navigation(newsroom.sport, sections.UP)
    with pytest.raises(ValueError, match="déjà en dernier dans le menu"):
        sections.reorder_navigation(newsroom.politique, sections.DOWN)
    assert [s.name for s in sections.navigation()] == ["Sport", "Politique"]


@pytest.mark.parametrize(
    "name",
    [
        "\u200b",
        "\u00ad",
        "\u200b\u00ad\u2060\ufeff",
        "🔥",
        "🔥 ❤️",
        "   ",
        "\u00a0\u3000",
        "—",
        "\u200e",
    ],
    ids=["zwsp", "soft-hyphen", "invisibles", "emoji", "emojis", "spaces", "nbsp", "dash", "lrm"],
)
def test_a_name_needs_a_visible_letter_or_digit(newsroom, name):
    with pytest.raises(ValueError, match="lettre ou un chiffre|Donnez un nom"):
        sections.create(name)
    with pytest.raises(ValueError, match="lettre ou un chiffre|Donnez un nom"):
        sections.rename(newsroom.sport, name)
    db.session.rollback()
    assert newsroom.sport.name == "Sport"
    assert [s.name for s in Section.top_level()] == ["International", "Culture", "Sport"]


def test_names_with_letters_in_any_form_are_fine(newsroom):
    assert sections.create("Cine\u0301ma").name == "Cinéma"  # NFD typed, NFC stored
    assert sections.create("\u200bÉcrans\u00ad").name == "Écrans"  # invisible ends dropped
    assert sections.create("2024 🔥").slug == "2024"
    assert sections.create("Россия").slug == "rossiia"
    sections.rename(newsroom.sport, "Spo\u0301rt")
    assert newsroom.sport.name == "Spórt"


def test_a_sibling_with_the_same_name_is_refused_even_keeping_the_slug(newsroom):
    with pytest.raises(ValueError, match="s’appelle déjà « Culture »"):
        sections.rename(newsroom.sport, "culture", keep_slug=True)
    db.session.rollback()
    # Under another parent the same name is fine; lists then show the trail.
    france = sections.create("France", newsroom.international)
    top = sections.create("France")
    assert [s.name for s in france.trail] == ["International", "France"] and top.path == "france"


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
    assert "contient 1 article (corbeille comprise) : déplacez-le d’abord" in response.text
    make_article("Une autre pièce", section=newsroom.culture, slug="piece-2")
    response = client.post(f"/redaction/rubriques/{newsroom.culture.id}/supprimer")
    assert "contient 2 articles (corbeille comprise) : déplacez-les d’abord" in response.text
    assert "article(s)" not in response.text
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


def test_the_ends_cannot_move_and_say_so(client, newsroom, admin):
    for section in (newsroom.culture, newsroom.sport):
        sections.set_in_navigation(section, True)
    page = client.get("/redaction/rubriques").text
    disabled = set(re.findall(r'id="([\w-]+)"[^>]*aria-disabled="true"', page))
    n = {s: getattr(newsroom, s).id for s in ("international", "politique", "sport", "culture")}
    assert disabled == {
        f"monter-{n['international']}", f"descendre-{n['sport']}",
        f"monter-{n['politique']}", f"descendre-{n['politique']}",  # an only child
        f"menu-monter-{n['culture']}", f"menu-descendre-{n['sport']}",
    }  # fmt: skip
    for url, message in [
        (f"/redaction/rubriques/{n['international']}/ordre/monter", "déjà la première"),
        (f"/redaction/rubriques/{n['sport']}/ordre/descendre", "déjà la dernière"),
        (f"/redaction/rubriques/{n['culture']}/menu/monter", "déjà en tête du menu"),
        (f"/redaction/rubriques/{n['sport']}/menu/descendre", "déjà en dernier dans le menu"),
    ]:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.post(url, headers=headers)
            assert response.status_code == 409, url
            assert message in response.text and "Menu réordonné" not in response.text, url
            assert "déplacée." not in response.text
    db.session.expire_all()
    assert [s.name for s in Section.top_level()] == ["International", "Culture", "Sport"]
    assert [s.name for s in sections.navigation()] == ["Culture", "Sport"]


def test_markup_in_a_name_is_kept_as_typed_and_escaped_everywhere(client, newsroom, admin):
    name = "<script>alert(5)</script> & « Co »"
    response = client.post(
        "/redaction/rubriques", data={"nouvelle-name": name, "nouvelle-parent": "0"}
    )
    assert response.status_code == 303
    section = db.session.scalar(db.select(Section).filter_by(name=name))
    assert section is not None and section.slug == "script-alert-5-script-co"
    assert "obligatoire" not in client.get(location(response)).text
    sections.set_in_navigation(section, True)
    make_article("Alerte", section=section, slug="alerte")
    client.post("/deconnexion")
    escaped = "&lt;script&gt;alert(5)&lt;/script&gt; &amp; « Co »"
    for url in ("/", f"/rubrique/{section.path}", "/article/alerte"):
        html = client.get(url).text
        assert "<script>alert(5)" not in html, url
        assert escaped in html or "\\u003cscript\\u003e" in html, url
    menu = client.get("/").text
    menu = menu[menu.index('class="sections-nav"') : menu.index("</nav>")]
    assert escaped in menu
    assert escaped in client.get(f"/rubrique/{section.path}").text
    article = client.get("/article/alerte").text
    assert '"articleSection": "\\u003cscript\\u003ealert(5)' in article
    feed = feedparser.parse(client.get(f"/rubrique/{section.path}/flux.rss").data)
    assert feed.feed.title.startswith(name) and not feed.bozo
    assert name in [t.term for t in feed.entries[0].tags]
    atom = feedparser.parse(client.get(f"/rubrique/{section.path}/flux.atom").data)
    assert atom.feed.title.startswith(name) and not atom.bozo


def test_refused_names_over_http_say_why(client, newsroom, admin):
    for name in ("\u200b", "🔥", "\u00ad"):
        response = client.post(
            "/redaction/rubriques", data={"nouvelle-name": name, "nouvelle-parent": "0"}
        )
        assert response.status_code == 422, name
        assert "au moins une lettre ou un chiffre" in response.text, name
    prefix = f"rubrique{newsroom.sport.id}"
    response = client.post(
        f"/redaction/rubriques/{newsroom.sport.id}",
        data={f"{prefix}-name": "\u200b", f"{prefix}-parent": "0"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and "au moins une lettre ou un chiffre" in response.text
    db.session.expire_all()
    assert newsroom.sport.name == "Sport" and len(Section.top_level()) == 3


def test_choices_and_labels_name_sections_by_their_trail(client, newsroom, admin):
    sections.rename(newsroom.politique, "France")
    sections.create("France")
    page = client.get("/redaction/rubriques").text
    assert "International › France" in page
    assert 'aria-label="Monter International › France"' in page
    assert 'aria-label="Monter France"' in page
