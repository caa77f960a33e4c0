"""An article's whole body as feed readers get it: one HTML fragment, built in one place.

Feed readers show `content:encoded` (RSS) and `<content type="html">` (Atom) outside the
site: no stylesheet, no script, no relative link resolved against the page. So the body
is rebuilt here from the blocks, from the same stored (sanitised) HTML the reader's
partials print, in a feed mode:

- images with an absolute `src` and no `srcset`/`sizes` (readers pick the one `src`);
- an embed becomes a link to the original ("Voir sur youtube.com : titre"), never a frame;
- a pull quote is a `<blockquote>` with its attribution inside;
- the lead image opens the body (many readers ignore enclosures), and a sponsored
  article starts with "Contenu sponsorisé par …", as on the page;
- every link and image address is made absolute on SITE_URL, and `id`/`class`,
  `loading`, `decoding` and script or frame elements are dropped (belt and braces: the
  sanitiser already refuses scripts).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import lxml.html
from flask import current_app
from flask_babel import gettext as _
from markupsafe import escape

from models import Article
from models.content import BlockKind
from services.typography import typeset_html, typeset_text
from views.media import image_sources

# Attributes meaningful on the site only (layout, lazy loading, anchors of the page).
_DROPPED_ATTRIBUTES = ("srcset", "sizes", "loading", "decoding", "fetchpriority", "class", "id")
_DROPPED_ELEMENTS = ("script", "iframe", "object", "embed", "style", "noscript", "form")


def feed_body_html(article: Article) -> str:
    """The article's whole body as an HTML fragment for a feed (see the module's docstring).

    Returns a str of HTML with absolute URLs only; an article without blocks gives its
    lead image and sponsor line, or "". Characters XML forbids are not removed here:
    views/feeds.py passes every text value through xml_safe on its way to the generator.
    """
    pieces: list[str] = []
    if article.sponsor is not None:
        pieces.append(
            f"<p><em>{escape(_('Contenu sponsorisé par'))} {escape(article.sponsor.name)}</em></p>"
        )
    if article.lead_media is not None:
        pieces.append(
            _figure(
                image_sources(article.lead_media)["src"],
                article.lead_alt,
                article.lead_caption,
                article.lead_credit,
            )
        )
    pieces.extend(_block_html(block.kind, block.data or {}) for block in article.blocks)
    return _for_feed_readers("".join(pieces))


def _block_html(kind: str, data: dict) -> str:
    """One block's feed HTML; "" for a kind it does not know (a reader loses nothing)."""
    if kind == BlockKind.PARAGRAPH:
        return f"<p>{typeset_html(str(data.get('html', '')))}</p>"
    if kind == BlockKind.HEADING:
        level = 3 if data.get("level") == 3 else 2
        return f"<h{level}>{typeset_text(str(data.get('text', '')))}</h{level}>"
    if kind == BlockKind.LIST:
        tag = "ol" if data.get("ordered") else "ul"
        items = "".join(f"<li>{typeset_html(str(item))}</li>" for item in data.get("items", []))
        return f"<{tag}>{items}</{tag}>"
    if kind == BlockKind.QUOTE:
        attribution = str(data.get("attribution") or "")
        cite = f"<p>— {typeset_text(attribution)}</p>" if attribution else ""
        return f"<blockquote><p>{typeset_text(str(data.get('text', '')))}</p>{cite}</blockquote>"
    if kind == BlockKind.IMAGE:
        return _figure(
            str(data.get("src") or ""),
            str(data.get("alt") or ""),
            str(data.get("caption") or ""),
            str(data.get("credit") or ""),
        )
    if kind == BlockKind.EMBED:
        return _embed_link(data)
    return ""


def _figure(src: str, alt: str, caption: str, credit: str) -> str:
    """An image with its caption and credit; "" without a source."""
    if not src:
        return ""
    words = " ".join(str(typeset_text(w)) for w in (caption, credit) if w)
    figcaption = f"<figcaption>{words}</figcaption>" if words else ""
    return f'<figure><img src="{escape(src)}" alt="{escape(alt)}">{figcaption}</figure>'


def _embed_link(data: dict) -> str:
    """An embed as a link to the original (https only, like the page), with its caption."""
    url = data.get("url")
    caption = str(data.get("caption") or "")
    parts = []
    if isinstance(url, str) and url.startswith("https://"):
        site = urlsplit(url).hostname or url
        label = _("Voir sur %(site)s", site=site)
        if data.get("title"):
            label = f"{label} : {data['title']}"
        parts.append(f'<p><a href="{escape(url)}">{typeset_text(label)}</a></p>')
    if caption:
        parts.append(f"<p>{typeset_text(caption)}</p>")
    return "".join(parts)


def _for_feed_readers(html: str) -> str:
    """The fragment with absolute links and without site-only attributes or elements."""
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for element in list(root.iter(*_DROPPED_ELEMENTS)):
        element.drop_tree()
    for element in root.iter():
        for attribute in _DROPPED_ATTRIBUTES:
            element.attrib.pop(attribute, None)
    root.make_links_absolute(current_app.config["SITE_URL"] + "/", resolve_base_href=False)
    text = str(escape(root.text or ""))
    return text + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
