"""The curated front page in Chromium at 390 and 1280 px: an editor pins two articles found
by headline (focus lands on the new story's controls, the live region says it), reorders
them from the keyboard ("Monter"), sets an expiry, gives Sport and Culture a block (a
position of -3 refused in French by the server, Culture's empty block explained); a
reader then sees that order, no empty block, axe finds nothing and nothing scrolls
sideways (320 and 390 px too)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from models.time import utcnow
from tests.e2e.conftest import PageWatch, axe_violations, log_in_through_form, no_sideways_scroll
from tests.factories import make_article, make_section, make_user

PASSWORD = "correct horse battery"
SHOTS = "/tmp"
REM = 16


@pytest.fixture
def newsroom(app):
    # Three latest articles: Sport keeps one story for its block below them.
    app.config["ARTICLES_PER_PAGE"] = 3
    societe = make_section("Société", slug="societe")
    sport = make_section("Sport", slug="sport")
    make_section("Culture", slug="culture")  # no article: an empty block
    make_section("Économie", slug="economie")
    make_user("Edith Éditrice", role="editor", password=PASSWORD, email="edith@gazette.example")
    alice = make_user("Alice Autrice", slug="alice")
    now = utcnow()
    make_article(
        "Élection à la mairie : les résultats commune par commune",
        section=societe,
        author=alice,
        slug="election",
        standfirst="Un second tour serré, des abstentionnistes nombreux.",
        published_at=now - timedelta(days=3),
    )
    make_article(
        "Le budget de la ville adopté après une longue nuit de débats",
        section=societe,
        author=alice,
        slug="budget",
        published_at=now - timedelta(days=2),
    )
    for n in range(4):
        make_article(
            f"Match de rugby n° {n}",
            section=sport,
            author=alice,
            slug=f"rugby-{n}",
            standfirst="Un essai à la dernière minute.",
            published_at=now - timedelta(hours=n + 1),
        )


def log_in(page, live_server):
    log_in_through_form(page, live_server, "edith@gazette.example", PASSWORD)


def pin_by_headline(page, words: str, headline: str):
    search = page.get_by_label("Mettre un article à la une : chercher par titre")
    search.fill(words)
    candidate = page.locator(".front-candidates li", has_text=headline)
    expect(candidate).to_be_visible()
    candidate.get_by_role("button", name="Mettre à la une").click()
    expect(page.locator(".front-top")).to_contain_text(headline)
    # Announced, and focus on the new story's controls rather than lost on <body>.
    expect(page.locator("#une-statut")).to_contain_text(f"« {headline}")
    expect(page.locator("#une-statut")).to_contain_text("est à la une.")
    focused = page.locator(".front-pin-controls:focus")
    expect(focused).to_have_attribute("aria-label", re.compile(re.escape(headline)))


def lead_headline(page):
    return page.locator(".front-lead-headline")


@pytest.mark.parametrize("width", [390, 1280])
def test_editor_arranges_the_front_page_and_readers_see_it(
    watched_page, live_server, newsroom, browser, width
):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server)
    page.goto(live_server + "/")
    pin_by_headline(page, "election", "Élection à la mairie")
    pin_by_headline(page, "budget", "Le budget de la ville")
    expect(lead_headline(page)).to_contain_text("Élection à la mairie")
    # Searched again, a pinned article says where it is.
    page.get_by_label("Mettre un article à la une : chercher par titre").fill("election")
    expect(page.locator(".front-candidates")).to_contain_text(
        "Déjà à la une : c’est l’article principal."
    )

    # Keyboard only: focus the second story's "Monter" and press Enter.
    budget = page.locator(".front-featured-item", has_text="Le budget de la ville")
    budget.get_by_role("button", name="Monter").focus()
    page.keyboard.press("Enter")
    expect(lead_headline(page)).to_contain_text("Le budget de la ville")
    # Focus stayed on the button pressed (same id after the swap).
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Monter"

    # An expiry, a day ahead.
    lead = page.locator(".front-lead")
    lead.get_by_text("Expiration…").click()
    later = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    lead.get_by_label("Fin de la mise à la une (heure de Paris)").fill(later)
    expiry_form = lead.locator(".front-expiry-form")
    assert expiry_form.bounding_box()["width"] <= 24 * REM + 1
    page.screenshot(path=f"{SHOTS}/frontfix-expiry-{width}.png", caret="initial")
    lead.get_by_role("button", name="Enregistrer l’expiration").click()
    expect(page.locator(".front-lead .front-pin-place")).to_contain_text("jusqu’au")
    expect(page.locator("#une-statut")).to_have_text("Expiration de la une enregistrée.")

    # Blocks for Sport and Culture below the latest articles; "-3" refused by the server
    # (novalidate: no browser tooltip in English), in French, in the chooser left open.
    page.get_by_text("Rubriques en bas de la une").click()
    page.get_by_label("Sport", exact=True).check()
    page.get_by_label("Culture", exact=True).check()
    page.get_by_label("Position du bloc « Sport »").fill("-3")
    page.get_by_role("button", name="Enregistrer les rubriques").click()
    chooser = page.locator(".front-sections-chooser")
    expect(chooser.get_by_role("alert")).to_have_text(
        "Position du bloc « Sport » : un nombre entier de 1 à 99, ou rien."
    )
    page.get_by_label("Position du bloc « Sport »").fill("1")
    page.get_by_role("button", name="Enregistrer les rubriques").click()
    expect(page.locator("#une-statut")).to_have_text("Rubriques de la une enregistrées.")
    expect(page.locator(".front-section h2")).to_have_text("Sport")
    # Culture has nothing to show: no block, a note for its editors.
    expect(page.locator(".front-block-note")).to_contain_text(
        "Bloc « Culture » : aucun autre article à montrer."
    )
    # Économie sorts with the E, not after Sport.
    names = chooser.locator(".front-section-choice label:not(.visually-hidden)")
    expect(names).to_have_text(["Culture", "Économie", "Société", "Sport"])
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []
    page.screenshot(path=f"{SHOTS}/frontfix-editor-{width}.png", full_page=True)
    if width == 390:  # the chooser's position boxes line up at 320 px too
        page.set_viewport_size({"width": 320, "height": 900})
        assert no_sideways_scroll(page)
        page.screenshot(path=f"{SHOTS}/frontfix-editor-320.png", full_page=True, caret="initial")
        page.set_viewport_size({"width": width, "height": 900})

    # A reader: the order, no controls, no script needed.
    reader = browser.new_page(viewport={"width": width, "height": 900})
    watch = PageWatch(reader, live_server)
    for reader_width in (320, 390) if width == 390 else (width,):
        reader.set_viewport_size({"width": reader_width, "height": 900})
        reader.goto(live_server + "/")
        expect(lead_headline(reader)).to_contain_text("Le budget de la ville")
        expect(reader.locator(".front-featured")).to_contain_text("Élection à la mairie")
        expect(reader.get_by_role("button", name="Monter")).to_have_count(0)
        expect(reader.locator(".front-section h2")).to_have_text("Sport")
        expect(reader.locator(".front-block-note")).to_have_count(0)
        assert no_sideways_scroll(reader), reader_width
        assert axe_violations(reader) == []
        reader.screenshot(path=f"{SHOTS}/frontfix-reader-{reader_width}.png", full_page=True)
    watch.assert_clean()
    reader.close()
    # Chromium logs every 4xx response: the refused position's 422 is the only message.
    assert [e for e in page.watch.console_errors if "status of 422" not in e] == []
    page.watch.console_errors.clear()
    page.watch.assert_clean()


def test_drag_and_drop_reorders_the_pins(watched_page, live_server, newsroom):
    """The enhancement: dragging the featured story onto the lead swaps them."""
    from models import Article, User, db
    from services import front

    editor = db.session.scalar(db.select(User).filter_by(email="edith@gazette.example"))
    for slug in ("election", "budget"):
        front.pin(db.session.scalar(db.select(Article).filter_by(slug=slug)), editor)
    db.session.commit()
    page = watched_page
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server)
    page.goto(live_server + "/")
    expect(lead_headline(page)).to_contain_text("Élection à la mairie")
    page.locator(".front-featured-item").first.drag_to(page.locator(".front-lead"))
    expect(lead_headline(page)).to_contain_text("Le budget de la ville")
    page.watch.assert_clean()
