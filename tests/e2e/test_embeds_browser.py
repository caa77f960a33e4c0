"""Embeds in Chromium (issue 13): a reader's page asks nothing of the providers until the
reader clicks; then the iframe is set, allowed by the page's CSP, and has the focus.

The browser can reach no other host (conftest's resolver rules), and every request to
another origin is recorded and aborted by PageWatch: after the click, the provider's
frame is requested (which proves the CSP let it through) and blocked there.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from models import Article, db
from services.embeds import recognise
from tests.e2e import test_editing_browser
from tests.e2e.conftest import axe_violations
from tests.e2e.test_editing_browser import DEMO_PATH, assert_no_reload, log_in, set_marker

editor = test_editing_browser.editor

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
VIDEO_FRAME = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
SOUND = "https://soundcloud.com/forss/flickermood"
SOUND_FRAME = (
    "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fforss%2Fflickermood"
)
POST = "https://bsky.app/profile/afp.com/post/3kj2umze7zj2n"


@pytest.fixture
def embeds_article(demo):
    """The demo article with a video after its first paragraph, a post and a sound."""
    article = db.session.scalar(db.select(Article).filter_by(slug=DEMO_PATH.rsplit("/", 1)[1]))
    first = article.blocks[0]
    sound = article.insert_block(
        "embed", recognise(SOUND).block_data("Le journal de 12 h 30"), first
    )
    post = article.insert_block("embed", recognise(POST).block_data(), first)
    article.insert_block(
        "embed",
        recognise(VIDEO).block_data("Le discours en entier", "Extrait diffusé par l’Élysée."),
        first,
    )
    db.session.commit()
    return type("Embeds", (), dict(article=article, post=post, sound=sound))


def record_csp_violations(page):
    page.evaluate(
        """() => { window.__violations = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__violations.push(e.effectiveDirective + ' ' + e.blockedURI)); }"""
    )


@pytest.mark.parametrize("width", [390, 1280])
def test_nothing_is_requested_from_a_provider_until_the_reader_clicks(
    embeds_article, watched_page, live_server, width
):
    page = watched_page
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(live_server + DEMO_PATH)
    assert (
        "frame-src https://embed.bsky.app https://w.soundcloud.com https://www.youtube-nocookie.com"
        in response.headers["content-security-policy"]
    )
    video = page.locator("figure.block-embed").first
    button = video.get_by_role("button", name="Charger le contenu (YouTube)")
    expect(button).to_be_visible()
    expect(video).to_contain_text("YouTube de déposer des cookies")
    expect(video.get_by_role("link", name="Voir sur YouTube")).to_have_attribute("href", VIDEO)
    assert page.locator("iframe").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []
    page.watch.assert_clean()  # no foreign request, no console error, no dialog
    assert page.context.cookies() == []

    # Keyboard: the button takes the focus, Enter loads the video in its place.
    record_csp_violations(page)
    button.focus()
    with page.expect_request(VIDEO_FRAME):
        page.keyboard.press("Enter")
    frame = video.locator("iframe.embed-frame")
    expect(frame).to_have_attribute("src", VIDEO_FRAME)
    expect(frame).to_have_attribute("title", "Le discours en entier")
    expect(frame).to_have_attribute("loading", "lazy")
    expect(frame).to_have_attribute("referrerpolicy", "strict-origin")
    sandbox = frame.get_attribute("sandbox").split()
    assert "allow-scripts" in sandbox and "allow-top-navigation" not in sandbox
    assert "fullscreen" in frame.get_attribute("allow")
    assert frame.evaluate("el => el === document.activeElement")
    expect(video.get_by_role("link", name="Voir sur YouTube")).to_be_visible()  # still there
    # The frame was requested (the CSP let it go) and only it; the network stopped it.
    assert page.watch.foreign_requests == [VIDEO_FRAME]
    assert page.evaluate("window.__violations") == []
    # The other embeds are still facades: nothing requested from Bluesky or SoundCloud.
    expect(page.get_by_role("button", name="Charger le contenu (Bluesky)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_space_loads_a_sound_with_its_own_frame(embeds_article, watched_page, live_server):
    page = watched_page
    page.goto(live_server + DEMO_PATH)
    record_csp_violations(page)
    page.get_by_role("button", name="Charger le contenu (SoundCloud)").focus()
    with page.expect_request(SOUND_FRAME):
        page.keyboard.press(" ")
    frame = page.locator("iframe.embed-frame-soundcloud")
    expect(frame).to_have_attribute("src", SOUND_FRAME)
    expect(frame).to_have_attribute("title", "Le journal de 12 h 30")
    assert frame.get_attribute("allow") is None  # a sound player needs no permission
    assert frame.evaluate("el => el.getBoundingClientRect().height") > 100
    assert page.watch.foreign_requests == [SOUND_FRAME]
    assert page.evaluate("window.__violations") == []


def test_without_javascript_readers_get_the_link(embeds_article, browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    foreign = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(live_server)
            else (foreign.append(route.request.url), route.abort())
        ),
    )
    page.goto(live_server + DEMO_PATH)
    video = page.locator("figure.block-embed").first
    expect(video.get_by_role("link", name="Voir sur YouTube")).to_be_visible()
    expect(video.locator("[data-embed-load]")).to_be_hidden()
    expect(video.locator(".embed-notice")).to_be_hidden()
    assert page.locator("iframe").count() == 0 and foreign == []
    context.close()


def test_no_sideways_scroll_at_320px(embeds_article, watched_page, live_server):
    page = watched_page
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server + DEMO_PATH)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="Charger le contenu (Bluesky)").click()
    expect(page.locator("iframe.embed-frame-bluesky")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_editor_adds_an_embed_in_place(editor, watched_page, live_server):
    page = watched_page
    log_in(page, live_server)
    set_marker(page)
    page.get_by_role("button", name="Ajouter un bloc après ce paragraphe").first.click()
    page.get_by_role("group", name="Ajouter un bloc").get_by_role(
        "button", name="Contenu externe"
    ).click()
    address = page.get_by_label("Adresse du contenu")
    expect(address).to_be_visible()
    assert axe_violations(page) == [], "embed form"

    typed = "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ"
    address.fill(typed)
    page.get_by_label("Titre (facultatif)").fill("Le discours en entier")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.locator(".field-error")).to_contain_text("youtube.com.evil.example")
    expect(page.locator(".field-error")).to_contain_text("Dailymotion")
    expect(page.get_by_label("Adresse du contenu")).to_have_value(typed)
    expect(page.get_by_label("Titre (facultatif)")).to_have_value("Le discours en entier")
    assert axe_violations(page) == [], "refused embed form"

    page.get_by_label("Adresse du contenu").fill("https://youtu.be/dQw4w9WgXcQ")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    figure = page.locator(".article-body figure.block-embed")
    expect(figure.get_by_role("button", name="Charger le contenu (YouTube)")).to_be_visible()
    expect(page.get_by_role("button", name="Modifier ce contenu externe")).to_be_visible()
    assert_no_reload(page)
    page.reload()
    expect(page.locator("figure.block-embed")).to_contain_text("Le discours en entier")
    assert axe_violations(page) == [], "page with the embed"
    # Chromium logs every 4xx response: the refused address's 422 is the only message.
    assert [e for e in page.watch.console_errors if "status of 422" not in e] == []
    assert page.watch.foreign_requests == [] and page.watch.dialogs == []
