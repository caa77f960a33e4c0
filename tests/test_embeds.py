"""Embeds (issue 13): the provider registry, the block through the editor, the reader's
facade, the per-page CSP and its life in the page cache, feeds and search.

The service tests need no database; the HTTP tests run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import CONTENT_SECURITY_POLICY, content_security_policy
from models import Article, Block, db
from services import embeds
from services.embeds import ORIGIN, EmbedRefused, recognise
from tests.factories import HX, log_in, make_article, make_section, make_user

PROVIDER_NAMES = ("YouTube", "Vimeo", "Dailymotion", "X (Twitter)", "Bluesky", "Mastodon",
                  "Instagram", "TikTok", "SoundCloud", "PDF")  # fmt: skip
VIDEO = "dQw4w9WgXcQ"
NOCOOKIE = f"https://www.youtube-nocookie.com/embed/{VIDEO}"

# (pasted, provider, canonical address, iframe address)
ACCEPTED = [
    (f"https://www.youtube.com/watch?v={VIDEO}", "youtube", f"https://www.youtube.com/watch?v={VIDEO}", NOCOOKIE),
    (f"https://youtube.com/watch?feature=share&v={VIDEO}", "youtube", f"https://www.youtube.com/watch?v={VIDEO}", NOCOOKIE),
    (f"https://m.youtube.com/watch?v={VIDEO}&t=1m30s", "youtube", f"https://www.youtube.com/watch?v={VIDEO}&t=90s", NOCOOKIE + "?start=90"),
    (f"https://youtu.be/{VIDEO}?si=Xy_z", "youtube", f"https://www.youtube.com/watch?v={VIDEO}", NOCOOKIE),
    (f"https://youtu.be/{VIDEO}?t=42", "youtube", f"https://www.youtube.com/watch?v={VIDEO}&t=42s", NOCOOKIE + "?start=42"),
    (f"https://www.youtube.com/shorts/{VIDEO}", "youtube", f"https://www.youtube.com/watch?v={VIDEO}", NOCOOKIE),
    (f"https://www.youtube.com/embed/{VIDEO}", "youtube", f"https://www.youtube.com/watch?v={VIDEO}", NOCOOKIE),
    (f"https://www.youtube-nocookie.com/embed/{VIDEO}", "youtube", f"https://www.youtube.com/watch?v={VIDEO}", NOCOOKIE),
    (f"https://www.youtube.com/live/{VIDEO}", "youtube", f"https://www.youtube.com/watch?v={VIDEO}", NOCOOKIE),
    (f"  HTTPS://WWW.YOUTUBE.COM/watch?v={VIDEO}  ", "youtube", f"https://www.youtube.com/watch?v={VIDEO}", NOCOOKIE),
    (f"https://www.youtube.com:443/watch?v={VIDEO}", "youtube", f"https://www.youtube.com/watch?v={VIDEO}", NOCOOKIE),
    ("https://vimeo.com/76979871", "vimeo", "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
    ("https://vimeo.com/791813674/2c9cfc5030", "vimeo", "https://vimeo.com/791813674/2c9cfc5030", "https://player.vimeo.com/video/791813674?dnt=1&h=2c9cfc5030"),
    ("https://vimeo.com/channels/staffpicks/76979871", "vimeo", "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
    ("https://vimeo.com/groups/motion/videos/76979871", "vimeo", "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
    ("https://player.vimeo.com/video/76979871?h=2c9cfc5030", "vimeo", "https://vimeo.com/76979871/2c9cfc5030", "https://player.vimeo.com/video/76979871?dnt=1&h=2c9cfc5030"),
    ("https://www.dailymotion.com/video/x7tgad0", "dailymotion", "https://www.dailymotion.com/video/x7tgad0", "https://geo.dailymotion.com/player.html?video=x7tgad0"),
    ("https://www.dailymotion.com/video/x7tgad0_le-titre-de-la-video", "dailymotion", "https://www.dailymotion.com/video/x7tgad0", "https://geo.dailymotion.com/player.html?video=x7tgad0"),
    ("https://dai.ly/x7tgad0", "dailymotion", "https://www.dailymotion.com/video/x7tgad0", "https://geo.dailymotion.com/player.html?video=x7tgad0"),
    ("https://geo.dailymotion.com/player.html?video=x7tgad0", "dailymotion", "https://www.dailymotion.com/video/x7tgad0", "https://geo.dailymotion.com/player.html?video=x7tgad0"),
    ("https://x.com/AFP/status/1790000000000000000", "x", "https://x.com/AFP/status/1790000000000000000", "https://platform.twitter.com/embed/Tweet.html?id=1790000000000000000&dnt=true"),
    ("https://twitter.com/afpfr/status/123456789?s=20&t=abc", "x", "https://x.com/afpfr/status/123456789", "https://platform.twitter.com/embed/Tweet.html?id=123456789&dnt=true"),
    ("https://mobile.twitter.com/afpfr/statuses/123456789/", "x", "https://x.com/afpfr/status/123456789", "https://platform.twitter.com/embed/Tweet.html?id=123456789&dnt=true"),
    ("https://x.com/i/web/status/123456789", "x", "https://x.com/i/status/123456789", "https://platform.twitter.com/embed/Tweet.html?id=123456789&dnt=true"),
    ("https://bsky.app/profile/Pfrazee.com/post/3kj2umze7zj2n", "bluesky", "https://bsky.app/profile/pfrazee.com/post/3kj2umze7zj2n", "https://embed.bsky.app/embed/pfrazee.com/app.bsky.feed.post/3kj2umze7zj2n"),
    ("https://bsky.app/profile/did:plc:ragtjsm2j2vknwkz3zp4oxrd/post/3kj2umze7zj2n", "bluesky", "https://bsky.app/profile/did:plc:ragtjsm2j2vknwkz3zp4oxrd/post/3kj2umze7zj2n", "https://embed.bsky.app/embed/did:plc:ragtjsm2j2vknwkz3zp4oxrd/app.bsky.feed.post/3kj2umze7zj2n"),
    ("https://mastodon.social/@Gargron/109318821117356215", "mastodon", "https://mastodon.social/@Gargron/109318821117356215", "https://mastodon.social/@Gargron/109318821117356215/embed"),
    ("https://piaille.fr/users/journaliste/statuses/11223344", "mastodon", "https://piaille.fr/@journaliste/11223344", "https://piaille.fr/@journaliste/11223344/embed"),
    ("https://www.instagram.com/p/C5zLAXWAIPl/", "instagram", "https://www.instagram.com/p/C5zLAXWAIPl/", "https://www.instagram.com/p/C5zLAXWAIPl/embed/"),
    ("https://instagram.com/reel/DLOvl5gyQhh?igsh=abc", "instagram", "https://www.instagram.com/reel/DLOvl5gyQhh/", "https://www.instagram.com/reel/DLOvl5gyQhh/embed/"),
    ("https://www.instagram.com/lemonde/p/C5zLAXWAIPl/", "instagram", "https://www.instagram.com/p/C5zLAXWAIPl/", "https://www.instagram.com/p/C5zLAXWAIPl/embed/"),
    ("https://www.tiktok.com/@scout2015/video/6718335390845095173", "tiktok", "https://www.tiktok.com/@scout2015/video/6718335390845095173", "https://www.tiktok.com/embed/v2/6718335390845095173"),
    ("https://soundcloud.com/forss/flickermood", "soundcloud", "https://soundcloud.com/forss/flickermood", "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fforss%2Fflickermood"),
    ("https://soundcloud.com/forss/sets/soulhack", "soundcloud", "https://soundcloud.com/forss/sets/soulhack", "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fforss%2Fsets%2Fsoulhack"),
    ("https://www.assemblee-nationale.fr/dyn/docs/rapport.pdf", "pdf", "https://www.assemblee-nationale.fr/dyn/docs/rapport.pdf", "https://www.assemblee-nationale.fr/dyn/docs/rapport.pdf"),
    ("https://example.org/l'étude.pdf", "pdf", "https://example.org/l%27%C3%A9tude.pdf", "https://example.org/l%27%C3%A9tude.pdf"),
    ("https://www.ademe.fr/rapport-été.PDF", "pdf", "https://www.ademe.fr/rapport-%C3%A9t%C3%A9.PDF", "https://www.ademe.fr/rapport-%C3%A9t%C3%A9.PDF"),
]  # fmt: skip

LONG = "https://www.youtube.com/watch?v=" + VIDEO + "&x=" + "a" * embeds.URL_MAX
REFUSED = [
    "",
    "   ",
    "youtube.com/watch?v=" + VIDEO,  # no scheme
    "//www.youtube.com/watch?v=" + VIDEO,  # protocol-relative
    "http://www.youtube.com/watch?v=" + VIDEO,
    "javascript:alert(1)",
    "JavaScript://www.youtube.com/%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:application/pdf;base64,JVBERi0=",
    "ftp://example.org/rapport.pdf",
    "https:www.youtube.com/watch?v=" + VIDEO,
    "https:/www.youtube.com/watch?v=" + VIDEO,
    # Lookalikes and homographs.
    "https://youtube.com.evil.example/watch?v=" + VIDEO,
    "https://www.youtube.com.evil.example/@user/123",
    "https://evil-youtube.com/watch?v=" + VIDEO,
    "https://videos.youtube.com/@user/123",  # a host of theirs we do not know
    "https://www.yоutube.com/watch?v=" + VIDEO,  # Cyrillic о
    "https://www.youtubе.com/watch?v=" + VIDEO,  # Cyrillic е
    "https://ｙｏｕｔｕｂｅ.com/watch?v=" + VIDEO,  # fullwidth letters
    "https://bsky.app.evil.example/profile/a.bsky.social/post/3kj2umze7zj2n",
    "https://x.com.br/afp/status/123",
    "https://www.youtube.com@evil.example/watch?v=" + VIDEO,  # user info
    "https://user:pass@www.youtube.com/watch?v=" + VIDEO,
    "https://www.youtube.com:8443/watch?v=" + VIDEO,
    "https://www.youtube.com\\@evil.example/watch?v=" + VIDEO,
    "https://www.youtube.com./watch?v=" + VIDEO,
    "https://127.0.0.1/rapport.pdf",
    "https://[::1]/rapport.pdf",
    "https://localhost/rapport.pdf",
    # Identifiers with bad characters or lengths.
    "https://www.youtube.com/watch?v=dQw4w9WgXc",  # 10 characters
    "https://www.youtube.com/watch?v=dQw4w9WgXcQQ",  # 12 characters
    "https://www.youtube.com/watch?v=dQw4w9WgX%3C",
    "https://www.youtube.com/watch?v=dQw4w9WgXc<",
    'https://www.youtube.com/watch?v=dQw4w9WgXc"',
    f"https://www.youtube.com/watch?v={VIDEO}&v={VIDEO}",  # two videos
    "https://www.youtube.com/watch?v=../../x",
    "https://youtu.be/dQw4w9WgXcQ/../../evil",
    "https://www.youtube.com/channel/UC123",
    "https://www.youtube.com/",
    "https://vimeo.com/abc",
    "https://vimeo.com/76979871/NOT-A-HASH",
    "https://player.vimeo.com/video/76979871?h=../../x",
    "https://www.dailymotion.com/video/y7tgad0",
    "https://www.dailymotion.com/video/X7TGAD0",
    "https://x.com/AFP/status/12a",
    "https://x.com/AFP/likes",
    "https://x.com/this_name_is_far_too_long/status/123",
    "https://bsky.app/profile/pfrazee.com",
    "https://bsky.app/profile/pfrazee.com/post/3kj2umze7zj2n0",
    "https://bsky.app/profile/did:plc:short/post/3kj2umze7zj2n",
    "https://bsky.app/profile/pfr%2Fazee.com/post/3kj2umze7zj2n",
    "https://mastodon.social/@Gargron",
    "https://mastodon.social/@Gargron/12ab",
    "https://mastodon.social/@Garg%2Fron/1",
    "https://www.instagram.com/lemonde/",
    "https://www.instagram.com/p/abc/",  # too short for a shortcode
    "https://www.instagram.com/p/C5zLAXW%2FPl/",
    "https://www.instagram.com/stories/lemonde/123/",
    "https://vm.tiktok.com/ZMabcdef/",
    "https://www.tiktok.com/@scout2015",
    "https://www.tiktok.com/@scout2015/video/abc",
    "https://soundcloud.com/forss",
    "https://soundcloud.com/forss/likes",
    "https://soundcloud.com/discover/sets/x",
    "https://on.soundcloud.com/abcdef",
    "https://example.org/rapport.pdf?page=2",
    "https://example.org/rapport.pdf#page=2",
    "https://example.org/../rapport.pdf",
    "https://example.org/a/%zz.pdf",
    "https://example.org/rapport.pdf.html",
    "https://example.org/rapport",
    "https://exa mple.org/rapport.pdf",
    "https://example.org/rap port.pdf",
    "https://example.org/rapport.pdf\x00",
    "https://example.org/\u2028rapport.pdf",
    "https://example.org/<script>.pdf",
    LONG,
]


# --------------------------------------------------------------------------- the registry


@pytest.mark.parametrize("pasted, provider, canonical, frame", ACCEPTED)
def test_each_provider_recognises_its_addresses(pasted, provider, canonical, frame):
    embed = recognise(pasted)
    assert (embed.provider.key, embed.url, embed.embed_url) == (provider, canonical, frame)
    origin = embed.frame_origin
    assert ORIGIN.fullmatch(origin) and frame.startswith(origin + "/")
    data = embed.block_data(title="Un titre", caption="Une légende")
    assert data == {
        "provider": provider,
        "url": canonical,
        "embed_url": frame,
        "frame_origin": origin,
        "title": "Un titre",
        "caption": "Une légende",
    }
    # What a stored block shows is recognised again, with the same result.
    assert embeds.from_block_data(data) == embed
    assert recognise(embed.url) == embed  # the canonical address is itself accepted


def test_every_provider_is_covered_and_frames_come_from_fixed_origins():
    assert {provider for _, provider, _, _ in ACCEPTED} == set(embeds.PROVIDERS_BY_KEY)
    fixed = {
        "youtube": "https://www.youtube-nocookie.com",
        "vimeo": "https://player.vimeo.com",
        "dailymotion": "https://geo.dailymotion.com",
        "x": "https://platform.twitter.com",
        "bluesky": "https://embed.bsky.app",
        "instagram": "https://www.instagram.com",
        "tiktok": "https://www.tiktok.com",
        "soundcloud": "https://w.soundcloud.com",
    }
    for pasted, provider, _, _ in ACCEPTED:
        embed = recognise(pasted)
        if provider in fixed:
            assert embed.frame_origin == fixed[provider]
        else:  # Mastodon and PDF: the address's own host
            assert embed.frame_origin == "https://" + urlsplit(embed.url).hostname


@pytest.mark.parametrize("pasted", REFUSED)
def test_what_is_not_an_embed_is_refused_naming_the_providers(pasted):
    with pytest.raises(EmbedRefused) as refused:
        recognise(pasted)
    message = str(refused.value)
    assert all(name in message for name in PROVIDER_NAMES), message


def test_refusals_say_why_in_french():
    def why(url):
        with pytest.raises(EmbedRefused) as refused:
            recognise(url)
        return str(refused.value)

    assert why("http://youtu.be/" + VIDEO).startswith("L’adresse doit commencer par https://.")
    assert "trop longue" in why(LONG)
    assert "caractères latins" in why("https://www.yоutube.com/watch?v=" + VIDEO)
    assert "youtube.com.evil.example" in why("https://youtube.com.evil.example/watch?v=" + VIDEO)
    assert "Cette adresse YouTube" in why("https://www.youtube.com/channel/UC123")
    assert "Adresse non reconnue" in why("https://example.org/article")


def test_labels_and_sites():
    video = recognise("https://youtu.be/" + VIDEO)
    assert (video.label, video.site, video.provider.shape) == ("Vidéo YouTube", "YouTube", "video")
    post = recognise("https://mastodon.social/@Gargron/1")
    assert post.label == "Publication Mastodon (mastodon.social)"
    assert post.site == "mastodon.social"  # who may set cookies: the instance itself
    pdf = recognise("https://www.example.org/rapport.pdf")
    assert (pdf.site, pdf.provider.sandbox) == ("www.example.org", None)  # Chrome: no sandbox
    assert "allow-top-navigation" not in video.provider.sandbox
    assert "allow-forms" not in video.provider.sandbox


URL_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


@settings(max_examples=300, deadline=None)
@given(tail=URL_TEXT, provider_base=st.sampled_from([
    "https://www.youtube.com/watch?v=", "https://youtu.be/", "https://vimeo.com/",
    "https://www.dailymotion.com/video/", "https://x.com/afp/status/",
    "https://bsky.app/profile/", "https://mastodon.social/@", "https://www.instagram.com/p/",
    "https://www.tiktok.com/@", "https://soundcloud.com/", "https://example.org/", "",
]))  # fmt: skip
def test_any_pasted_text_is_refused_or_framed_from_a_clean_origin(provider_base, tail):
    """Whatever follows a provider's address, the result is a refusal or an embed whose
    iframe address lies on its fixed origin and carries no character the editor typed
    unchecked (no quote, space, angle bracket or backslash can reach the iframe)."""
    try:
        embed = recognise(provider_base + tail)
    except EmbedRefused:
        return
    assert ORIGIN.fullmatch(embed.frame_origin)
    assert embed.embed_url.startswith(embed.frame_origin + "/")
    assert not re.search(r"[\s\"'<>\\`]", embed.embed_url + embed.url)
    assert embed.embed_url.isascii() and embed.url.isascii()


def test_the_csp_lists_exactly_the_frame_origins_given():
    assert content_security_policy() == CONTENT_SECURITY_POLICY
    assert "frame-src" not in CONTENT_SECURITY_POLICY  # frames follow default-src 'self'
    policy = content_security_policy(
        ["https://www.youtube-nocookie.com", "https://embed.bsky.app", "https://embed.bsky.app"]
    )
    assert policy == CONTENT_SECURITY_POLICY + (
        "; frame-src https://embed.bsky.app https://www.youtube-nocookie.com"
    )
    # Anything that is not a bare https origin never reaches the header.
    hostile = [
        "https://a.example; script-src *",
        "https://a.example 'unsafe-inline'",
        "http://a.example",
        "https://a.example/path",
        "*",
        "'self'",
        "https://A.example",
        "https://a.example\r\nSet-Cookie: x=1",
    ]
    assert content_security_policy(hostile) == CONTENT_SECURITY_POLICY


def test_reading_text_is_the_title_and_caption_never_the_address():
    block = Block(
        kind="embed",
        data=recognise("https://youtu.be/" + VIDEO).block_data("Le débat", "Extrait du 20 h"),
    )
    assert block.text_for_reading() == "Le débat Extrait du 20 h"


# --------------------------------------------------------------------------- HTTP: editing


def body(response) -> str:
    return response.get_data(as_text=True)


def fresh_blocks(article_id: int) -> list[Block]:
    db.session.expire_all()
    return db.session.get(Article, article_id).blocks


@pytest.fixture
def newsroom(app):
    """An editor and a published article with one paragraph (slug "sommet")."""
    section = make_section("Politique", slug="politique")
    author = make_user("Alice Autrice", slug="alice")
    editor = make_user("Élise Éditrice", role="editor")
    article = make_article(
        "Le sommet de Pyongyang",
        section=section,
        author=author,
        slug="sommet",
        blocks=[("paragraph", {"html": "Premier paragraphe."})],
    )
    return type("Newsroom", (), dict(editor=editor, author=author, article=article))


def add_embed(client, article, url, title="", caption="", after=""):
    prefix = f"nouveau{after or 0}"
    return client.post(
        f"/redaction/articles/{article.id}/blocs/nouveau/embed",
        headers=HX,
        data={
            "after": str(after),
            f"{prefix}-url": url,
            f"{prefix}-title": title,
            f"{prefix}-caption": caption,
        },
    )


def test_the_chooser_offers_an_embed_and_its_form(client, newsroom):
    log_in(client, newsroom.editor)
    article = newsroom.article
    chooser = client.get(f"/redaction/articles/{article.id}/blocs/ajout", headers=HX)
    assert chooser.status_code == 200
    assert f"/redaction/articles/{article.id}/blocs/nouveau/embed" in body(chooser)
    assert "Contenu externe" in body(chooser)
    form = client.get(f"/redaction/articles/{article.id}/blocs/nouveau/embed", headers=HX)
    assert form.status_code == 200
    page = body(form)
    assert 'name="nouveau0-url"' in page and 'type="url"' in page
    assert "Bluesky" in page and "Dailymotion" in page  # the hint names the providers


def test_an_embed_is_added_stored_and_shown_as_a_facade(client, newsroom):
    log_in(client, newsroom.editor)
    article = newsroom.article
    first = article.blocks[0]
    response = add_embed(
        client,
        article,
        f"https://youtu.be/{VIDEO}",
        title="Le discours <script>alert(1)</script>en entier",
        caption="Extrait  du journal",
        after=first.id,
    )
    assert response.status_code == 200
    blocks = fresh_blocks(article.id)
    assert [b.kind for b in blocks] == ["paragraph", "embed"]
    assert blocks[1].data == {
        "provider": "youtube",
        "url": f"https://www.youtube.com/watch?v={VIDEO}",
        "embed_url": NOCOOKIE,
        "frame_origin": "https://www.youtube-nocookie.com",
        "title": "Le discours en entier",  # the sanitiser removed the script
        "caption": "Extrait  du journal",
    }
    html = body(response)
    assert "1 script" in html  # the editor is told what was removed
    assert "Charger le contenu (YouTube)" in html and "<iframe" not in html
    assert "Modifier ce contenu externe" in html


def test_an_unknown_address_is_refused_and_the_typed_text_kept(client, newsroom):
    log_in(client, newsroom.editor)
    article = newsroom.article
    typed = "https://www.exemple-de-video.fr/regarder?id=42&t=1"
    response = add_embed(client, article, typed, title="Mon titre", caption="Ma légende")
    assert response.status_code == 422
    html = body(response)
    assert "Adresse non reconnue" in html and "SoundCloud" in html
    assert 'value="https://www.exemple-de-video.fr/regarder?id=42&amp;t=1"' in html
    assert "Mon titre" in html and "Ma légende" in html
    assert [b.kind for b in fresh_blocks(article.id)] == ["paragraph"]


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "http://youtu.be/" + VIDEO, "", "a\x00b", "é" * 5000, "\ufffe"],
)
def test_junk_addresses_are_a_422_never_a_500(client, newsroom, url):
    log_in(client, newsroom.editor)
    response = add_embed(client, newsroom.article, url)
    assert response.status_code == 422
    assert [b.kind for b in fresh_blocks(newsroom.article.id)] == ["paragraph"]


def test_junk_form_bodies(client, newsroom):
    log_in(client, newsroom.editor)
    article = newsroom.article
    url = f"/redaction/articles/{article.id}/blocs/nouveau/embed"
    for data in (
        {"nouveau0-url": ["https://youtu.be/" + VIDEO, "javascript:x"], "after": "x"},
        {"nouveau0-url": "https://youtu.be/" + VIDEO, "nouveau0-title": "t" * 100_000},
        {"nouveau0-url": "https://youtu.be/" + VIDEO, "nouveau0-caption": "\x00" * 10},
        {},
    ):
        response = client.post(url, headers=HX, data=data)
        assert response.status_code in (200, 422), data
    response = client.post(
        url, headers=HX, data=b"\xff\xfe=\x00", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (400, 422)


def test_an_embed_is_edited_moved_and_deleted_like_any_block(client, newsroom):
    log_in(client, newsroom.editor)
    article = newsroom.article
    assert add_embed(client, article, "https://vimeo.com/76979871").status_code == 200
    block = fresh_blocks(article.id)[0]
    loaded_version = str(block.version)
    form = client.get(f"/redaction/blocs/{block.id}/modifier", headers=HX)
    assert form.status_code == 200 and 'value="https://vimeo.com/76979871"' in body(form)
    # A refused change keeps what was typed and changes nothing.
    prefix = f"bloc{block.id}"
    refused = client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={f"{prefix}-url": "https://vimeo.com.evil.example/1", f"{prefix}-version": str(block.version)},
    )  # fmt: skip
    assert refused.status_code == 422 and "vimeo.com.evil.example" in body(refused)
    assert fresh_blocks(article.id)[0].data["provider"] == "vimeo"
    saved = client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={
            f"{prefix}-url": "https://soundcloud.com/forss/flickermood",
            f"{prefix}-title": "Flickermood",
            f"{prefix}-version": str(block.version),
        },
    )
    assert saved.status_code == 200
    stored = fresh_blocks(article.id)[0]
    assert (stored.data["provider"], stored.data["title"]) == ("soundcloud", "Flickermood")
    # A stale form is a conflict, like any block.
    stale = client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={f"{prefix}-url": "https://vimeo.com/1", f"{prefix}-version": loaded_version},
    )
    assert stale.status_code == 409
    moved = client.post(f"/redaction/blocs/{block.id}/descendre", headers=HX)
    assert moved.status_code == 200
    assert [b.kind for b in fresh_blocks(article.id)] == ["paragraph", "embed"]
    deleted = client.post(f"/redaction/blocs/{block.id}/supprimer", headers=HX)
    assert deleted.status_code == 200
    assert [b.kind for b in fresh_blocks(article.id)] == ["paragraph"]


# --------------------------------------------------------------------------- HTTP: readers


class Attributes(HTMLParser):
    """Every (tag, attribute, value) of a page."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, name, value or "") for name, value in attrs]


def loading_attributes(html: str) -> list[tuple[str, str, str]]:
    """Attributes whose URL a browser fetches or navigates to on its own."""
    parser = Attributes()
    parser.feed(html)
    fetched = {"src", "srcset", "href", "poster", "data", "action", "formaction", "background"}
    return [(tag, name, value) for tag, name, value in parser.found if name in fetched]


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";"))


def with_embeds(article, *urls):
    for url in urls:
        article.blocks.append(Block(position=len(article.blocks), kind="embed",
                                    data=recognise(url).block_data()))  # fmt: skip
    db.session.commit()


def test_the_reader_page_loads_nothing_from_providers(client, newsroom):
    with_embeds(
        newsroom.article,
        f"https://youtu.be/{VIDEO}",
        "https://bsky.app/profile/pfrazee.com/post/3kj2umze7zj2n",
        "https://mastodon.social/@Gargron/109318821117356215",
    )
    response = client.get("/article/sommet")
    assert response.status_code == 200
    html = body(response)
    assert "<iframe" not in html
    # Nothing on the page loads from another site by itself: only links point elsewhere.
    assert [
        (tag, name, value)
        for tag, name, value in loading_attributes(html)
        if tag != "a" and not value.startswith(("/", "http://localhost/"))
    ] == []
    # In the embeds, the only addresses are the fallback links, loaded only if followed.
    figures = "".join(re.findall(r'<figure class="block block-embed.*?</figure>', html, re.S))
    assert loading_attributes(figures) == [
        ("a", "href", f"https://www.youtube.com/watch?v={VIDEO}"),
        ("a", "href", "https://bsky.app/profile/pfrazee.com/post/3kj2umze7zj2n"),
        ("a", "href", "https://mastodon.social/@Gargron/109318821117356215"),
    ]
    assert f'data-embed-src="{NOCOOKIE}"' in html
    assert "Charger le contenu (YouTube)" in html and "Charger le contenu (mastodon.social)" in html
    assert "js/embeds.js" in html
    assert csp_directives(response)["frame-src"] == (
        "https://embed.bsky.app https://mastodon.social https://www.youtube-nocookie.com"
    )
    assert response.headers.getlist("Set-Cookie") == []


def test_pages_without_embeds_keep_the_site_policy_and_no_script(client, newsroom):
    response = client.get("/article/sommet")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "js/embeds.js" not in body(response)
    # Another page rendered after one with embeds does not inherit its frame-src.
    with_embeds(make_article("Autre", slug="autre", section=newsroom.article.section),
                "https://vimeo.com/76979871")  # fmt: skip
    assert "frame-src" in client.get("/article/autre").headers["Content-Security-Policy"]
    for url in ("/", "/article/sommet", "/rubrique/politique", "/recherche?q=sommet"):
        assert client.get(url).headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url


def test_a_tampered_block_frames_only_what_the_rules_accept(client, newsroom):
    """Stored data is recognised again: its iframe address and origin are never trusted."""
    data = recognise(f"https://youtu.be/{VIDEO}").block_data()
    data.update(
        embed_url="https://evil.example/x", frame_origin="https://evil.example; script-src *"
    )
    newsroom.article.blocks.append(Block(position=1, kind="embed", data=data))
    newsroom.article.blocks.append(
        Block(position=2, kind="embed", data={"url": "javascript:alert(1)", "title": "Piège"})
    )
    db.session.commit()
    response = client.get("/article/sommet")
    html = body(response)
    assert response.status_code == 200 and "evil.example" not in html
    assert "javascript:" not in html
    assert csp_directives(response)["frame-src"] == "https://www.youtube-nocookie.com"


def test_the_cache_replays_the_page_policy_on_both_paths(client, newsroom):
    with_embeds(newsroom.article, "https://x.com/AFP/status/123456789")
    miss = client.get("/article/sommet")
    hit = client.get("/article/sommet")  # answered by the WSGI fast path
    assert (miss.headers["X-Page-Cache"], hit.headers["X-Page-Cache"]) == ("miss", "hit")
    assert hit.headers["Content-Security-Policy"] == miss.headers["Content-Security-Policy"]
    assert csp_directives(hit)["frame-src"] == "https://platform.twitter.com"
    # A reader with a (nobody's) session cookie is answered by Flask's own cache check.
    client.set_cookie("session", "pas-une-session")
    through_flask = client.get("/article/sommet")
    assert through_flask.headers["X-Page-Cache"] == "hit"
    assert (
        through_flask.headers["Content-Security-Policy"] == miss.headers["Content-Security-Policy"]
    )


def test_adding_and_removing_an_embed_invalidates_the_article(client, app, newsroom):
    article = newsroom.article
    for _ in range(2):
        client.get("/article/sommet")
    assert client.get("/article/sommet").headers["X-Page-Cache"] == "hit"
    editor = app.test_client()
    log_in(editor, newsroom.editor)
    assert add_embed(editor, article, "https://dai.ly/x7tgad0").status_code == 200
    after_add = client.get("/article/sommet")
    assert after_add.headers["X-Page-Cache"] == "miss"
    assert csp_directives(after_add)["frame-src"] == "https://geo.dailymotion.com"
    assert client.get("/article/sommet").headers["X-Page-Cache"] == "hit"
    block = fresh_blocks(article.id)[0]
    assert editor.post(f"/redaction/blocs/{block.id}/supprimer", headers=HX).status_code == 200
    after_delete = client.get("/article/sommet")
    assert after_delete.headers["X-Page-Cache"] == "miss"
    assert after_delete.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_editors_get_the_script_and_the_policy_of_what_they_see(client, newsroom):
    log_in(client, newsroom.editor)
    response = client.get("/article/sommet")
    assert "js/embeds.js" in body(response)  # so that a block added in place works
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_feeds_and_search_show_the_title_never_a_frame(client, newsroom):
    with_embeds(newsroom.article, f"https://youtu.be/{VIDEO}")
    block = newsroom.article.blocks[-1]
    block.data = {**block.data, "title": "Entretien avec la ministre", "caption": "Vidéo de l’AFP"}
    db.session.commit()
    for url in ("/flux.rss", "/flux.atom"):
        feed = body(client.get(url))
        assert "<iframe" not in feed and "youtube-nocookie" not in feed, url
    results = client.get("/recherche?q=ministre")
    html = body(results)
    assert results.status_code == 200 and "Le sommet de Pyongyang" in html
    assert "<iframe" not in html and "youtube-nocookie" not in html
    assert "ministre" in html.split("search-hit-snippet", 1)[1]
    # Word count: the title and caption count, the address does not.
    article = db.session.get(Article, newsroom.article.id)
    # headline (4) + paragraph (2) + title (4) + caption (3)
    assert article.word_count == 13


def test_the_history_shows_a_changed_address():
    from views.editor.history import plain_text

    def snapshot(url, title):
        data = recognise(url).block_data(title, "Légende")
        return {"headline": "Titre", "blocks": [{"kind": "embed", "data": data}]}

    before = plain_text(snapshot("https://vimeo.com/1", "Avant"))
    after = plain_text(snapshot("https://vimeo.com/2", "Après"))
    assert before == "Titre\n[Contenu externe : https://vimeo.com/1] — Avant — Légende"
    assert after != before and "https://vimeo.com/2" in after


XSS_PAYLOADS = json.loads((Path(__file__).parent / "data" / "xss-payloads.json").read_text())
XSS_SAMPLE = XSS_PAYLOADS[:: max(1, len(XSS_PAYLOADS) // 40)]  # every n-th: each kind of trick


def test_hostile_titles_captions_and_addresses_never_run(client, app, newsroom):
    """A sample of the XSS corpus as the address, the title and the caption of embeds: refused or
    cleaned, never a 500, and the reader's page holds no handler, script or javascript:."""
    editor = app.test_client()
    log_in(editor, newsroom.editor)
    article = newsroom.article
    for n, payload in enumerate(XSS_SAMPLE):
        response = add_embed(editor, article, payload)  # as the address: refused
        assert response.status_code == 422, payload
        response = add_embed(
            editor, article, f"https://vimeo.com/{n + 1}", title=payload[:300], caption=payload
        )
        assert response.status_code in (200, 422), payload
    assert len(fresh_blocks(article.id)) > len(XSS_SAMPLE) // 2
    html = body(client.get("/article/sommet"))
    parser = Attributes()
    parser.feed(html)
    assert [a for a in parser.found if a[1].startswith("on")] == []
    assert [a for a in parser.found if "javascript:" in a[2].lower()] == []
    scripts = re.findall(r"<script\b[^>]*>", html, re.I)
    assert all(
        re.fullmatch(r'<script (src="/static/[^"]+" defer|type="application/ld\+json")>', s)
        for s in scripts
    ), scripts
