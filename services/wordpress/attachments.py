"""The images an imported WordPress site's posts use: fetched once, stored like uploads.

Each image comes from its URL over HTTP(S) (with a timeout and a size cap) or, with
`--media-from DIR`, from a copy of the old site's wp-content/uploads folder: the part of
the URL after "/wp-content/uploads/" is read under DIR, and a path leading outside DIR is
refused. Its bytes then go through the upload pipeline (services/images.store: checks,
upright, sRGB, re-encoding; services/media.make_crops), exactly as an editor's upload.

As services/media.store_upload(commit=False), nothing is committed here: the import commits once
at its end (or rolls back), and `written` lists every file stored so that a failed or
dry run removes them.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from models import db
from models.imports import WordPressOrigin
from models.media import ALT_MAX, Media
from services import images
from services import media as media_service
from services.typography import byte_size

UPLOADS_MARKER = "/wp-content/uploads/"
# WordPress's resized copies: "photo-1024x768.jpg" is a size of attachment "photo.jpg".
_SIZE_SUFFIX = re.compile(r"-\d{1,5}x\d{1,5}(?=\.[A-Za-z0-9]+$)")
FETCH_TIMEOUT_SECONDS = 15
USER_AGENT = "Gazette-import-WordPress/1.0"


class ImageUnavailable(Exception):
    """An image that could not be had; the message (French) says why, for the report."""


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) addresses only (urllib would also follow ftp://)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise ImageUnavailable("redirigée vers une adresse ni http ni https")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_HttpOnlyRedirects)


@dataclass
class ImageResult:
    """What an image reference became: a Media, or the reason it could not be had."""

    media: Media | None
    failure: str = ""


@dataclass
class AttachmentStore:
    """Resolves the images of one import run: each URL fetched at most once per run, and
    not again on a later run (WordPressOrigin kind "attachment" by attachment id, or
    "image_url" by a hash of the URL for images no attachment describes).

    `attachments` is {attachment id: (file URL, alt text, caption)} from the export
    (plain text); `folder` is MEDIA_ROOT (made when the first image is stored; removed
    again by remove_written if this run made it and it is left empty); `media_from` the local copy of wp-content/uploads, or None; `max_bytes`
    the size cap (the upload limit). Counts for the report: fetched, reused, failed
    (with `failures`: [(URL, reason)]).
    """

    site: str
    attachments: dict[int, tuple[str, str, str]]
    folder: Path
    media_from: Path | None = None
    max_bytes: int = 10 * 1024 * 1024
    fetched: int = 0
    reused: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    _by_url: dict[str, ImageResult] = field(default_factory=dict)
    _known: dict[str, dict[int, int]] = field(default_factory=dict)
    _url_ids: dict[str, int] = field(default_factory=dict)
    _folder_existed: bool = True

    def __post_init__(self):
        self._folder_existed = self.folder.exists()
        self._known = {
            kind: WordPressOrigin.known(self.site, kind) for kind in ("attachment", "image_url")
        }
        for wp_id, (url, *_words) in self.attachments.items():
            if url:
                self._url_ids.setdefault(url, wp_id)

    @property
    def failed(self) -> int:
        return len(self.failures)

    def attachment_id_for(self, url: str) -> int | None:
        """The attachment a body's image URL shows: its own file, or a resized copy of it."""
        if url in self._url_ids:
            return self._url_ids[url]
        return self._url_ids.get(_SIZE_SUFFIX.sub("", url))

    def alt_of(self, attachment_id: int | None) -> str:
        """The attachment's alt text (postmeta _wp_attachment_image_alt), or ""."""
        return self.attachments.get(attachment_id, ("", "", ""))[1] if attachment_id else ""

    def caption_of(self, attachment_id: int | None) -> str:
        """The attachment's caption (its excerpt:encoded, WordPress's post_excerpt), or ""."""
        return self.attachments.get(attachment_id, ("", "", ""))[2] if attachment_id else ""

    def resolve(self, url: str, attachment_id: int | None) -> tuple[ImageResult, str]:
        """(result, the URL it stands for) of an image named by URL, attachment id, or both.

        The attachment's own file is preferred to a resized copy. Never raises: a failure
        is in the result (and counted once per URL).
        """
        if attachment_id is None and url:
            attachment_id = self.attachment_id_for(url)
        if attachment_id is not None and attachment_id in self.attachments:
            url = self.attachments[attachment_id][0] or url
        if not url:
            key = f"pièce jointe n° {attachment_id}"
            if key in self._by_url:
                return self._by_url[key], ""
            return self._remember(key, None, "absente de l’export"), ""
        if url in self._by_url:
            return self._by_url[url], url
        kind, key = (
            ("attachment", attachment_id)
            if attachment_id is not None
            else ("image_url", _url_key(url))
        )
        media_id = self._known[kind].get(key)
        media = db.session.get(Media, media_id) if media_id is not None else None
        if media is not None:
            self.reused += 1
            return self._remember(url, media), url
        try:
            data = self._read(url)
            media = self._store(data, self.alt_of(attachment_id))
        except ImageUnavailable as error:
            return self._remember(url, None, str(error)), url
        except images.ImageRejected as error:
            return self._remember(url, None, _rejection(error)), url
        self.fetched += 1
        origin = db.session.scalar(
            db.select(WordPressOrigin).filter_by(site=self.site, kind=kind, wp_id=key)
        )
        if origin is None:
            db.session.add(
                WordPressOrigin(site=self.site, kind=kind, wp_id=key, object_id=media.id)
            )
        else:
            origin.object_id = media.id
        self._known[kind][key] = media.id
        return self._remember(url, media), url

    def _remember(self, url: str, media: Media | None, failure: str = "") -> ImageResult:
        result = ImageResult(media, failure)
        if media is None:
            self.failures.append((url, failure))
        self._by_url[url] = result
        return result

    def _read(self, url: str) -> bytes:
        path = urlsplit(url).path
        if self.media_from is not None and UPLOADS_MARKER in path:
            return self._read_local(unquote(path.split(UPLOADS_MARKER, 1)[1]))
        return self._fetch(url)

    def _read_local(self, relative: str) -> bytes:
        root = self.media_from.resolve()
        target = (root / relative).resolve()
        if not target.is_relative_to(root):
            raise ImageUnavailable("chemin hors du dossier --media-from, refusé")
        try:
            size = target.stat().st_size
            if size > self.max_bytes:
                raise ImageUnavailable(f"fichier trop lourd (plus de {byte_size(self.max_bytes)})")
            return target.read_bytes()
        except FileNotFoundError:
            raise ImageUnavailable("absente du dossier --media-from") from None
        except OSError:
            raise ImageUnavailable("illisible dans le dossier --media-from") from None

    def _fetch(self, url: str) -> bytes:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ImageUnavailable("adresse ni http ni https")
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with _OPENER.open(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
                data = response.read(self.max_bytes + 1)
        except urllib.error.HTTPError as error:
            raise ImageUnavailable(f"le serveur répond {error.code}") from None
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise ImageUnavailable(fetch_failure(error)) from None
        if len(data) > self.max_bytes:
            raise ImageUnavailable(f"fichier trop lourd (plus de {byte_size(self.max_bytes)})")
        return data

    def _store(self, data: bytes, alt: str) -> Media:
        """Stored like an upload, its Media row flushed, not committed (the run commits once)."""
        media = media_service.store_upload(data, self.folder, None, alt=alt[:ALT_MAX], commit=False)
        self.written += media_service.stored_names(media) + media_service.crop_names(media)
        return media

    def remove_written(self) -> None:
        """Delete every file this run stored (a dry run, or a failed one), and the media
        folder itself if this run made it and nothing else is in it."""
        media_service.remove_files(self.folder, self.written)
        self.written.clear()
        if not self._folder_existed:
            with contextlib.suppress(OSError):  # not empty, or already gone: leave it
                self.folder.rmdir()


def fetch_failure(error: BaseException) -> str:
    """The report's French reason for a download that failed below HTTP: "connexion
    refusée", "délai dépassé", "adresse inconnue" (DNS), else "téléchargement impossible".

    `error` is what urllib raised (a URLError wraps the socket error in .reason) or an
    OSError/ValueError from reading the response; the system's own text (errno, English)
    is never shown.
    """
    reason = getattr(error, "reason", error)
    if isinstance(reason, ConnectionRefusedError):
        return "connexion refusée"
    if isinstance(reason, TimeoutError):  # socket.timeout is TimeoutError since 3.10
        return "délai dépassé"
    if isinstance(reason, socket.gaierror):
        return "adresse inconnue"
    return "téléchargement impossible"


def _rejection(error: images.ImageRejected) -> str:
    """The upload pipeline's refusal, in the import's words where the upload's advice
    ("réduisez-la avant de l’envoyer") does not fit an image read from another site."""
    if str(error) == str(images.too_many_pixels()):
        megapixels = f"{images.MAX_PIXELS / 1_000_000:g}".replace(".", ",")
        return f"image trop grande (plus de {megapixels} mégapixels), non importée"
    return str(error)


def _url_key(url: str) -> int:
    """A stable 63-bit number for an image URL no attachment describes (WordPressOrigin.wp_id)."""
    return int.from_bytes(hashlib.sha256(url.encode()).digest()[:8], "big") >> 1


__all__ = ["AttachmentStore", "ImageResult", "ImageUnavailable", "fetch_failure"]
