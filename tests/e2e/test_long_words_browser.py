"""Long words and addresses in Chromium: nothing a newsroom writes makes a page scroll sideways.

French has long words ("anticonstitutionnellement", 25 letters, wider than a 320 px screen
at headline size) and articles quote long addresses with no place to break. One article
holds them in every part a reader sees (headline, standfirst, paragraphs, heading, quote and
its attribution, list items, image caption and credit, author name and bio, section names,
correction, sponsor), an inquiry holds them in every field, and every page that shows them
is opened at 320 and 390 px, as a reader and as an editor with the editing buttons and forms
open. A page passes when the document is no wider than the window and no element or line of
text lies outside it (text cut off by a container counts as much as a scrollbar).

Screenshots of every page are written next to the test's temporary files, to look at.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from models import Correction, db
from models.sponsor import Sponsor
from tests.e2e.conftest import axe_violations
from tests.factories import HX, log_in, make_article, make_section, make_user
from tests.sponsorship_factories import form_data

WORD = "anticonstitutionnellement"
# 200 characters with no break opportunity at all: letters only after the host.
URL = "https://www.exemple.fr/" + ("dossiersdelaredaction" * 10)[:177]
LONG = f"{WORD} {WORD}{WORD} {URL}"
PASSWORD = "motdepasse-solide"
EDITOR_EMAIL = "elise@gazette.example"
WIDTHS = [320, 390]

# Every element and every line of text inside the window, horizontally; the offenders.
OUTSIDE_THE_WINDOW = """() => {
  const limit = window.innerWidth, offenders = [];
  const hidden = (el) => el.closest('.visually-hidden, [hidden], template, script, style, noscript');
  const describe = (el, r) => `${el.tagName.toLowerCase()}.${el.className} [${Math.round(r.left)}, `
      + `${Math.round(r.right)}]: ${el.textContent.trim().slice(0, 50)}`;
  for (const el of document.body.querySelectorAll('*')) {
    if (hidden(el)) continue;
    const r = el.getBoundingClientRect();
    if ((r.width || r.height) && (r.right > limit + 1 || r.left < -1)) offenders.push(describe(el, r));
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!node.textContent.trim() || hidden(parent)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width && (r.right > limit + 1 || r.left < -1)) {
        offenders.push('text in ' + describe(parent, r));
        break;
      }
    }
  }
  return offenders;
}"""


def assert_fits(page, name: str, shots) -> None:
    page.wait_for_load_state("load")
    width = page.viewport_size["width"]
    page.screenshot(path=shots / f"{width}-{name}.png", full_page=True)
    outside = page.evaluate(OUTSIDE_THE_WINDOW)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        name,
        page.evaluate("document.documentElement.scrollWidth"),
        outside,
    )
    assert outside == [], name


def png_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1400, 900), "darkslateblue").save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def long_words(app, tmp_path):
    """An article with long words and addresses everywhere; returns the pages showing it."""
    app.config["MEDIA_ROOT"] = str(tmp_path / "media")
    parent = make_section(WORD, slug="longue-rubrique")
    section = make_section(f"Affaires {WORD}", parent=parent, slug="sous-rubrique")
    author = make_user(
        f"Marie-{WORD}-{WORD} {WORD}",
        role="author",
        slug="autrice-longue",
        bio_html=f'<p>Journaliste {WORD}, ses archives : <a href="{URL}">{URL}</a></p>',
    )
    # An admin: editing, the inbox, and the accounts and journal pages that list names.
    editor = make_user("Élise Éditrice", role="admin", password=PASSWORD, email=EDITOR_EMAIL)
    sponsor = Sponsor(name=f"Fondation {WORD}{WORD}", link=URL)
    db.session.add(sponsor)
    db.session.commit()
    link = f'<a href="{URL}">{URL}</a>'
    article = make_article(
        LONG,
        section=section,
        author=author,
        slug="mots-longs",
        standfirst=f"Le chapô {WORD} {LONG}",
        sponsor=sponsor,
        blocks=[
            ("paragraph", {"html": f"Un paragraphe {WORD}{WORD} avec {link} et {URL}."}),
            ("heading", {"text": f"Intertitre {WORD}{WORD}", "level": 2}),
            ("quote", {"text": f"Citation {WORD}{WORD} {URL}", "attribution": LONG}),
            ("list", {"items": [f"Élément {WORD}{WORD}", link, URL], "ordered": False}),
            ("list", {"items": [f"Premier {WORD}{WORD}", URL], "ordered": True}),
        ],
    )
    db.session.add(
        Correction(article_id=article.id, text=f"Correction {LONG}", author_id=editor.id)
    )
    db.session.commit()

    client = app.test_client()
    log_in(client, editor)
    first = article.blocks[0].id
    prefix = f"nouveau{first}-"
    response = client.post(
        f"/redaction/articles/{article.id}/blocs/nouveau/image",
        data={
            "after": str(first),
            prefix + "alt": "Une place au petit matin",
            prefix + "caption": f"Légende {LONG}",
            prefix + "credit": f"{WORD}{WORD} / AFP",
            prefix + "image": (io.BytesIO(png_photo()), "photo.jpg"),
        },
        headers=HX,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)

    sender = app.test_client()
    response = sender.post(
        "/sponsoring",
        data=form_data(
            name=f"Zoé {WORD}{WORD}"[:120],
            organisation=f"Société {WORD}{WORD}",
            email=f"{'zoe' * 20}@{'exemple' * 8}.fr",
            period=f"{WORD}{WORD}",
            message=f"Bonjour, {LONG} {WORD}{WORD}.",
        ),
    )
    assert response.status_code in (200, 302, 303), response.status_code
    from models.sponsorship import SponsorshipInquiry

    inquiry = db.session.query(SponsorshipInquiry).one()
    return {
        "article": "/article/mots-longs",
        "reader": {
            "article": "/article/mots-longs",
            "front": "/",
            "section": "/rubrique/longue-rubrique",
            "subsection": "/rubrique/longue-rubrique/sous-rubrique",
            "author": "/auteur/autrice-longue",
            "search": f"/recherche?q={WORD}",
            "corrections": "/corrections",
        },
        "staff": {
            "dashboard": "/redaction",
            "inbox": "/redaction/demandes/",
            "inquiry": f"/redaction/demandes/{inquiry.id}",
            "inbox-search": f"/redaction/demandes/?q={WORD}",
            "sponsors": "/redaction/sponsors",
            "accounts": "/redaction/comptes/",
            "journal": "/redaction/journal/",
            "history": f"/redaction/articles/{article.id}/historique",
            # The same forms without JavaScript: whole pages of their own.
            "headline-page": f"/redaction/articles/{article.id}/titre/modifier",
            "section-page": f"/redaction/articles/{article.id}/rubrique/modifier",
            "bio-page": f"/redaction/articles/{article.id}/biographie/modifier",
            "paragraph-page": f"/redaction/blocs/{article.blocks[0].id}/modifier",
            "new-article": "/redaction/articles/nouveau",
        },
    }


@pytest.mark.parametrize("width", [*WIDTHS, 1280])
def test_reader_pages_never_scroll_sideways(long_words, watched_page, live_server, tmp_path, width):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 800})
    for name, path in long_words["reader"].items():
        page.goto(live_server + path)
        assert_fits(page, name, tmp_path)
    # The words are really there: the test would pass on an empty page otherwise.
    page.goto(live_server + long_words["article"])
    assert WORD in page.locator("h1").inner_text()
    # French hyphenation wherever the browser has the dictionary (not this test's Chromium).
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.locator("h1").evaluate("h => getComputedStyle(h).hyphens") == "auto"
    for part in (".standfirst", ".block-paragraph", ".block-heading", ".block-quote", ".credit"):
        assert WORD in page.locator(part).first.inner_text().lower(), part
    assert URL in page.locator(".block-list").first.inner_text()
    page.goto(live_server + long_words["reader"]["search"])
    expect(page.locator(".search-hit")).to_have_count(1)
    page.watch.assert_clean()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_inquiry_form_with_long_words_never_scrolls_sideways(
    long_words, watched_page, live_server, tmp_path, width
):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server + "/sponsoring")
    assert_fits(page, "inquiry-form", tmp_path)
    page.get_by_label("Nom et prénom").fill(f"{WORD}{WORD}")
    page.get_by_label("Votre projet").fill(LONG)
    page.locator("#inquiry-form button[type=submit]").click()  # incomplete: errors shown
    expect(page.locator("#inquiry-form .form-alert").first).to_be_visible()
    assert_fits(page, "inquiry-form-errors", tmp_path)


def log_in_as_editor(page, live_server, path):
    page.goto(live_server + "/connexion?next=" + path)
    page.get_by_label("Adresse électronique").fill(EDITOR_EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + path)


@pytest.mark.parametrize("width", WIDTHS)
def test_editing_pages_never_scroll_sideways(
    long_words, watched_page, live_server, tmp_path, width
):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 800})
    log_in_as_editor(page, live_server, long_words["article"])
    expect(page.get_by_role("button", name="Modifier le titre")).to_be_visible()
    assert_fits(page, "editing", tmp_path)

    # The forms, open with the long text in them.
    page.get_by_role("button", name="Modifier le titre").click()
    expect(page.get_by_label("Titre", exact=True)).to_be_visible()
    page.get_by_role("button", name="Modifier le chapô").click()
    expect(page.get_by_label("Chapô")).to_be_visible()
    page.get_by_role("button", name="Modifier ce paragraphe").first.click()
    expect(page.get_by_role("textbox", name="Paragraphe")).to_be_visible()
    assert_fits(page, "editing-forms", tmp_path)
    for label in ("Modifier cette citation", "Modifier cette liste", "Modifier cette image"):
        buttons = page.get_by_role("button", name=label)
        if buttons.count():
            buttons.first.click()
    assert_fits(page, "editing-more-forms", tmp_path)

    for name, path in long_words["staff"].items():
        page.goto(live_server + path)
        assert_fits(page, name, tmp_path)
    page.watch.assert_clean()


def test_the_long_words_article_has_no_axe_violations_at_320(long_words, watched_page, live_server):
    page = watched_page
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(live_server + long_words["article"])
    assert axe_violations(page) == []
    page.watch.assert_clean()
