"""Embeds: which pasted addresses Gazette shows from another site, and how.

An embed block holds a video, a post, a sound or a document from another site. Readers get
a local facade first (templates/reading/blocks/_embed.html) and nothing is requested from
the provider until they click; only then does static/js/embeds.js put in the iframe, and
the page's Content-Security-Policy lets frames load from that provider's origin alone
(app.py builds it from the origins the page shows, see `frame_origin`).

`recognise(url)` turns what an editor pasted into an `Embed` (provider, canonical address,
iframe address, frame origin) or raises EmbedRefused with a French message that names the
providers Gazette accepts. Every provider parses strictly: https only, the exact hosts
the provider serves (a lookalike such as youtube.com.evil.example, or a homograph in
another script, is not YouTube), identifiers checked against their documented alphabet,
and the iframe address rebuilt from those identifiers alone, never from the pasted path.

Iframe addresses, as the providers document or serve them (checked in November 2026):
- YouTube: https://www.youtube-nocookie.com/embed/<11-character id> (privacy-enhanced
  mode: no cookie until the reader plays). Ids are [A-Za-z0-9_-]{11}. YouTube's player now
  refuses to play without a Referer, hence referrerpolicy strict-origin (our origin, never
  the article's path). Sources: developers.google.com/youtube/player_parameters;
  support.google.com/youtube/answer/171780 ("privacy-enhanced mode").
- Vimeo: https://player.vimeo.com/video/<id>?dnt=1, plus h=<hash> for unlisted videos
  (vimeo.com/<id>/<hash>). dnt=1 blocks Vimeo's session tracking and cookies. Sources:
  Vimeo's player parameters ("dnt"), amp.dev amp-vimeo ("do-not-track"), and Drupal's
  video_embed_field merge request 113 (hash for unlisted videos).
- Dailymotion: https://geo.dailymotion.com/player.html?video=<id>, the iframe player
  (developers.dailymotion.com/docs/iframe-web). Dailymotion announced in September 2026
  that embeds may need a player id of the newsroom's own account
  (developers.dailymotion.com/changelog/api-player-id-required-in-embed-urls); without
  one the player may answer 403, in which case readers still have the link.
- X / Twitter: https://platform.twitter.com/embed/Tweet.html?id=<id>&dnt=true, the frame
  Twitter's widgets.js creates (dnt: no personalisation from the embed).
- Bluesky: https://embed.bsky.app/embed/<did or handle>/app.bsky.feed.post/<rkey>, the
  frame embed.bsky.app/static/embed.js creates from an at:// URI (bluesky-social/social-app,
  bskyembed/snippet/embed.ts); the frame reads the AT URI from its path, and Bluesky's
  AppView resolves a handle in it to its DID (hydrator.resolveUri in
  bluesky-social/atproto), so the handle in a bsky.app address is enough.
- Mastodon: https://<instance>/@<user>/<id>/embed, each instance serving its own posts.
- Instagram: https://www.instagram.com/p/<shortcode>/embed/ (and /reel/<shortcode>/embed/).
- TikTok: https://www.tiktok.com/embed/v2/<video id> (amp.dev's amp-tiktok uses the same
  frame).
- SoundCloud: https://w.soundcloud.com/player/?url=<the track's address, encoded>, the
  widget (developers.soundcloud.com/docs/api/html5-widget).
- PDF: the document's own https address, framed from its origin. Chrome runs its PDF
  viewer as a plugin, which no sandboxed frame may load whatever the tokens
  (crbug.com/413851; whatwg/html#3958), so a PDF frame has no sandbox attribute: it is
  still cross-origin, and the page's CSP still limits frames to that one origin.

No frame can be this site itself, even for an open-host provider given the site's own
address: every response of the site says `frame-ancestors 'none'` (app.py).

This module works without a request; its messages are translated with flask_babel.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qs, quote, urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# The longest address accepted, in characters: real embed addresses are well under 300.
URL_MAX = 2_000
# Sandbox tokens. Every provider's player runs scripts from its own origin (allow-scripts,
# allow-same-origin: the frame is cross-origin, so this gives it nothing of ours) and
# opens links to itself in a new tab (allow-popups, escaping the sandbox so the provider's
# page works there). No allow-top-navigation (a frame may not take the reader away), no
# allow-forms, no allow-modals.
SANDBOX_PLAYER = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"
SANDBOX_VIDEO = SANDBOX_PLAYER + " allow-presentation"  # casting to a screen
# An origin as it may appear in the CSP: https, a lower-case host name, nothing else.
ORIGIN = re.compile(
    r"https://(?=[a-z0-9.-]{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}[a-z0-9]"
)


class EmbedRefused(ValueError):
    """An address Gazette does not embed; str() is the French message for the editor."""


@dataclass(frozen=True)
class Provider:
    """One site whose content Gazette embeds.

    `key` is stored in the block's data; `name` is the provider's own name (a brand,
    not translated); `kind` is what readers are told it is ("Vidéo", "Publication"…);
    `shape` sizes the frame: "video" (16:9), "post" (a fixed height), "audio", "document".
    `hosts` are the exact hosts whose addresses are this provider's; an empty set means
    any host (Mastodon instances, PDF documents), tried after every named host.
    `parse(parts)` returns (canonical address, iframe address) or None for an address of
    the provider's that is not one it can embed. `sandbox` is the iframe's sandbox
    tokens, None for no sandbox attribute (PDF); `allow` its permissions (allow=).
    """

    key: str
    name: str
    kind: object
    shape: str
    hosts: frozenset[str]
    parse: Callable[[SplitResult], tuple[str, str] | None]
    hint: object  # the address forms accepted, for the refusal message
    sandbox: str | None = SANDBOX_PLAYER
    allow: str = ""
    referrer_policy: str = "strict-origin"


@dataclass(frozen=True)
class Embed:
    """An address recognised as a provider's: what the block stores and the facade shows."""

    provider: Provider
    url: str  # canonical address: the fallback link readers get
    embed_url: str  # the iframe's src, rebuilt from validated identifiers

    @property
    def host(self) -> str:
        """The host of `url`: who serves it, shown for providers on any host (Mastodon, PDF)."""
        return urlsplit(self.url).hostname or ""

    @property
    def frame_origin(self) -> str:
        """The iframe's origin ("https://www.youtube-nocookie.com"), for the CSP's frame-src."""
        parts = urlsplit(self.embed_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def site(self) -> str:
        """Who serves it, as readers are told: "YouTube", or "mastodon.social" for open hosts."""
        return self.provider.name if self.provider.hosts else self.host

    @property
    def kind_label(self) -> str:
        """ "Vidéo YouTube", "Publication Mastodon", "Document PDF": what it is."""
        return f"{self.provider.kind} {self.provider.name}"

    @property
    def label(self) -> str:
        """ "Vidéo YouTube", "Publication Mastodon (mastodon.social)": the default title."""
        return self.kind_label if self.provider.hosts else f"{self.kind_label} ({self.host})"

    def block_data(self, title: str = "", caption: str = "") -> dict:
        """The block's data: {provider, url, embed_url, frame_origin, title, caption}.

        `title` and `caption` are plain text the form has already cleaned; an empty title
        means "use the label".
        """
        return {
            "provider": self.provider.key,
            "url": self.url,
            "embed_url": self.embed_url,
            "frame_origin": self.frame_origin,
            "title": title,
            "caption": caption,
        }


# --------------------------------------------------------------------------- identifiers

YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
VIMEO_ID = re.compile(r"[0-9]{1,12}")
VIMEO_HASH = re.compile(r"[0-9a-f]{6,20}")
# Dailymotion ids: "x" then base-36 ("x8abc12"); old addresses append "_the-title".
DAILYMOTION_ID = re.compile(r"x[a-z0-9]{2,14}")
TWEET_ID = re.compile(r"[0-9]{1,20}")
TWITTER_USER = re.compile(r"[A-Za-z0-9_]{1,15}")
# Bluesky: a handle is a domain name; a DID is did:plc:<24 base32> or did:web:<domain>;
# a post's record key is a TID (13 base32-sortable characters).
HANDLE = re.compile(
    r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
)
DID = re.compile(r"did:plc:[a-z2-7]{24}|did:web:" + HANDLE.pattern)
BLUESKY_RKEY = re.compile(r"[2-7a-z]{13}")
MASTODON_USER = re.compile(r"[A-Za-z0-9_]{1,30}")
MASTODON_ID = re.compile(r"[0-9]{1,20}")
INSTAGRAM_CODE = re.compile(r"[A-Za-z0-9_-]{5,48}")
TIKTOK_USER = re.compile(r"[A-Za-z0-9_.]{1,32}")
TIKTOK_ID = re.compile(r"[0-9]{8,24}")
SOUNDCLOUD_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")
# A profile's own pages on SoundCloud, which are not tracks: soundcloud.com/<user>/likes.
SOUNDCLOUD_PAGES = frozenset(
    {"likes", "followers", "following", "reposts", "tracks", "albums", "sets",
     "popular-tracks", "comments", "spotlight", "toptracks"}
)  # fmt: skip
# SoundCloud's own pages, which are not people: soundcloud.com/discover/…
SOUNDCLOUD_SITE = frozenset(
    {"discover", "search", "stream", "you", "charts", "upload", "settings", "messages",
     "notifications", "pages", "people", "tags", "terms-of-use", "mobile", "jobs", "pro"}
)  # fmt: skip
# A path of a PDF's address: RFC 3986 path characters but the apostrophe (encoded first),
# percent-escapes well formed.
PDF_PATH = re.compile(r"(?:/(?:[A-Za-z0-9._~!$&()*+,;=:@-]|%[0-9A-Fa-f]{2})*)+\.pdf", re.IGNORECASE)


def _segments(parts: SplitResult) -> list[str]:
    """The path's segments, a trailing slash ignored: "/p/abc/" → ["p", "abc"]."""
    path = parts.path[:-1] if parts.path.endswith("/") else parts.path
    return path.split("/")[1:] if path else []


def _query(parts: SplitResult) -> dict[str, list[str]]:
    try:
        return parse_qs(parts.query, keep_blank_values=True, max_num_fields=50)
    except ValueError:  # more fields than any real address has
        return {}


def _only(values: list[str] | None) -> str:
    return values[0] if values and len(values) == 1 else ""


def _matches(pattern: re.Pattern, value: str) -> bool:
    return bool(pattern.fullmatch(value))


# --------------------------------------------------------------------------- providers

# "t=90", "t=90s", "t=1m30s", "t=1h2m3s": where a YouTube link starts, in seconds.
_YOUTUBE_TIME = re.compile(r"(?:(\d{1,2})h)?(?:(\d{1,4})m)?(?:(\d{1,6})s?)?")


def _youtube_start(parts: SplitResult) -> int:
    query = _query(parts)
    match = _YOUTUBE_TIME.fullmatch(_only(query.get("t") or query.get("start")))
    if not match or not any(match.groups()):
        return 0
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def parse_youtube(parts: SplitResult) -> tuple[str, str] | None:
    """youtube.com/watch?v=ID, youtu.be/ID, /shorts/ID, /embed/ID, /live/ID (t= kept)."""
    segments = _segments(parts)
    if parts.hostname == "youtu.be":
        video = segments[0] if len(segments) == 1 else ""
    elif segments == ["watch"]:
        video = _only(_query(parts).get("v"))
    elif len(segments) == 2 and segments[0] in ("shorts", "embed", "live", "v"):
        video = segments[1]
    else:
        return None
    if not _matches(YOUTUBE_ID, video):
        return None
    start = _youtube_start(parts)
    suffix = f"?start={start}" if start else ""
    canonical = f"https://www.youtube.com/watch?v={video}" + (f"&t={start}s" if start else "")
    return canonical, f"https://www.youtube-nocookie.com/embed/{video}{suffix}"


def parse_vimeo(parts: SplitResult) -> tuple[str, str] | None:
    """vimeo.com/ID, vimeo.com/ID/HASH (unlisted), /channels/NAME/ID, /groups/NAME/videos/ID,
    player.vimeo.com/video/ID?h=HASH."""
    segments = _segments(parts)
    video, secret = "", ""
    if parts.hostname == "player.vimeo.com":
        if len(segments) == 2 and segments[0] == "video":
            video, secret = segments[1], _only(_query(parts).get("h"))
    elif len(segments) in (1, 2) and _matches(VIMEO_ID, segments[0]):
        video, secret = segments[0], segments[1] if len(segments) == 2 else ""
    elif len(segments) == 3 and segments[0] == "channels":
        video = segments[2]
    elif len(segments) == 4 and segments[0] == "groups" and segments[2] == "videos":
        video = segments[3]
    if not _matches(VIMEO_ID, video) or (secret and not _matches(VIMEO_HASH, secret)):
        return None
    canonical = f"https://vimeo.com/{video}" + (f"/{secret}" if secret else "")
    frame = f"https://player.vimeo.com/video/{video}?dnt=1" + (f"&h={secret}" if secret else "")
    return canonical, frame


def parse_dailymotion(parts: SplitResult) -> tuple[str, str] | None:
    """dailymotion.com/video/ID (old addresses: ID_the-title), dai.ly/ID,
    geo.dailymotion.com/player.html?video=ID, dailymotion.com/embed/video/ID."""
    segments = _segments(parts)
    if parts.hostname == "dai.ly":
        video = segments[0] if len(segments) == 1 else ""
    elif parts.hostname == "geo.dailymotion.com":
        video = _only(_query(parts).get("video")) if segments == ["player.html"] else ""
    elif len(segments) == 2 and segments[0] == "video":
        video = segments[1].split("_", 1)[0]
    elif len(segments) == 3 and segments[:2] == ["embed", "video"]:
        video = segments[2]
    else:
        return None
    if not _matches(DAILYMOTION_ID, video):
        return None
    return (
        f"https://www.dailymotion.com/video/{video}",
        f"https://geo.dailymotion.com/player.html?video={video}",
    )


def parse_twitter(parts: SplitResult) -> tuple[str, str] | None:
    """x.com or twitter.com /USER/status/ID (also /statuses/, /i/status/, /i/web/status/)."""
    segments = _segments(parts)
    if segments[:1] == ["i"] and segments[1:-1] in (["status"], ["web", "status"]):
        user, tweet = "i", segments[-1]  # an address that names no account
    elif len(segments) == 3 and segments[1] in ("status", "statuses"):
        user, tweet = segments[0], segments[2]
        if not _matches(TWITTER_USER, user):
            return None
    else:
        return None
    if not _matches(TWEET_ID, tweet):
        return None
    return (
        f"https://x.com/{user}/status/{tweet}",
        f"https://platform.twitter.com/embed/Tweet.html?id={tweet}&dnt=true",
    )


def parse_bluesky(parts: SplitResult) -> tuple[str, str] | None:
    """bsky.app/profile/HANDLE-or-DID/post/RKEY."""
    segments = _segments(parts)
    if len(segments) != 4 or segments[0] != "profile" or segments[2] != "post":
        return None
    actor, rkey = segments[1], segments[3]
    if not actor.startswith("did:"):
        actor = actor.lower()  # handles are domain names: case does not matter
    if not (_matches(HANDLE, actor) or _matches(DID, actor)) or not _matches(BLUESKY_RKEY, rkey):
        return None
    return (
        f"https://bsky.app/profile/{actor}/post/{rkey}",
        f"https://embed.bsky.app/embed/{actor}/app.bsky.feed.post/{rkey}",
    )


def parse_mastodon(parts: SplitResult) -> tuple[str, str] | None:
    """Any instance: https://INSTANCE/@USER/ID (or /users/USER/statuses/ID)."""
    segments = _segments(parts)
    if len(segments) == 2 and segments[0].startswith("@"):
        user, post = segments[0][1:], segments[1]
    elif len(segments) == 4 and segments[0] == "users" and segments[2] == "statuses":
        user, post = segments[1], segments[3]
    else:
        return None
    if not _matches(MASTODON_USER, user) or not _matches(MASTODON_ID, post):
        return None
    canonical = f"https://{parts.hostname}/@{user}/{post}"
    return canonical, f"{canonical}/embed"


def parse_instagram(parts: SplitResult) -> tuple[str, str] | None:
    """instagram.com/p/CODE/, /reel/CODE/ (also /reels/, /tv/, and USER/p/CODE/)."""
    segments = _segments(parts)
    if len(segments) == 3 and segments[1] in ("p", "reel"):
        segments = segments[1:]  # instagram.com/<user>/p/<code>/: the user is not needed
    if len(segments) != 2 or segments[0] not in ("p", "reel", "reels", "tv"):
        return None
    kind = "reel" if segments[0] in ("reel", "reels") else "p"
    code = segments[1]
    if not _matches(INSTAGRAM_CODE, code):
        return None
    canonical = f"https://www.instagram.com/{kind}/{code}/"
    return canonical, f"{canonical}embed/"


def parse_tiktok(parts: SplitResult) -> tuple[str, str] | None:
    """tiktok.com/@USER/video/ID (short vm.tiktok.com links name no video: refused)."""
    segments = _segments(parts)
    if len(segments) != 3 or not segments[0].startswith("@") or segments[1] != "video":
        return None
    user, video = segments[0][1:], segments[2]
    if not _matches(TIKTOK_USER, user) or not _matches(TIKTOK_ID, video):
        return None
    return (
        f"https://www.tiktok.com/@{user}/video/{video}",
        f"https://www.tiktok.com/embed/v2/{video}",
    )


def parse_soundcloud(parts: SplitResult) -> tuple[str, str] | None:
    """soundcloud.com/USER/TRACK or soundcloud.com/USER/sets/PLAYLIST."""
    segments = _segments(parts)
    if segments[:1] and segments[0] in SOUNDCLOUD_SITE:
        return None
    if len(segments) == 3 and segments[1] == "sets":
        names = [segments[0], segments[2]]
    elif len(segments) == 2 and segments[1] not in SOUNDCLOUD_PAGES:
        names = segments
    else:
        return None
    if not all(_matches(SOUNDCLOUD_NAME, name) for name in names):
        return None
    canonical = "https://soundcloud.com/" + "/".join(segments)
    return canonical, "https://w.soundcloud.com/player/?url=" + quote(canonical, safe="")


def parse_pdf(parts: SplitResult) -> tuple[str, str] | None:
    """Any host: an https address whose path ends in .pdf, with no query or fragment."""
    # Letters such as "é" and the apostrophe of "l'étude.pdf", percent-encoded.
    path = quote(parts.path, safe="/%:@!$&()*+,;=~")
    if parts.query or parts.fragment or not PDF_PATH.fullmatch(path):
        return None
    if any(segment in (".", "..") for segment in path.split("/")):
        return None
    canonical = f"https://{parts.hostname}{path}"
    return canonical, canonical


VIDEO_ALLOW = "encrypted-media; fullscreen; picture-in-picture"

PROVIDERS: tuple[Provider, ...] = (
    Provider("youtube", "YouTube", _l("Vidéo"), "video",
             frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be",
                        "youtube-nocookie.com", "www.youtube-nocookie.com"}),
             parse_youtube, "youtube.com/watch?v=…, youtu.be/…, youtube.com/shorts/…",
             SANDBOX_VIDEO, VIDEO_ALLOW),
    Provider("vimeo", "Vimeo", _l("Vidéo"), "video",
             frozenset({"vimeo.com", "www.vimeo.com", "player.vimeo.com"}),
             parse_vimeo, "vimeo.com/123456789", SANDBOX_VIDEO, VIDEO_ALLOW),
    Provider("dailymotion", "Dailymotion", _l("Vidéo"), "video",
             frozenset({"dailymotion.com", "www.dailymotion.com", "dai.ly",
                        "geo.dailymotion.com"}),
             parse_dailymotion, "dailymotion.com/video/x…, dai.ly/x…",
             SANDBOX_VIDEO, VIDEO_ALLOW),
    Provider("x", "X", _l("Publication"), "post",
             frozenset({"x.com", "www.x.com", "mobile.x.com", "twitter.com",
                        "www.twitter.com", "mobile.twitter.com"}),
             parse_twitter, "x.com/…/status/…, twitter.com/…/status/…"),
    Provider("bluesky", "Bluesky", _l("Publication"), "post", frozenset({"bsky.app"}),
             parse_bluesky, "bsky.app/profile/…/post/…"),
    Provider("instagram", "Instagram", _l("Publication"), "post",
             frozenset({"instagram.com", "www.instagram.com"}),
             parse_instagram, "instagram.com/p/…, instagram.com/reel/…"),
    Provider("tiktok", "TikTok", _l("Vidéo"), "post",
             frozenset({"tiktok.com", "www.tiktok.com", "m.tiktok.com"}),
             parse_tiktok, "tiktok.com/@…/video/…", allow="encrypted-media; fullscreen"),
    Provider("soundcloud", "SoundCloud", _l("Son"), "audio",
             frozenset({"soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"}),
             parse_soundcloud, "soundcloud.com/…/…"),
    # Open hosts, tried in this order after every named host.
    Provider("mastodon", "Mastodon", _l("Publication"), "post", frozenset(),
             parse_mastodon, "<instance>/@…/…"),
    Provider("pdf", "PDF", _l("Document"), "document", frozenset(),
             parse_pdf, "https://…/document.pdf", sandbox=None),
)  # fmt: skip

PROVIDERS_BY_KEY = {provider.key: provider for provider in PROVIDERS}
PROVIDERS_BY_HOST = {host: provider for provider in PROVIDERS for host in provider.hosts}
OPEN_HOST_PROVIDERS = tuple(provider for provider in PROVIDERS if not provider.hosts)
# Names of the named providers: a host that holds one as whole labels, other than the
# provider's own hosts ("youtube.com.evil.example", "anything.youtube.com"), dresses up
# as that provider, or is one of its pages we do not know: refused outright.
_NAMED_DOMAINS = tuple(sorted({host.removeprefix("www.") for host in PROVIDERS_BY_HOST}))


# --------------------------------------------------------------------------- recognising


def accepted_providers() -> str:
    """ "YouTube, Vimeo, …, SoundCloud, Mastodon ou un document PDF": for messages and hints."""
    names = [provider.name for provider in PROVIDERS if provider.key != "pdf"]
    names[names.index("X")] = "X (Twitter)"
    return _("%(names)s ou un document PDF", names=", ".join(names))


def refusal(reason: str) -> EmbedRefused:
    """The refusal: why, then what Gazette accepts."""
    return EmbedRefused(
        _(
            "%(reason)s Gazette intègre les contenus de %(providers)s.",
            reason=reason,
            providers=accepted_providers(),
        )
    )


# Characters that never belong in an address pasted from a browser: spaces, controls,
# backslashes (browsers read "\" as "/", a classic way round host checks), quotes, <>.
_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f\\\"<>`{}|^]")


def recognise(raw: str) -> Embed:
    """The embed an address designates, or EmbedRefused (its str() is the French reason).

    `raw` is what the editor pasted (surrounding spaces are ignored). Accepted: an https
    address of one of PROVIDERS, at most URL_MAX characters, with no user name, password
    or port other than 443, whose host is spelled in ASCII (a host in another script,
    IDN homographs included, is refused; a punycode host "xn--…" is an ordinary host).
    Raises EmbedRefused for anything else, including http:, javascript:, data: and
    protocol-relative addresses.
    """
    url = (raw or "").strip()
    if not url:
        raise refusal(_("Collez l’adresse du contenu à intégrer."))
    if len(url) > URL_MAX:
        raise refusal(
            _("Cette adresse est trop longue (%(max)d caractères au maximum).", max=URL_MAX)
        )
    if _NOT_IN_URL.search(url):
        raise refusal(_("Cette adresse contient des espaces ou des caractères interdits."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise refusal(_("Cette adresse est mal formée.")) from None
    if parts.scheme.lower() != "https" or not url.lower().startswith("https://"):
        raise refusal(_("L’adresse doit commencer par https://."))
    host = parts.hostname or ""
    if parts.username is not None or parts.password is not None or port not in (None, 443):
        raise refusal(_("Cette adresse ne peut contenir ni identifiant ni port."))
    if not host.isascii():
        raise refusal(
            _("Le nom du site doit être écrit en caractères latins (ou sous sa forme xn--…).")
        )
    parts = parts._replace(netloc=host)  # lower case, no port: what the parsers build on
    provider = PROVIDERS_BY_HOST.get(host)
    if provider is not None:
        found = provider.parse(parts)
        if found is None:
            raise refusal(
                _(
                    "Cette adresse %(provider)s ne désigne pas un contenu intégrable (%(forms)s).",
                    provider=provider.name,
                    forms=provider.hint,
                )
            )
        return Embed(provider, *found)
    if not _matches(ORIGIN, f"https://{host}") or re.fullmatch(r"[0-9.]+", host):
        raise refusal(_("Le nom du site est mal formé."))
    if any(f".{domain}." in f".{host}." for domain in _NAMED_DOMAINS):
        raise refusal(_("« %(host)s » n’est pas un site que Gazette connaît.", host=host))
    for provider in OPEN_HOST_PROVIDERS:
        found = provider.parse(parts)
        if found is not None:
            return Embed(provider, *found)
    raise refusal(_("Adresse non reconnue."))


def from_block_data(data: dict | None) -> Embed | None:
    """The embed a stored block shows, recognised again from its address with today's rules.

    The iframe address, origin and sandbox come from this, never from the stored copies:
    a stored block cannot frame anything the rules would not accept now. None when the
    address is no longer accepted (readers then get the link alone, if it is https).
    """
    try:
        return recognise(str((data or {}).get("url", "")))
    except EmbedRefused:
        return None


def frame_origins_allowed(origins: Iterable[str]) -> list[str]:
    """The distinct origins, sorted, that may go into a CSP's frame-src: each is "https://"
    and a lower-case host name (ORIGIN), so no value can add a source or a directive."""
    return sorted({origin for origin in origins if _matches(ORIGIN, origin)})
