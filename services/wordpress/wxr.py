"""Reading a WordPress export (WXR 1.0, 1.1, 1.2), streamed, as typed records.

The format is what WordPress's Tools › Export writes (wp-admin/includes/export.php): an
RSS 2.0 document whose <channel> holds the site's base URL (wp:base_site_url), then
wp:author, wp:category, wp:tag (and wp:term) elements, then one <item> per post, page
or attachment, with its WordPress fields (wp:post_id, wp:status, wp:post_type,
wp:post_date_gmt…), its body (content:encoded), excerpt (excerpt:encoded), author login
(dc:creator), terms (<category domain="category|post_tag" nicename="…">) and metadata
(wp:postmeta: _thumbnail_id, _wp_attachment_image_alt…).

An export is untrusted input: it is parsed by defusedxml, which refuses a DTD, entity
declarations (the "billion laughs" expansion) and external entities, so a hostile file
costs nothing and reads nothing from the machine. It is read with iterparse and each
top-level element is dropped once its record is built, so memory stays flat whatever
the export's size. Every failure is one WxrError with a French message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

# Namespaces, by URI family: export.php writes the WXR version into the wp and excerpt URIs.
_WP = re.compile(r"^https?://wordpress\.org/export/1\.[0-2]/$")
_EXCERPT = re.compile(r"^https?://wordpress\.org/export/1\.[0-2]/excerpt/$")
_PREFIXES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
}
# "0000-00-00 00:00:00": WordPress's GMT date of a draft never published (and, after some
# plugins or imports, of published posts too).
_NO_DATE = "0000-00-00 00:00:00"


class WxrError(ValueError):
    """The file is not a WordPress export this importer can read; the message says why."""


@dataclass(frozen=True)
class Channel:
    """The exported site: its title, WXR version and base URL (the import's identity)."""

    title: str
    wxr_version: str
    base_site_url: str
    base_blog_url: str


@dataclass(frozen=True)
class Author:
    """wp:author. `login` is what items name in dc:creator."""

    wp_id: int
    login: str
    email: str
    display_name: str


@dataclass(frozen=True)
class Category:
    """wp:category. `parent_slug` is the parent's nicename ("" at the top)."""

    wp_id: int
    slug: str
    name: str
    parent_slug: str
    description: str


@dataclass(frozen=True)
class Tag:
    """wp:tag."""

    wp_id: int
    slug: str
    name: str


@dataclass(frozen=True)
class Item:
    """One <item>: a post, page, attachment, menu item… (`post_type` says which).

    `date_gmt` is naive UTC (wp:post_date_gmt), None when WordPress wrote
    "0000-00-00 00:00:00" there (drafts, and some published posts); `date_local` is
    wp:post_date, the site's wall-clock time (naive, no zone: WordPress's timezone
    setting is not in the export), None when absent or zero. `password` is
    wp:post_password: non-empty for a post readers may only see with a password.
    `categories` and `tags` are (nicename, name) pairs in the export's order.
    `thumbnail_id` is the featured image's attachment id (postmeta _thumbnail_id);
    `attachment_url` and `image_alt` are an attachment's file URL and alt text; an
    attachment's `excerpt` is its caption (WordPress keeps captions in post_excerpt).
    """

    wp_id: int
    post_type: str
    status: str
    title: str
    link: str
    post_name: str
    date_gmt: datetime | None
    creator: str
    content: str
    excerpt: str
    parent_id: int
    categories: tuple[tuple[str, str], ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    thumbnail_id: int | None = None
    attachment_url: str = ""
    image_alt: str = ""
    date_local: datetime | None = None
    password: str = ""


Record = Channel | Author | Category | Tag | Item


def read(path: Path | str) -> Iterator[Record]:
    """The export's records in file order: one Channel (once its header is read), then
    Author, Category, Tag and Item records as they come.

    Streams the file (memory independent of its size). Raises WxrError (French) for a
    file that cannot be opened, is not well-formed XML, declares a DTD or entities (a
    WXR never does: this refuses entity-expansion bombs and external entities), or is
    not a WordPress export (no <rss>, or no WordPress export namespace). The error may
    come after some records were yielded: callers must not keep partial work.
    """
    try:
        events = iterparse(str(path), events=("start", "end", "start-ns"), forbid_dtd=True)
        yield from _records(events)
    except WxrError:
        raise
    except DefusedXmlException:
        raise WxrError(
            "Ce fichier déclare une DTD ou des entités XML, ce qu’un export WordPress ne fait "
            "jamais : il est refusé sans être lu plus loin."
        ) from None
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        raise WxrError(
            f"Ce fichier n’est pas un XML valide (ligne {line}, colonne {column}) : "
            "l’export est peut-être incomplet ou endommagé."
        ) from None
    except FileNotFoundError:
        raise WxrError(f"Fichier introuvable : {path}.") from None
    except OSError:
        raise WxrError(f"Impossible de lire le fichier {path}.") from None


def _records(events) -> Iterator[Record]:
    wordpress_namespace = False
    channel: Element | None = None
    channel_fields: dict[str, str] = {}
    channel_sent = False
    depth = 0
    for event, payload in events:
        if event == "start-ns":
            wordpress_namespace = wordpress_namespace or bool(_WP.match(payload[1]))
            continue
        element = payload
        if event == "start":
            depth += 1
            if depth == 1 and (element.tag != "rss" or not wordpress_namespace):
                raise _not_wxr()
            if depth == 2 and element.tag == "channel":
                channel = element
            continue
        depth -= 1
        if depth != 2 or channel is None:  # only the channel's direct children are records
            continue
        name = _name(element.tag)
        if name in ("title", "wp:wxr_version", "wp:base_site_url", "wp:base_blog_url"):
            channel_fields[name] = _text(element)
        elif name in ("wp:author", "wp:category", "wp:tag", "item"):
            if not channel_sent:
                yield _channel(channel_fields)
                channel_sent = True
            record = _READERS[name](element)
            if record is not None:
                yield record
        channel.remove(element)  # done with it: memory stays flat
    if not channel_sent:
        if channel is None:
            raise _not_wxr()
        yield _channel(channel_fields)


def _not_wxr() -> WxrError:
    return WxrError(
        "Ce fichier n’est pas un export WordPress (WXR) : exportez le site depuis "
        "Outils › Exporter dans l’administration de WordPress."
    )


def _channel(fields: dict[str, str]) -> Channel:
    base = fields.get("wp:base_site_url", "").rstrip("/")
    return Channel(
        title=fields.get("title", ""),
        wxr_version=fields.get("wp:wxr_version", ""),
        base_site_url=base,
        base_blog_url=fields.get("wp:base_blog_url", "").rstrip("/") or base,
    )


def _name(tag: str) -> str:
    """ "{http://wordpress.org/export/1.2/}post_id" -> "wp:post_id", whatever the version."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    if _WP.match(uri):
        return f"wp:{local}"
    if _EXCERPT.match(uri):
        return f"excerpt:{local}"
    prefix = _PREFIXES.get(uri)
    return f"{prefix}:{local}" if prefix else f"{{{uri}}}{local}"


def _text(element: Element | None) -> str:
    return (element.text or "") if element is not None else ""


def _children(element: Element) -> dict[str, str]:
    """{prefixed name: text} of the element's children (the first of each name)."""
    values: dict[str, str] = {}
    for child in element:
        values.setdefault(_name(child.tag), _text(child))
    return values


def _int(value: str, default: int = 0) -> int:
    try:
        return int(value.strip())
    except (ValueError, AttributeError):
        return default


def _date(value: str) -> datetime | None:
    value = value.strip()
    if not value or value == _NO_DATE:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def _author(element: Element) -> Author:
    values = _children(element)
    return Author(
        wp_id=_int(values.get("wp:author_id", "")),
        login=values.get("wp:author_login", "").strip(),
        email=values.get("wp:author_email", "").strip(),
        display_name=values.get("wp:author_display_name", "").strip(),
    )


def _category(element: Element) -> Category:
    values = _children(element)
    return Category(
        wp_id=_int(values.get("wp:term_id", "")),
        slug=values.get("wp:category_nicename", "").strip(),
        name=values.get("wp:cat_name", "").strip(),
        parent_slug=values.get("wp:category_parent", "").strip(),
        description=values.get("wp:category_description", ""),
    )


def _tag(element: Element) -> Tag:
    values = _children(element)
    return Tag(
        wp_id=_int(values.get("wp:term_id", "")),
        slug=values.get("wp:tag_slug", "").strip(),
        name=values.get("wp:tag_name", "").strip(),
    )


def _item(element: Element) -> Item:
    values = _children(element)
    categories, tags, meta = [], [], {}
    for child in element:
        name = _name(child.tag)
        if name == "category":
            pair = (child.get("nicename", "").strip(), _text(child).strip())
            if child.get("domain") == "category":
                categories.append(pair)
            elif child.get("domain") == "post_tag":
                tags.append(pair)
        elif name == "wp:postmeta":
            pair = _children(child)
            meta.setdefault(pair.get("wp:meta_key", ""), pair.get("wp:meta_value", ""))
    thumbnail = _int(meta.get("_thumbnail_id", ""), 0)
    return Item(
        wp_id=_int(values.get("wp:post_id", "")),
        post_type=values.get("wp:post_type", "post").strip(),
        status=values.get("wp:status", "").strip(),
        title=values.get("title", ""),
        link=values.get("link", "").strip(),
        post_name=values.get("wp:post_name", "").strip(),
        date_gmt=_date(values.get("wp:post_date_gmt", "")),
        creator=values.get("dc:creator", "").strip(),
        content=values.get("content:encoded", ""),
        excerpt=values.get("excerpt:encoded", ""),
        parent_id=_int(values.get("wp:post_parent", "")),
        categories=tuple(categories),
        tags=tuple(tags),
        thumbnail_id=thumbnail or None,
        attachment_url=values.get("wp:attachment_url", "").strip(),
        image_alt=meta.get("_wp_attachment_image_alt", ""),
        date_local=_date(values.get("wp:post_date", "")),
        password=values.get("wp:post_password", ""),
    )


_READERS = {"wp:author": _author, "wp:category": _category, "wp:tag": _tag, "item": _item}

__all__ = ["read", "WxrError", "Channel", "Author", "Category", "Tag", "Item", "Record"]
