"""The XSS corpus in Chromium: stored through the real endpoints, shown where people read it.

Every payload of tests/data/xss-payloads.json goes, through the real routes with CSRF on,
into each rich-text kind (paragraph, list item) and into plain-text fields (headline, quote
text and attribution, image alt, caption and credit, inquiry fields); a sample goes into
authors' bios. Then Chromium opens the reader's pages, the same pages as an editor (where
editor.js runs over the content), the editor's dashboard and the inbox: nothing may run —
no dialog, no console error (a CSP refusal is one), no request to another origin.

311 payloads typed one by one would take minutes, so the bulk goes over HTTP; a sample of
20 is pasted and typed through the real editor and form, as a person would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from models import Article, db
from models.content import ArticleStatus
from tests.factories import make_article, make_user
from tests.hardening_helpers import ACCOUNT_EMAILS, PASSWORD, build_world
from tests.sponsorship_factories import form_data
from views.editor import PARTS

PAYLOADS = json.loads(
    (Path(__file__).parent.parent / "data" / "xss-payloads.json").read_text(encoding="utf-8")
)
SAMPLE = PAYLOADS[:: len(PAYLOADS) // 20][:20]  # every n-th: each kind of trick
HX = {"HX-Request": "true"}


def image_blocks_exist() -> bool:
    from views.editor.forms import BLOCK_EDITORS

    return "image" in BLOCK_EDITORS


class Newsroom:
    """The test client as a logged-in editor with a real CSRF token, posting like htmx."""

    def __init__(self, app, world):
        self.client = app.test_client()
        self.world = world
        with self.client.session_transaction() as session:
            session["_user_id"] = world.users["editor"].get_id()
        self.token = self.client.get("/redaction/jeton").get_json()["csrf_token"]

    def post(self, url, data, **headers):
        response = self.client.post(url, data=data, headers={"X-CSRFToken": self.token, **headers})
        assert response.status_code in (200, 302, 303, 422), (url, response.status_code)
        return response

    def add_block(self, article, kind, data):
        url = f"/redaction/articles/{article.id}/blocs/nouveau/{kind}"
        fields = {f"nouveau0-{name}": value for name, value in data.items()}
        return self.post(url, {**fields, "after": ""}, **HX)


def in_groups_of(size: int) -> list[tuple[str, ...]]:
    """The corpus in groups of `size` consecutive payloads (the last group wraps round)."""
    padded = PAYLOADS + PAYLOADS[: -len(PAYLOADS) % size or 0]
    return [tuple(padded[i : i + size]) for i in range(0, len(padded), size)]


def published(headline, author, section):
    return make_article(
        headline,
        author=author,
        section=section,
        slug="hostile-" + re.sub(r"\W+", "-", headline.lower()),  # never a slug the corpus makes
        blocks=[("paragraph", {"html": "Début."})],
    )


@pytest.fixture
def hostile_newsroom(app):
    """Every payload stored through the real endpoints (CSRF on); returns what to look at."""
    app.config.update(
        WTF_CSRF_ENABLED=True,
        SPONSORSHIP_INBOX_PER_PAGE=1000,
        SPONSORSHIP_LIMIT_PER_ADDRESS="100000 per hour",
        SPONSORSHIP_LIMIT_PER_EMAIL="100000 per hour",
    )
    world = build_world()
    newsroom = Newsroom(app, world)
    demo = db.session.get(Article, world.other["article_id"])
    author, section = demo.author, demo.section
    rich = [published(f"Paragraphes hostiles {n}", author, section) for n in range(3)]
    quotes = published("Citations hostiles", author, section)
    images = published("Images hostiles", author, section)

    # Each payload in a paragraph of its own (three articles, so no page is enormous)…
    for n, payload in enumerate(PAYLOADS):
        newsroom.add_block(rich[n % 3], "paragraph", {"html": payload})
    # …in a list item (one list holds them all)…
    list_items = {f"nouveau0-items-{i}": payload for i, payload in enumerate(PAYLOADS)}
    newsroom.post(
        f"/redaction/articles/{rich[0].id}/blocs/nouveau/list", {**list_items, "after": ""}, **HX
    )
    # …and in one plain field of a quote, of an image and of an inquiry: a form's fields
    # are filled with consecutive payloads, so every payload lands in some field of each.
    for text, attribution in in_groups_of(2):
        newsroom.add_block(quotes, "quote", {"text": text, "attribution": attribution})
    if image_blocks_exist():
        for alt, caption, credit in in_groups_of(3):
            newsroom.add_block(
                images,
                "image",
                {
                    "media": world.other["media_token"],
                    "alt": alt,
                    "caption": caption,
                    "credit": credit,
                },
            )
    for payload in PAYLOADS:  # headlines: drafts, all listed on the dashboard
        newsroom.post(
            "/redaction/articles/nouveau",
            {"headline": payload, "section": str(section.id), "author": str(author.id)},
        )
    bio_pages = []
    for n, payload in enumerate(SAMPLE):  # one bio per author, so each is seen
        writer = make_user(f"Plume {n}", role="author")
        article = published(f"Article de la plume {n}", writer, section)
        newsroom.post(
            f"/redaction/articles/{article.id}/biographie",
            {"biographie-bio": payload, "biographie-version": PARTS["biographie"].version(article)},
            **HX,
        )
        bio_pages.append(f"/article/{article.slug}")

    visitor = app.test_client()  # an anonymous sender, with the form's own token
    page_html = visitor.get("/sponsoring").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page_html)[1]
    for n, (name, organisation, period, message) in enumerate(in_groups_of(4)):
        visitor.post(
            "/sponsoring",
            data=form_data(
                name=name[:120],
                organisation=organisation[:160],
                period=period[:120],
                message=(message + " — un projet de partenariat.")[:5000],
                email=f"sponsor{n}@exemple.fr",
                csrf_token=token,
            ),
        )
    db.session.expire_all()
    drafts = db.session.query(Article).filter_by(status=ArticleStatus.DRAFT).all()
    from models.sponsorship import SponsorshipInquiry

    inquiries = db.session.query(SponsorshipInquiry).order_by(SponsorshipInquiry.id).all()
    assert len(inquiries) > len(PAYLOADS) // 8  # most are accepted (a few refused: 422)
    return {
        "reader_pages": [f"/article/{a.slug}" for a in (*rich, quotes, images)] + bio_pages[:5],
        "editor_pages": [f"/article/{a.slug}" for a in (*rich, quotes, images)]
        + ["/redaction", "/redaction/demandes/"]
        + [f"/article/{a.slug}" for a in drafts[:: max(1, len(drafts) // 8)]]
        + bio_pages[5:]
        + [f"/redaction/demandes/{i.id}" for i in inquiries[:: max(1, len(inquiries) // 8)]],
    }


def open_and_settle(page, url):
    page.goto(url)
    page.wait_for_load_state("load")


def log_in(page, live_server):
    page.goto(live_server + "/connexion")
    page.get_by_label("Adresse électronique").fill(ACCOUNT_EMAILS["editor"])
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server + "/redaction")


def test_the_stored_corpus_never_runs_for_readers_or_editors(
    hostile_newsroom, watched_page, live_server
):
    page = watched_page
    for path in hostile_newsroom["reader_pages"]:
        open_and_settle(page, live_server + path)
    assert page.locator(".article-body").count() == 1
    page.watch.assert_clean()
    # The corpus is really there: most quotes survived cleaning (an empty one is refused).
    open_and_settle(page, live_server + hostile_newsroom["reader_pages"][3])
    assert page.locator("figure.block-quote").count() > len(PAYLOADS) // 4

    log_in(page, live_server)
    for path in hostile_newsroom["editor_pages"]:
        open_and_settle(page, live_server + path)
        assert page.locator("body").count() == 1, path
    page.mouse.move(200, 200)  # hover handlers, had any survived
    page.wait_for_timeout(200)
    page.watch.assert_clean()


def paste(box, html):
    """A real paste event carrying HTML, as if copied from another page."""
    box.evaluate(
        """(el, html) => {
            const data = new DataTransfer();
            data.setData('text/html', html);
            data.setData('text/plain', html);
            el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        html,
    )


def test_a_sample_pasted_and_typed_through_the_real_ui(app, watched_page, live_server):
    app.config.update(WTF_CSRF_ENABLED=True, SPONSORSHIP_LIMIT_PER_ADDRESS="100 per hour")
    world = build_world()
    page = watched_page
    log_in(page, live_server)
    page.goto(live_server + f"/article/{world.own['article_slug']}")
    quote = page.locator(".article-body .editable-block", has_text="Une citation.")
    for payload in SAMPLE[:8]:  # the bio: a rich-text editor
        page.get_by_role("button", name="Modifier la biographie").click()
        box = page.locator("form.editor-form .rich-editor").first
        box.click()
        page.keyboard.press("Control+A")
        paste(box, payload)
        page.keyboard.press("End")
        page.keyboard.type(" fin")
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.locator("form.editor-form")).to_have_count(0)
    for payload in SAMPLE[8:14]:  # the headline and a quote's attribution: plain inputs
        page.get_by_role("button", name="Modifier le titre").click()
        # A headline cleaned to nothing is refused (422); a word before it keeps it valid
        # (after it, <math> or <textarea> would swallow it).
        page.get_by_label("Titre", exact=True).fill("Titre " + payload[:250])
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.locator("form.editor-form")).to_have_count(0)
        quote.get_by_role("button", name="Modifier cette citation").click()
        page.get_by_label("Attribution (qui parle)").fill(payload[:190])
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.locator("form.editor-form")).to_have_count(0)
    page.reload()
    page.wait_for_timeout(200)
    page.watch.assert_clean()

    page.context.clear_cookies()  # a visitor sends an inquiry with the rest of the sample
    for n, payload in enumerate(SAMPLE[14:]):
        page.goto(live_server + "/sponsoring")
        page.get_by_label("Nom et prénom").fill(payload[:120] or "Nom")
        page.get_by_label("Organisation").fill(payload[:160] or "Org")
        page.get_by_label("Adresse électronique").fill(f"ui{n}@exemple.fr")
        page.get_by_label("Type de sponsoring").select_option(index=1)
        page.get_by_label("Budget envisagé").select_option(index=1)
        page.get_by_label("Votre projet").fill(payload + " — un projet de partenariat.")
        page.get_by_role("checkbox").check()
        page.get_by_role("button", name=re.compile("Envoyer")).click()
        page.wait_for_load_state("load")
    log_in(page, live_server)
    page.goto(live_server + "/redaction/demandes/")
    for link in page.locator("a[href^='/redaction/demandes/']").all()[:6]:
        href = link.get_attribute("href")
        if re.fullmatch(r"/redaction/demandes/\d+", href or ""):
            page.goto(live_server + href)
            page.go_back()
    page.watch.assert_clean()
