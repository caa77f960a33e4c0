"""The curated front page (issue 14): assembly, pins and their expiry, cache, journal, access."""

from __future__ import annotations

import re
import time
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select, update

from models import Article, db
from models.audit import AuditEvent
from models.content import ArticleStatus
from models.front import PINS_MAX, FrontPin, FrontSection
from models.time import utcnow
from services import front, page_cache
from tests.factories import HX, log_in, make_article, make_section, make_user


@pytest.fixture
def newsroom(app):
    """Two sections, an editor, an author, and eight live articles (a0 newest)."""
    politique = make_section("Politique", slug="politique")
    culture = make_section("Culture", slug="culture")
    editor = make_user("Edith Éditrice", role="editor", slug="edith")
    author = make_user("Alice Autrice", slug="alice")
    articles = [
        make_article(
            f"Titre numéro {i}",
            section=politique if i % 2 == 0 else culture,
            author=author,
            slug=f"a{i}",
            published_at=utcnow() - timedelta(hours=i + 1),
        )
        for i in range(8)
    ]
    return type(
        "Newsroom",
        (),
        dict(politique=politique, culture=culture, editor=editor, author=author, a=articles),
    )


def story_order(html: str) -> list[str]:
    """Slugs of the articles linked from the page, in order, each once."""
    seen = []
    for slug in re.findall(r'href="/article/([^"]+)"', html):
        if slug not in seen:
            seen.append(slug)
    return seen


def pin_ids(page) -> list[int]:
    return [a.id for a in ([page.lead] if page.lead else []) + page.featured]


# --------------------------------------------------------------------------- assembly


def test_without_pins_the_front_page_is_the_latest_articles(app, newsroom):
    page = front.front_page(20)
    assert page.lead is None and page.featured == [] and page.blocks == []
    assert [a.slug for a in page.latest.items] == [f"a{i}" for i in range(8)]


def test_lead_featured_latest_without_duplicates_and_blocks(app, newsroom):
    a = newsroom.a
    for article in (a[5], a[2], a[7]):
        front.pin(article, newsroom.editor)
    front.choose_sections([newsroom.culture.id])
    db.session.commit()
    page = front.front_page(3)
    assert page.lead.slug == "a5"
    assert [x.slug for x in page.featured] == ["a2", "a7"]
    assert [x.slug for x in page.latest.items] == ["a0", "a1", "a3"]  # pinned ones left out
    assert page.latest.older is not None
    # The next page starts after the last article shown, and is the plain latest list.
    deeper = front.front_page(3, before=page.latest.older)
    assert [x.slug for x in deeper.latest.items] == ["a4", "a5", "a6"]
    assert deeper.lead is None and deeper.blocks == []
    # The Culture block: nothing left (a1, a3 are in the latest list, a5, a7 pinned).
    assert [(b.section.name, [x.slug for x in b.articles]) for b in page.blocks] == [
        ("Culture", [])
    ]
    assert page.shown_blocks == []


def test_section_blocks_leave_out_every_story_shown_above_and_still_fill(client, newsroom):
    """Trial 14, item 4: a story shows once; a block without anything left is hidden from
    readers, and its editors are told why."""
    app = client.application
    app.config["ARTICLES_PER_PAGE"] = 3
    culture = newsroom.culture
    for i in range(6):
        make_article(
            f"Exposition {i}",
            section=culture,
            slug=f"c{i}",
            published_at=utcnow() - timedelta(days=1, hours=i),
        )
    europe = make_section("Europe", parent=newsroom.politique, slug="europe")
    make_article("Bruxelles tranche", section=europe, slug="bruxelles", published_at=utcnow())
    empty = make_section("Sciences", slug="sciences")
    front.pin(newsroom.a[5], newsroom.editor)
    front.choose_sections([culture.id, newsroom.politique.id, europe.id, empty.id])
    db.session.commit()
    page = front.front_page(3)
    latest = [x.slug for x in page.latest.items]
    assert latest == ["bruxelles", "a0", "a1"]
    blocks = {b.section.name: [x.slug for x in b.articles] for b in page.blocks}
    # Culture: a1 (latest), a5 (pinned) left out, still four stories (SECTION_BLOCK_SIZE).
    assert blocks["Culture"] == ["a3", "a7", "c0", "c1"]
    # Politique: bruxelles and a0 shown above; Europe: its one story is already shown.
    assert blocks["Politique"] == ["a2", "a4", "a6"]
    assert blocks["Europe"] == [] and blocks["Sciences"] == []
    shown = [page.lead.slug, *latest] + [x.slug for b in page.blocks for x in b.articles]
    assert len(shown) == len(set(shown))
    assert [b.section.name for b in page.shown_blocks] == ["Culture", "Politique"]

    html = client.get("/").text
    assert story_order(html).count("a3") == 1 and 'id="bloc-' + str(europe.id) not in html
    assert "aucun autre article" not in html
    log_in(client, newsroom.editor)
    html = client.get("/").text
    assert "Bloc « Europe » : aucun autre article à montrer." in html
    assert "Bloc « Sciences » : aucun autre article à montrer." in html
    assert "Bloc « Culture »" not in html


def test_a_block_with_overlapping_sections_above_still_fills(app, newsroom):
    europe = make_section("Europe", parent=newsroom.politique, slug="europe")
    for i in range(10):  # one in the latest list, four per block, one more
        make_article(f"Bruxelles {i}", section=europe, slug=f"e{i}", published_at=utcnow())
    front.choose_sections([newsroom.politique.id, europe.id])
    db.session.commit()
    politique, europe_block = front.front_page(1).blocks
    assert len(politique.articles) == len(europe_block.articles) == 4
    assert not {x.id for x in politique.articles} & {x.id for x in europe_block.articles}


def test_the_page_shows_the_order_and_pagination_still_works(client, newsroom):
    app = client.application
    app.config["ARTICLES_PER_PAGE"] = 3
    front.pin(newsroom.a[4], newsroom.editor)
    front.pin(newsroom.a[6], newsroom.editor)
    db.session.commit()
    html = client.get("/").text
    assert story_order(html)[:5] == ["a4", "a6", "a0", "a1", "a2"]
    older = re.search(r'href="(/\?avant=[^"]+)"', html)[1].replace("&amp;", "&")
    response = client.get(older)
    assert response.status_code == 200
    assert story_order(response.text)[:3] == ["a3", "a4", "a5"]
    assert client.get("/?avant=junk").status_code == 404


def test_pins_that_are_not_live_or_expired_are_not_shown(app, newsroom):
    a = newsroom.a
    front.pin(a[0], newsroom.editor)
    front.pin(a[1], newsroom.editor, expires_at=utcnow() + timedelta(minutes=5))
    db.session.commit()
    assert pin_ids(front.front_page(20)) == [a[0].id, a[1].id]
    # Time passes (no job runs): the pin has expired, the page no longer shows it.
    db.session.execute(
        update(FrontPin)
        .where(FrontPin.article_id == a[1].id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    a[0].status = ArticleStatus.DRAFT
    db.session.commit()
    page = front.front_page(20)
    assert page.lead is None
    assert a[0].id not in [x.id for x in page.latest.items]
    # Published again before its pin expires: back at its place.
    a[0].status = ArticleStatus.PUBLISHED
    db.session.commit()
    assert pin_ids(front.front_page(20)) == [a[0].id]


def test_pin_rules(app, newsroom):
    a, editor = newsroom.a, newsroom.editor
    draft = make_article("Brouillon", status=ArticleStatus.DRAFT, published_at=None)
    with pytest.raises(front.FrontError, match="publié ou programmé"):
        front.pin(draft, editor)
    a[3].trashed_at = utcnow()
    db.session.commit()
    with pytest.raises(front.FrontError, match="corbeille"):
        front.pin(a[3], editor)
    # A scheduled article may be pinned: it shows when it goes live.
    scheduled = make_article("Plus tard", published_at=utcnow() + timedelta(hours=1))
    front.pin(scheduled, editor)
    db.session.commit()
    assert front.front_page(20).lead is None
    with pytest.raises(front.FrontError, match="déjà à la une"):
        front.pin(scheduled, editor)
    with pytest.raises(front.FrontError, match="à venir"):
        front.pin(a[0], editor, expires_at=utcnow() - timedelta(minutes=1))
    for article in [a[0], a[1], a[2], a[4], a[5]][: PINS_MAX - 1]:
        front.pin(article, editor)
    db.session.commit()
    with pytest.raises(front.FrontError, match="retirez-en un"):
        front.pin(a[6], editor)
    with pytest.raises(front.FrontError, match="à venir"):
        front.set_expiry(a[0].id, utcnow() - timedelta(hours=1))
    with pytest.raises(front.FrontError, match="déjà en tête"):
        front.move(scheduled.id, -1)
    with pytest.raises(front.FrontError, match="rechargez"):
        front.reorder([a[0].id])


def test_move_reorder_unpin_keep_positions_dense(app, newsroom):
    a = newsroom.a
    for article in a[:3]:
        front.pin(article, newsroom.editor)
    front.move(a[2].id, -1)
    db.session.commit()
    assert pin_ids(front.front_page(20)) == [a[0].id, a[2].id, a[1].id]
    front.reorder([a[1].id, a[0].id, a[2].id])
    front.unpin(a[0].id)
    db.session.commit()
    pins = front.current_pins()
    assert [(p.article_id, p.position) for p in pins] == [(a[1].id, 0), (a[2].id, 1)]


# --------------------------------------------------------------------------- editing


def test_editor_pins_moves_and_unpins_through_the_page(client, newsroom):
    a = newsroom.a
    log_in(client, newsroom.editor)
    assert client.post(f"/redaction/une/epingler/{a[3].id}").status_code == 303
    response = client.post(f"/redaction/une/epingler/{a[5].id}", headers=HX)
    assert response.status_code == 200 and 'id="une"' in response.text
    html = client.get("/").text
    assert "Composer la une" in html and "Monter" in html and "Expiration…" in html
    assert story_order(html)[:2] == ["a3", "a5"]
    client.post(f"/redaction/une/{a[5].id}/monter", headers=HX)
    assert pin_ids(front.front_page(20)) == [a[5].id, a[3].id]
    response = client.post(f"/redaction/une/{a[5].id}/monter", headers=HX)
    assert response.status_code == 422 and "déjà en tête" in response.text
    assert client.post(f"/redaction/une/{a[5].id}/ailleurs").status_code == 404
    client.post("/redaction/une/ordre", data={"article": [str(a[3].id), str(a[5].id)]})
    assert pin_ids(front.front_page(20)) == [a[3].id, a[5].id]
    client.post(f"/redaction/une/{a[3].id}/retirer", headers=HX)
    assert pin_ids(front.front_page(20)) == [a[5].id]


def test_expiry_through_the_form_is_paris_time_and_refuses_the_past(client, newsroom):
    a = newsroom.a
    log_in(client, newsroom.editor)
    client.post(f"/redaction/une/epingler/{a[0].id}")
    response = client.post(
        f"/redaction/une/{a[0].id}/expiration",
        data={"expires_at": "2001-01-01T10:00"},
        headers=HX,
    )
    assert response.status_code == 422 and "à venir" in response.text
    assert front.pin_for(a[0].id).expires_at is None
    client.post(f"/redaction/une/{a[0].id}/expiration", data={"expires_at": "2040-01-15T14:00"})
    # 14:00 in Paris in winter is 13:00 UTC.
    assert front.pin_for(a[0].id).expires_at.hour == 13
    client.post(f"/redaction/une/{a[0].id}/expiration", data={"expires_at": ""})
    assert front.pin_for(a[0].id).expires_at is None
    response = client.post(
        f"/redaction/une/{a[0].id}/expiration", data={"expires_at": "demain"}, headers=HX
    )
    assert response.status_code == 422 and "illisible" in response.text


def test_sections_chooser_and_search(client, newsroom):
    client.application.config["ARTICLES_PER_PAGE"] = 2
    log_in(client, newsroom.editor)
    response = client.post(
        "/redaction/une/rubriques",
        data={
            "rubrique": [str(newsroom.politique.id), str(newsroom.culture.id)],
            f"ordre-{newsroom.politique.id}": "2",
            f"ordre-{newsroom.culture.id}": "1",
        },
    )
    assert response.status_code == 303
    order = db.session.scalars(select(FrontSection).order_by(FrontSection.position)).all()
    assert [c.section_id for c in order] == [newsroom.culture.id, newsroom.politique.id]
    html = client.get("/").text
    assert html.index('id="bloc-' + str(newsroom.culture.id)) < html.index(
        'id="bloc-' + str(newsroom.politique.id)
    )
    response = client.post("/redaction/une/rubriques", data={"rubrique": ["999999"]}, headers=HX)
    assert response.status_code == 422
    assert db.session.scalar(select(FrontSection.section_id).limit(1)) is not None
    found = client.get("/redaction/une/recherche?q=numero 3", headers=HX)
    assert "Titre numéro 3" in found.text and "Mettre à la une" in found.text
    assert client.get("/redaction/une/recherche?q=numero").status_code == 200


def test_block_positions_are_checked_by_the_server_in_french(client, newsroom):
    """Trial 14, item 5: the forms are `novalidate`, so the server's messages are the ones
    seen: a position below 1, too big or not a number is refused, naming the block."""
    log_in(client, newsroom.editor)
    front.choose_sections([newsroom.culture.id])
    db.session.commit()
    for junk in ("-3", "0", "100", "deux", "1.5", "²"):
        response = client.post(
            "/redaction/une/rubriques",
            data={"rubrique": [str(newsroom.politique.id)], f"ordre-{newsroom.politique.id}": junk},
            headers=HX,
        )
        assert response.status_code == 422, junk
        assert "Position du bloc « Politique » : un nombre entier de 1 à 99, ou rien." in (
            response.text
        )
        assert front.curation().chosen == [newsroom.culture.id]
    # The message shows in the chooser, left open; not at the top of the page.
    assert re.search(r'<details class="front-sections-chooser" open>', response.text)
    assert response.text.count('role="alert"') == 1
    # Without JavaScript: flashed on the front page.
    client.post(
        "/redaction/une/rubriques",
        data={"rubrique": [str(newsroom.culture.id)], f"ordre-{newsroom.culture.id}": "-3"},
    )
    assert "Position du bloc « Culture »" in client.get("/").text
    html = client.get("/").text
    assert "novalidate" in html and not re.search(r"<form(?![^>]*novalidate)[^>]*une/", html)


def test_changes_are_confirmed_in_the_live_region_and_focus_is_named(client, newsroom):
    """Trial 14, item 5: the htmx answer refills the page's role=status region out of band
    and names the element to focus when the button pressed is gone."""
    log_in(client, newsroom.editor)
    html = client.get("/").text
    assert '<div class="front-status" id="une-statut" role="status"></div>' in html
    a2 = newsroom.a[2]
    response = client.post(f"/redaction/une/epingler/{a2.id}", headers=HX)
    assert f'data-focus="controles-{a2.id}"' in response.text
    assert f'id="controles-{a2.id}" tabindex="-1"' in response.text
    assert re.search(
        r'<div class="front-status" id="une-statut" role="status" hx-swap-oob="innerHTML">'
        r"<p[^>]*>« Titre numéro 2 » est à la une.</p></div>",
        response.text,
    )
    response = client.post(
        "/redaction/une/rubriques", data={"rubrique": [str(newsroom.culture.id)]}, headers=HX
    )
    assert "Rubriques de la une enregistrées." in response.text
    assert '<details class="front-sections-chooser" open>' in response.text
    # A refusal: the live region is emptied (the alert says why).
    response = client.post(f"/redaction/une/epingler/{a2.id}", headers=HX)
    assert response.status_code == 422 and "déjà à la une" in response.text
    assert 'hx-swap-oob="innerHTML"></div>' in response.text
    # An expiry refused: said inside its own form, left open, the date typed kept.
    response = client.post(
        f"/redaction/une/{a2.id}/expiration", data={"expires_at": "2001-01-01T10:00"}, headers=HX
    )
    assert response.status_code == 422
    assert '<details class="front-expiry" open>' in response.text
    assert 'value="2001-01-01T10:00" aria-invalid="true"' in response.text


def test_searching_a_pinned_article_says_it_is_already_on_the_front_page(client, newsroom):
    log_in(client, newsroom.editor)
    front.pin(newsroom.a[3], newsroom.editor)
    front.pin(newsroom.a[4], newsroom.editor)
    db.session.commit()
    found = client.get("/redaction/une/recherche?q=numero 3", headers=HX).text
    assert "Déjà à la une : c’est l’article principal." in found
    assert "Aucun article" not in found and "Mettre à la une" not in found
    found = client.get("/redaction/une/recherche?q=numero 4", headers=HX).text
    assert "Déjà à la une, en position 2." in found
    found = client.get("/redaction/une/recherche?q=numero").text  # the page without htmx
    assert found.count("Mettre à la une</button>") == 6 and "Déjà à la une" in found


def test_the_panel_speaks_proper_french(client, newsroom):
    """Trial 14, item 11: plurals, no "Ordre de Économie", accent-aware order."""
    make_section("Économie et entreprises", slug="economie")
    make_section("Europe", slug="europe")
    make_section("Zoologie", slug="zoologie")
    log_in(client, newsroom.editor)
    html = client.get("/").text
    assert "Aucun article à la une pour l’instant (5 au plus)" in html
    assert "article(s)" not in html and "Ordre de" not in html
    assert "Position du bloc « Économie et entreprises »" in html
    names = re.findall(r'<label for="rubrique-\d+">([^<]+)</label>', html)
    assert names == ["Culture", "Économie et entreprises", "Europe", "Politique", "Zoologie"]
    front.pin(newsroom.a[0], newsroom.editor)
    db.session.commit()
    assert "1 article à la une sur 5." in client.get("/").text
    front.pin(newsroom.a[1], newsroom.editor)
    db.session.commit()
    assert "2 articles à la une sur 5." in client.get("/").text


def test_article_tools_offer_to_pin_and_unpin(client, newsroom):
    log_in(client, newsroom.editor)
    assert "Mettre à la une" in client.get("/article/a2").text
    response = client.post(
        f"/redaction/une/epingler/{newsroom.a[2].id}", data={"depuis": "article"}
    )
    assert response.headers["Location"].endswith("/article/a2")
    assert "Retirer de la une" in client.get("/article/a2").text


def test_the_journal_records_pin_changes(client, newsroom):
    log_in(client, newsroom.editor)
    client.post(f"/redaction/une/epingler/{newsroom.a[1].id}")
    client.post(f"/redaction/une/{newsroom.a[1].id}/retirer")
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["editor.pin_article", "editor.unpin_article"]
    target = db.session.scalars(select(AuditEvent.target).order_by(AuditEvent.id)).all()[-1]
    assert target == f"article:{newsroom.a[1].id}"


def test_authors_are_refused_and_anonymous_sent_to_log_in(client, newsroom):
    url = f"/redaction/une/epingler/{newsroom.a[0].id}"
    assert "/connexion" in client.post(url).headers["Location"]
    assert client.post(url, headers=HX).status_code == 401
    log_in(client, newsroom.author)
    for response in (
        client.post(url),
        client.post("/redaction/une/rubriques"),
        client.get("/redaction/une/recherche?q=titre"),
    ):
        assert response.status_code == 403
    assert db.session.scalar(select(FrontPin)) is None
    assert "Mettre à la une" not in client.get("/article/a0").text


def test_posts_need_the_csrf_token(client, newsroom):
    client.application.config["WTF_CSRF_ENABLED"] = True
    log_in(client, newsroom.editor)
    response = client.post(f"/redaction/une/epingler/{newsroom.a[0].id}")
    assert response.status_code == 400
    assert db.session.scalar(select(FrontPin)) is None


def test_readers_see_no_controls(client, newsroom):
    front.pin(newsroom.a[0], newsroom.editor)
    db.session.commit()
    html = client.get("/").text
    assert "Composer la une" not in html and "front.js" not in html and "Monter" not in html


# --------------------------------------------------------------------------- page cache


def cache_state(response):
    return response.headers.get("X-Page-Cache")


def warm(client, *urls):
    for url in urls:
        assert cache_state(client.get(url)) == "miss", url
        assert cache_state(client.get(url)) == "hit", url


def test_a_pin_change_invalidates_the_front_page_only(client, newsroom):
    warm(client, "/", "/article/a3", "/rubrique/politique")
    front.pin(newsroom.a[3], newsroom.editor)
    db.session.commit()
    response = client.get("/")
    assert cache_state(response) == "miss" and story_order(response.text)[0] == "a3"
    assert cache_state(client.get("/article/a3")) == "hit"
    assert cache_state(client.get("/rubrique/politique")) == "hit"
    front.choose_sections([newsroom.culture.id])
    db.session.commit()
    assert cache_state(client.get("/")) == "miss"
    assert cache_state(client.get("/rubrique/politique")) == "hit"


def test_unpublishing_or_trashing_a_pinned_article_leaves_the_cached_front_at_once(
    client, newsroom
):
    a = newsroom.a
    front.pin(a[2], newsroom.editor)
    front.pin(a[4], newsroom.editor)
    db.session.commit()
    warm(client, "/")
    a[2].status = ArticleStatus.DRAFT
    db.session.commit()
    response = client.get("/")
    assert cache_state(response) == "miss" and "a2" not in story_order(response.text)
    assert cache_state(client.get("/")) == "hit"
    a[4].trashed_at = utcnow()
    db.session.commit()
    assert "a4" not in story_order(client.get("/").text)


def test_the_next_pin_expiry_bounds_the_cached_front_page(client, newsroom, monkeypatch):
    a = newsroom.a
    soon = utcnow() + timedelta(seconds=90)
    front.pin(a[6], newsroom.editor, expires_at=soon)
    db.session.commit()
    first = client.get("/")
    assert story_order(first.text)[0] == "a6"
    s_maxage = int(re.search(r"s-maxage=(\d+)", first.headers["Cache-Control"])[1])
    assert s_maxage <= 90
    assert cache_state(client.get("/")) == "hit"
    token = page_cache.current_generations(["front"])["front"]
    assert page_cache.next_pin_expiry(token) == pytest.approx(soon.replace(tzinfo=UTC).timestamp())
    # Two minutes later (no job, no save: the clock alone), the copy is stale and the
    # page is rendered without the expired pin.
    db.session.execute(
        update(FrontPin).values(expires_at=utcnow() - timedelta(seconds=1))
    )  # the database's clock, moved by hand: no ORM save, no bump
    db.session.commit()
    later = time.time() + 120
    monkeypatch.setattr(page_cache, "now", lambda: later)
    response = client.get("/")
    assert cache_state(response) == "miss"
    assert story_order(response.text)[0] == "a0"
    assert db.session.get(Article, a[6].id).is_live  # only its pin ended


def test_a_section_and_its_subsection_both_with_blocks_keep_ids_unique(client, newsroom):
    europe = make_section("Europe", parent=newsroom.politique, slug="europe")
    make_article("Bruxelles tranche", section=europe, slug="bruxelles", published_at=utcnow())
    front.choose_sections([newsroom.politique.id, europe.id])
    db.session.commit()
    client.application.config["ARTICLES_PER_PAGE"] = 1
    page = front.front_page(1)
    assert [[x.slug for x in b.articles] for b in page.blocks] == [["a0", "a2", "a4", "a6"], []]
    log_in(client, newsroom.editor)
    ids = re.findall(r' id="([^"]+)"', client.get("/").text)
    assert len(ids) == len(set(ids))


def test_the_lead_story_shows_its_lead_image(client, newsroom):
    from tests.hardening_helpers import stored_image

    image = stored_image(newsroom.editor.id)
    lead = newsroom.a[1]
    lead.lead_media_id, lead.lead_alt = image["media_id"], "La place de la mairie"
    front.pin(lead, newsroom.editor)
    db.session.commit()
    html = client.get("/").text
    assert re.search(r'<img class="front-lead-image"[^>]+alt="La place de la mairie"', html)


def test_without_javascript_a_refusal_is_said_on_the_front_page(client, newsroom):
    draft = make_article("Brouillon secret", status=ArticleStatus.DRAFT, published_at=None)
    log_in(client, newsroom.editor)
    response = client.post(f"/redaction/une/epingler/{draft.id}", data={"depuis": "article"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/#une")
    html = client.get("/").text
    assert "Seul un article publié ou programmé peut être mis à la une." in html
    assert db.session.scalar(select(FrontPin)) is None
