"""A WordPress post's body (post_content of a WXR export) as Gazette body blocks.

`convert_body(content)` reads both editors' formats and returns BodyPieces, each a
block of models.content.BlockKind with its data in the editor's own shape (image
pieces aside, see BodyPiece), plus what could not come along, counted by reason
(COUNT_LABELS) and told in French notes for the import's report:

- a post with block delimiters (`<!-- wp:` anywhere, WordPress's has_blocks()) is read
  with WordPress's block parser (services/wordpress/gutenberg.py); the text between
  blocks and classic (core/freeform) blocks are classic HTML, wpautop included, as the
  block editor reads them (its parser runs autop over freeform content);
- a classic post goes through WordPress's own pipeline (services/wordpress/classic.py):
  [embed] and the shortcodes we convert ([caption], [gallery]), autoembed (a URL alone
  on its line or in its paragraph), then wpautop; Gutenberg paragraphs and core/html get
  the same shortcodes and autoembed (WordPress runs them over all content), no wpautop;
- the resulting HTML is walked like a browser parses it (html5lib, as bleach vendors
  it): paragraphs, headings, lists, quotes, images and frames become blocks; inline
  text goes through services.richtext.clean_html, the one sanitiser, whose removals are
  counted ("removed_<category>") and summed up in a note; plain text (alt, captions,
  headings, quotes) through clean_html's "plain" kind; everything passes
  models.text.accept_text first (NFC, characters XML forbids).

What Gazette has no block for, decided here:
- separators (core/separator, core/spacer, <hr>): dropped and counted ("separator");
- "Lire la suite" and page breaks (<!--more-->, <!--nextpage-->, their blocks): dropped
  and counted ("more");
- layout containers (columns, group, cover, media & text…): their inner blocks taken in
  order, the layout dropped and counted ("layout_flattened");
- a list inside a list item: its items follow their parent's, counted ("nested_list");
- tables: their text kept, a row a line, through clean_paste ("table_as_text");
- code, preformatted text and verse: a paragraph keeping its line breaks ("preformatted");
- core/html: kept as blocks when it holds text and nothing dangerous (a script, an
  on… attribute, a javascript: link, a frame we do not embed, svg, style), else
  refused whole ("html_refused", with a note naming what it held);
- unknown blocks: their HTML read like any other (its paragraphs, headings, lists and
  images kept) and their inner blocks in order ("unknown_block", and a note naming the
  block); unknown shortcodes stay in the text as written ("unknown_shortcode");
- a link around an image: dropped, counted unless it leads to the image's own file or
  attachment page, as WordPress links them ("image_link");
- event handlers (on… attributes) of the elements read for their structure (p, li,
  figure, img…), which never reach the sanitiser whole: counted as scripts removed;
  their presentation attributes (class, style, id, width) are not content;
- an embed whose address services.embeds does not recognise: a paragraph linking to it
  ("embed_unrecognised");
- text over an editor's limit (see the *_MAX constants): split into several blocks,
  never cut ("too_long").

Empty paragraphs are dropped without a count. Entities are decoded once (the parser
reads "&nbsp;" as U+00A0, "&amp;amp;" as "&amp;"); quotes and French spacing are left as
written (typography is applied at display).

Pure: no database, no network, no request; flask_babel's messages of
services.embeds need no application context.
"""

from __future__ import annotations

import html
import re
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bleach._vendor import html5lib

from models.content import (
    HEADING_MAX,
    LIST_ITEM_MAX,
    PARAGRAPH_MAX,
    PLAIN_MAX,
    SHORT_MAX,
    STANDFIRST_MAX,
    BlockKind,
)
from models.media import ALT_MAX
from models.text import BLOCK_LEVEL, accept_text, to_plain_text
from services import embeds
from services.richtext import (
    CATEGORY_LABELS,
    DROPPED_WITH_CONTENT,
    MAX_INPUT_CHARS,
    MAX_START_TAGS,
    CleanResult,
    TooLongError,
    clean_html,
    clean_paste,
    drop_replaced_references,
    removal_message,
    split_at_breaks,
    split_list_item,
    split_paragraphs,
)
from services.wordpress import classic
from services.wordpress.gutenberg import ParsedBlock, has_blocks, parse_blocks

# Reasons a piece of the body was refused, dropped or kept as text, with their French
# labels for the import's report table. The sanitiser's own categories come as
# "removed_<category>" (services.richtext.CATEGORY_LABELS).
COUNT_LABELS: dict[str, str] = {
    "separator": "séparateurs et espacements supprimés (Gazette n’en a pas)",
    "more": "marques « Lire la suite » et sauts de page supprimés",
    "layout_flattened": "mises en page (colonnes, groupes…) aplaties",
    "nested_list": "listes imbriquées aplaties",
    "table_as_text": "tableaux gardés comme texte",
    "preformatted": "textes préformatés (code, poésie) gardés comme paragraphe",
    "html_kept": "blocs HTML gardés comme texte nettoyé",
    "html_refused": "blocs HTML refusés",
    "unknown_block": "blocs inconnus gardés comme texte",
    "reusable_block": "blocs réutilisables non importés",
    "unknown_shortcode": "codes courts inconnus gardés comme texte",
    "embed_unrecognised": "contenus intégrés non reconnus, gardés comme lien",
    "gallery_caption": "légendes de galerie gardées comme paragraphe",
    "gallery_without_ids": "galeries sans liste d’images non importées",
    "image_without_source": "images sans adresse supprimées",
    "image_bad_source": "images à l’adresse refusée supprimées",
    "image_link": "liens posés sur des images retirés (sauf vers l’image elle-même)",
    "too_long": "textes trop longs répartis sur plusieurs blocs",
    "too_deep": "blocs ou listes imbriqués trop profondément (ignorés, ou gardés comme texte)",
    "control_line_break": "caractères de contrôle U+000B/U+000C lus comme sauts de ligne",
    # "nettoyage du texte : scripts": the category's plural, without its count.
    **{
        f"removed_{category}": "nettoyage du texte : "
        + label(lambda one, many, n: many, 2).replace("%(num)d ", "")
        for category, label in CATEGORY_LABELS.items()
    },
}

# Blocks whose inner blocks are taken in order, and whose layout is dropped: counted
# once for the outer container (a column or a button is part of its row).
_LAYOUT_COUNTED = frozenset(
    {"core/columns", "core/group", "core/media-text", "core/row", "core/stack"}
)
_LAYOUT_SILENT = frozenset({"core/column", "core/buttons", "core/button"})
# Containers nested deeper than this are ignored (counted): hostile input can nest
# thousands of levels, and a real post nests a handful.
_MAX_BLOCK_DEPTH = 64
# Addresses quoted in a note are cut to this many characters (a report line stays a line).
_NOTE_URL_MAX = 120
_MAX_ELEMENT_DEPTH = 200

# Elements whose whole content the sanitiser drops, named in core/html refusals.
_DANGEROUS_ELEMENTS = {
    "script": "un <script>",
    "noscript": "un <noscript>",
    "template": "un <template>",
    "style": "un <style>",
    "link": "un <link>",
    "iframe": "un <iframe> d’un site non reconnu",
    "frame": "un <frame>",
    "frameset": "un <frameset>",
    "object": "un <object>",
    "embed": "un <embed>",
    "applet": "un <applet>",
    "portal": "un <portal>",
    "base": "un <base>",
    "meta": "un <meta>",
    "form": "un formulaire",
}
_DANGEROUS_SCHEMES = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)
_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "srcdoc")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip
_HEADINGS = {"h1": 2, "h2": 2, "h3": 3, "h4": 3, "h5": 3, "h6": 3}
_WP_IMAGE_CLASS = re.compile(r"\bwp-image-(\d{1,18})\b")
_ATTACHMENT_ID = re.compile(r"attachment_(\d{1,18})")
_IMAGE_SCHEMES = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# img_caption_shortcode(): the image (with its link) then the caption, in the content.
_CAPTION_CONTENT = re.compile(
    r"((?:<a [^>]+>\s*)?<img [^>]+>(?:\s*</a>)?)(.*)", re.IGNORECASE | re.DOTALL
)
_MORE = re.compile(r"<!--(?:more(?:\s.*?)?|nextpage)-->", re.DOTALL)
_SOURCE_NEWLINE = re.compile(r"[ \t]*[\r\n][ \t\r\n]*")
_CONVERTED_SHORTCODES = ("caption", "wp_caption", "gallery", "embed")


@dataclass(frozen=True)
class BodyPiece:
    """One block of the imported body.

    `kind` is a models.content.BlockKind value. `data` is that kind's data exactly as
    the editor builds it (views/editor/forms.py: paragraph {"html"}, heading {"text",
    "level"}, quote {"text", "attribution"}, list {"items", "ordered"}, embed
    services.embeds.Embed.block_data()), except images, which are not stored yet:
    {"source_url": the URL as written in the post (absolute, relative or "" when only
    the attachment id is known, as [gallery ids="…"] gives it: the loader resolves the id
    to the attachment's URL), "attachment_id": int | None, "alt", "caption" (plain
    text), "credit": ""}. The loader turns source_url into a stored Media.
    """

    kind: str
    data: dict


@dataclass
class ConvertedBody:
    """convert_body()'s answer: the pieces in reading order, counts by reason (keys of
    COUNT_LABELS) and French notes for the report, one line each."""

    pieces: list[BodyPiece] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


def convert_body(content: str) -> ConvertedBody:
    """A post's content (WXR's content:encoded) as Gazette blocks, and what was lost.

    Gutenberg posts are read with WordPress's block grammar, classic ones with its
    wpautop, shortcodes and autoembed (module docstring). Never raises on any text:
    input the sanitiser refuses as too long is split first; hostile nesting is bounded.
    """
    converter = _Converter()
    raw = content or ""
    line_breaks = raw.count("\x0b") + raw.count("\x0c")
    accepted = accept_text(raw)
    if line_breaks:
        converter.counts["control_line_break"] += line_breaks
    if accepted.removed:
        converter.counts["removed_invisible"] += len(accepted.removed)
        converter.removed["invisible"] += len(accepted.removed)
    # Before any parsing: html5lib would make "&#0;" a U+FFFD that no later step can tell
    # from a typed one.
    dropped: Counter[str] = Counter()
    text = drop_replaced_references(accepted.text, dropped)
    if dropped:
        converter.counts["removed_invisible"] += dropped["invisible"]
        converter.removed["invisible"] += dropped["invisible"]
    if has_blocks(text):
        for block in parse_blocks(text):
            converter.block(block, 0)
    else:
        converter.classic(text)
    return converter.result()


# --------------------------------------------------------------------------- the converter


class _Converter:
    def __init__(self, placeholder: str | None = None):
        self.pieces: list[BodyPiece] = []
        self.counts: Counter[str] = Counter()
        self.notes: list[str] = []
        self.removed: Counter[str] = Counter()  # the sanitiser's, for the summary note
        # Shortcodes and autoembeds are converted before wpautop and stand in its text as
        # an element only this call knows the name of (so a post cannot forge one).
        self.placeholder = placeholder or f"gz-piece-{secrets.token_hex(6)}"
        self.placed: dict[str, list[BodyPiece]] = {}

    def result(self) -> ConvertedBody:
        notes = self.notes
        if self.removed:
            message = removal_message(CleanResult("", tuple(self.removed.items())))
            if message:
                notes = [*notes, f"nettoyage du texte : {message[0].lower()}{message[1:]}"]
        return ConvertedBody(self.pieces, +self.counts, _tally(notes))

    def note(self, line: str) -> None:
        self.notes.append(line)

    # ----------------------------------------------------------------- adding pieces

    def add(self, kind: BlockKind, data: dict) -> None:
        self.pieces.append(BodyPiece(str(kind), data))

    def sanitise(self, raw: str, kind: str) -> str:
        """clean_html(raw, kind).html, its removals counted; too-long input split first."""
        try:
            result = clean_html(raw, kind)
        except TooLongError:
            return self._sanitise_in_parts(raw, kind)
        for category, count in result.removed:
            self.counts[f"removed_{category}"] += count
            self.removed[category] += count
        # A newline in a post's HTML is source layout (a browser shows a space; wpautop
        # already made <br> of those it meant): stored, the editor would read it as a
        # line break the next time the block is saved.
        return _SOURCE_NEWLINE.sub(" ", result.html).strip()

    def _sanitise_in_parts(self, raw: str, kind: str) -> str:
        """Input over the sanitiser's guards (MAX_INPUT_CHARS, MAX_START_TAGS), cleaned
        in runs of its top-level nodes; a node over the guards alone gives its text.
        Counted as "too_long"; the runs are joined by a blank line ("plain": a space)."""
        self.counts["too_long"] += 1
        root = self.parse(raw)
        parts: list[str] = []
        for element in [None, *root]:
            if element is not None:
                markup = _serialise(element)
                if _over_guards(markup):
                    parts += [html.escape(c, quote=False) for c in _chunks(_text_of(element), _RUN)]
                else:
                    parts.append(markup)
            text = root.text if element is None else element.tail
            parts += [html.escape(c, quote=False) for c in _chunks(text or "", _RUN)]
        runs, run = [], ""
        for part in parts:
            if run and _over_guards(run + part):
                runs.append(run)
                run = ""
            run += part
        runs.append(run)
        separator = " " if kind == "plain" else "<br><br>"
        return separator.join(filter(None, (self.sanitise(r, kind) for r in runs if r.strip())))

    def plain_html(self, fragment: str) -> str:
        """An HTML fragment's text (headings, captions, quotes): clean_html's "plain"."""
        # Spaces of the HTML source (and of unwrapped paragraphs) collapse, as on screen.
        return re.sub(r"[ \t]{2,}", " ", self.sanitise(fragment, "plain"))

    def plain_text(self, text: str) -> str:
        """A text (an attribute's value) as "plain": stored as clean_html leaves it."""
        return self.sanitise(html.escape(text or "", quote=False), "plain")

    def paragraphs(self, raw: str) -> None:
        """Inline HTML as paragraph blocks: sanitised, split where a blank line falls."""
        if not raw.strip():
            return
        for paragraph in split_paragraphs(self.sanitise(raw, "paragraph")):
            self.add_paragraph(paragraph)

    def add_paragraph(self, clean: str) -> None:
        """A paragraph block of clean HTML, split at line breaks over PARAGRAPH_MAX."""
        for part in _fit(_trim(clean), PARAGRAPH_MAX, self):
            self.add(BlockKind.PARAGRAPH, {"html": part})

    def add_plain_as_paragraphs(self, text: str) -> None:
        """Plain text that fits no plain field (too long): paragraphs, nothing cut."""
        self.paragraphs(html.escape(text, quote=False))

    # ----------------------------------------------------------------- classic HTML

    def classic(self, text: str) -> None:
        """Classic editor HTML, as WordPress shows it: shortcodes, autoembed, wpautop."""
        if not text.strip():
            return
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        more = len(_MORE.findall(text))
        if more:
            self.counts["more"] += more
        # wpautop writes "<br />\n": the newline is only source layout.
        self.flow(re.sub(r"<br />\n", "<br>", classic.wpautop(self.shortcodes_and_embeds(text))))

    def shortcodes_and_embeds(self, text: str) -> str:
        """What WordPress does to all content, blocks included, besides wpautop: [embed]
        and autoembed (the_content, priority 8), [caption] and [gallery] (do_shortcode,
        11). Each becomes a placeholder for its pieces; other shortcodes are counted."""
        text = classic.shortcode_regex(_CONVERTED_SHORTCODES).sub(self._shortcode, text)
        text = classic.autoembed(text, self._autoembed)
        self._count_unknown_shortcodes(text)
        return text

    def _place(self, pieces: list[BodyPiece]) -> str:
        key = str(len(self.placed))
        self.placed[key] = pieces
        return f'<{self.placeholder} data-i="{key}"></{self.placeholder}>'

    def _capture(self, work) -> list[BodyPiece]:
        """The pieces `work()` adds, taken out of the body to be placed later."""
        before = len(self.pieces)
        work()
        taken = self.pieces[before:]
        del self.pieces[before:]
        return taken

    def _shortcode(self, match: re.Match) -> str:
        if match[1] == "[" and match[6] == "]":  # [[caption]]: WordPress shows it as text
            return match[0][1:-1]
        name, attributes = match[2], classic.parse_shortcode_attributes(match[3] or "")
        content = match[5] or ""
        if name in ("caption", "wp_caption"):
            return self._place(self._capture(lambda: self._caption(attributes, content)))
        if name == "gallery":
            return self._place(self._capture(lambda: self._gallery_ids(attributes)))
        # [embed]url[/embed] (or [embed src="url"]): as autoembed, without the line rule.
        url = content.strip() or attributes.get("src", "") or attributes.get("0", "")
        return self._autoembed(url)

    def _autoembed(self, url: str) -> str:
        return self._place(self._capture(lambda: self.embed(html.unescape(url), "")))

    def _caption(self, attributes: dict[str, str], content: str) -> None:
        """[caption id="attachment_12" …]<a><img/></a> Légende[/caption] (or caption="…")."""
        caption_html = attributes.get("caption", "")
        if not caption_html:
            found = _CAPTION_CONTENT.search(content)
            if found:
                content, caption_html = found[1], found[2].strip()
        attachment = _ATTACHMENT_ID.search(attributes.get("id", ""))
        root = self.parse(content)
        img = next((e for e in root.iter() if _name(e) == "img"), None)
        if img is None:
            self.paragraphs(_inner_html(root) + (" " + caption_html if caption_html else ""))
            return
        attachment_id = _attachment_id(attachment[1]) if attachment else None
        self.image(img, caption_html, attachment_id, link=_link_around(root, img))

    def _gallery_ids(self, attributes: dict[str, str]) -> None:
        """[gallery ids="1,2"] (or include="…"): images known by attachment id alone."""
        listed = attributes.get("ids") or attributes.get("include", "")
        ids = [i for i in map(_attachment_id, re.findall(r"\d{1,18}", listed)) if i]
        if not ids:
            self.counts["gallery_without_ids"] += 1
            self.note("galerie sans liste d’images ([gallery] seul) : non importée")
        for attachment_id in ids:
            self.add_image("", attachment_id, "", "")

    def _count_unknown_shortcodes(self, text: str) -> None:
        """Shortcodes left in the text: they stay as written, counted and named once each.

        A bracketed word counts when it looks like a plugin's shortcode: it has
        name=value attributes, a closing tag, or a name with "-" or "_"
        ("[contact-form-7 id=…]", "[box]…[/box]"); "[sic]", "[1]" or an editor's
        "[Mise à jour : …]" in running text do not.
        """
        for part in classic.html_split(text)[::2]:
            for match in classic.ANY_SHORTCODE.finditer(part):
                name = match[2]
                if match[1] or not re.match(r"[A-Za-z]", name):
                    continue
                if "=" in match[3] or match[4] is not None or re.search(r"[-_]", name):
                    self.counts["unknown_shortcode"] += 1
                    self.note(f"code court [{name}] inconnu : gardé comme texte")

    # ----------------------------------------------------------------- blocks

    def block(self, block: ParsedBlock, depth: int) -> None:
        """One Gutenberg block (and its inner blocks) as pieces."""
        name = block.name
        if depth > _MAX_BLOCK_DEPTH:
            self.counts["too_deep"] += 1
            self.note(f"bloc {name} imbriqué à plus de {_MAX_BLOCK_DEPTH} niveaux : ignoré")
            return
        handler = _BLOCK_HANDLERS.get(name or "")
        if name is None or name == "core/freeform":
            self.classic(block.inner_html)
        elif name.startswith("core-embed/"):
            self.embed_block(block, depth)
        elif handler is not None:
            handler(self, block, depth)
        elif name in _LAYOUT_COUNTED or name in _LAYOUT_SILENT:
            if name in _LAYOUT_COUNTED:
                self.counts["layout_flattened"] += 1
            self.inner(block, depth)
        else:
            before = len(self.pieces)
            self.inner(block, depth)
            self.counts["unknown_block"] += 1
            if len(self.pieces) > before:
                self.note(f"bloc {name} inconnu : gardé comme texte")
            else:
                self.note(f"bloc {name} inconnu, sans contenu enregistré : ignoré")

    def inner(self, block: ParsedBlock, depth: int) -> None:
        """A container's own HTML and inner blocks, in their order."""
        inner = iter(block.inner_blocks)
        for piece in block.inner_content:
            if piece is None:
                self.block(next(inner), depth + 1)
            elif piece.strip():
                self.flow(piece)

    def html_block(self, block: ParsedBlock, depth: int) -> None:
        """core/html: its blocks if it holds text and nothing dangerous, else refused."""
        raw = block.full_html()
        reason = _danger(_parse(raw))
        if reason is None:
            sub = _Converter(self.placeholder)
            sub.flow(sub.shortcodes_and_embeds(raw))
            if sub.pieces:
                self.pieces += sub.pieces
                self.counts.update(sub.counts)
                self.removed.update(sub.removed)
                self.notes += sub.notes
                self.counts["html_kept"] += 1
                return
        self.counts["html_refused"] += 1
        said = f"contient {reason}" if reason else "ne contient aucun texte"
        self.note(f"bloc core/html refusé : {said}")

    def heading_block(self, block: ParsedBlock, depth: int) -> None:
        root = self.parse(block.full_html())
        element = next((e for e in root.iter() if _name(e) in _HEADINGS), root)
        level = block.attrs.get("level")
        if not isinstance(level, int) or isinstance(level, bool):
            level = {"h1": 1, "h2": 2, "h3": 3}.get(_name(element), 4)
        self.heading(_plain_source(element), 2 if level <= 2 else 3)

    def list_block(self, block: ParsedBlock, depth: int) -> None:
        ordered = block.attrs.get("ordered") is True
        if block.name == "core/list-item":
            items = self._list_item_blocks([block], depth)
        elif block.inner_blocks:  # WordPress 6.1+: core/list-item inner blocks
            items = self._list_item_blocks(block.inner_blocks, depth)
        else:
            root = self.parse(block.full_html())
            element = next((e for e in root.iter() if _name(e) in ("ul", "ol")), None)
            if element is None:
                self.flow(block.full_html())
                return
            if "ordered" not in block.attrs:
                ordered = _name(element) == "ol"
            items = self._list_items(element)
        self.add_list(items, ordered)

    def _list_item_blocks(self, blocks: list[ParsedBlock], depth: int) -> list[str]:
        items: list[str] = []
        for item in blocks:
            if depth > _MAX_BLOCK_DEPTH:
                self.counts["too_deep"] += 1
                break
            if item.name != "core/list-item":  # anything else inside a list: its HTML
                items += self._list_items(self.parse(item.full_html()))
                continue
            root = self.parse(item.inner_html)
            li = next((e for e in root.iter() if _name(e) == "li"), root)
            items += self._list_items_of(li)
            for nested in item.inner_blocks:
                self.counts["nested_list"] += 1
                items += (
                    self._list_item_blocks(nested.inner_blocks, depth + 1)
                    if (nested.inner_blocks)
                    else self._list_items(self.parse(nested.full_html()))
                )
        return items

    def quote_block(self, block: ParsedBlock, depth: int) -> None:
        root = self.parse(block.full_html())
        quote = next((e for e in root.iter() if _name(e) == "blockquote"), root)
        self.quote(quote)

    def image_block(self, block: ParsedBlock, depth: int) -> None:
        root = self.parse(block.full_html())
        img = next((e for e in root.iter() if _name(e) == "img"), None)
        caption = next((e for e in root.iter() if _name(e) == "figcaption"), None)
        attachment = _attachment_id(block.attrs.get("id"))
        if img is None:
            if attachment is not None:
                self.add_image(
                    "",
                    attachment,
                    "",
                    self.plain_html(_plain_source(caption)) if caption is not None else "",
                )
            else:
                self.counts["image_without_source"] += 1
            return
        caption_html = _plain_source(caption) if caption is not None else ""
        self.image(img, caption_html, attachment, link=_link_around(root, img))

    def gallery_block(self, block: ParsedBlock, depth: int) -> None:
        """core/gallery: inner core/image blocks (WordPress 5.9+), or ids and <li> figures."""
        if block.inner_blocks:
            inner = iter(block.inner_blocks)
            for piece in block.inner_content:
                if piece is None:
                    self.block(next(inner), depth + 1)
                    continue
                for caption in (e for e in self.parse(piece).iter() if _name(e) == "figcaption"):
                    text = self.plain_html(_plain_source(caption))
                    if text:
                        self.counts["gallery_caption"] += 1
                        self.add_plain_as_paragraphs(text)
            return
        listed = block.attrs.get("ids")
        ids = [i for i in map(_attachment_id, listed if isinstance(listed, list) else []) if i]
        root = self.parse(block.full_html())
        images = [e for e in root.iter() if _name(e) == "img"]
        for index, img in enumerate(images):
            figure = _ancestor_caption(root, img)
            attachment = ids[index] if index < len(ids) else None
            self.image(img, _plain_source(figure) if figure is not None else "", attachment)
        for attachment in ids[len(images) :]:
            self.add_image("", attachment, "", "")
        if not images and not ids:
            self.counts["gallery_without_ids"] += 1
        for caption in (e for e in root.iter() if _name(e) == "figcaption"):
            if "blocks-gallery-caption" in caption.get("class", ""):
                text = self.plain_html(_plain_source(caption))
                if text:
                    self.counts["gallery_caption"] += 1
                    self.add_plain_as_paragraphs(text)

    def embed_block(self, block: ParsedBlock, depth: int) -> None:
        root = self.parse(block.full_html())
        url = block.attrs.get("url") if isinstance(block.attrs.get("url"), str) else ""
        if not url:
            wrapper = next(
                (e for e in root.iter() if "wp-block-embed__wrapper" in e.get("class", "")), root
            )
            url = _text_of(wrapper).strip()
        caption = next((e for e in root.iter() if _name(e) == "figcaption"), None)
        self.embed(accept_text(url).text, _plain_source(caption) if caption is not None else "")

    def cover_block(self, block: ParsedBlock, depth: int) -> None:
        """core/cover: its background image (an <img> since WordPress 5.7, before only
        the "url" attribute and a CSS background), then its inner blocks."""
        self.counts["layout_flattened"] += 1
        own_html = "".join(piece for piece in block.inner_content if piece is not None)
        url = block.attrs.get("url")
        if isinstance(url, str) and url.strip() and "<img" not in own_html.lower():
            alt = block.attrs.get("alt") if isinstance(block.attrs.get("alt"), str) else ""
            self.add_image(url, _attachment_id(block.attrs.get("id")), alt, "")
        self.inner(block, depth)

    def dropped_block(self, block: ParsedBlock, depth: int) -> None:
        self.counts["separator" if block.name in ("core/separator", "core/spacer") else "more"] += 1

    def reusable_block(self, block: ParsedBlock, depth: int) -> None:
        self.counts["reusable_block"] += 1
        self.note(
            f"bloc réutilisable n° {block.attrs.get('ref', '?')} : non importé (son contenu est ailleurs)"
        )

    def table_block(self, block: ParsedBlock, depth: int) -> None:
        self.flow(block.full_html())  # its <figure> holds the <table> and a caption

    def preformatted_block(self, block: ParsedBlock, depth: int) -> None:
        self.flow(block.full_html())

    def shortcode_block(self, block: ParsedBlock, depth: int) -> None:
        self.classic(block.inner_html)

    def paragraph_block(self, block: ParsedBlock, depth: int) -> None:
        # WordPress runs shortcodes and autoembed over block content too: a URL alone in
        # a paragraph is an embed, a [caption] an image, as readers saw them.
        self.flow(self.shortcodes_and_embeds(block.full_html()))

    # ----------------------------------------------------------------- the HTML walk

    def parse(self, fragment: str):
        """The fragment parsed like a browser, its on… attributes (event handlers) taken
        out and counted as scripts removed: elements read for their structure (p, li,
        figure, img) never reach the sanitiser whole, and their handlers must not go
        unsaid. Their presentation attributes (class, style, id) are not content."""
        root = _parse(fragment)
        for node in root.iter():
            if not isinstance(node.tag, str):
                continue
            handlers = [key for key in node.attrib if _name_of(key).startswith("on")]
            for key in handlers:
                del node.attrib[key]
            if handlers:
                self.counts["removed_script"] += len(handlers)
                self.removed["script"] += len(handlers)
        return root

    def flow(self, fragment: str) -> None:
        """HTML as blocks: block-level elements become pieces, inline runs paragraphs."""
        inline = _Inline()
        self._children(self.parse(fragment), inline, 0)
        self.paragraphs(inline.take())

    def _children(self, element, inline: _Inline, depth: int) -> None:
        if element.text:
            inline.text(element.text)
        for child in element:
            self._node(child, inline, depth + 1)
            if child.tail:
                inline.text(child.tail)

    def _flush(self, inline: _Inline) -> None:
        self.paragraphs(inline.take())

    def _node(self, element, inline: _Inline, depth: int) -> None:  # noqa: C901 (one switch)
        if not isinstance(element.tag, str):  # a comment
            return
        name = _name(element)
        if depth > _MAX_ELEMENT_DEPTH or element.tag.startswith("{"):
            inline.raw(_serialise(element))  # the sanitiser drops and counts it
        elif name == self.placeholder:
            self._flush(inline)
            self.pieces += self.placed.get(element.get("data-i", ""), [])
        elif name == "img":
            self._flush(inline)
            self.image(element, "", None)
        elif name == "picture":
            img = next((e for e in element.iter() if _name(e) == "img"), None)
            self._flush(inline)
            if img is not None:
                self.image(img, "", None)
        elif name == "iframe" and _recognised(element.get("src", "")):
            self._flush(inline)
            self.embed(element.get("src", ""), "")
        elif name == "br":
            inline.raw("<br>")
        elif name in _HEADINGS or name in ("ul", "ol", "blockquote", "figure", "table", "pre"):
            self._flush(inline)
            # A shortcode's image or embed inside a heading, a list, a quote…: after it.
            placed = self._take_placeholders(element)
            self._structure(element, name, depth)
            self.pieces += placed
        elif name == "hr":
            self._flush(inline)
            self.counts["separator"] += 1
        elif name == "a" and _only_image(element) is not None:
            self._flush(inline)
            self.image(_only_image(element), "", None, link=element.get("href", ""))
        elif name in BLOCK_LEVEL and name not in DROPPED_WITH_CONTENT:
            self._flush(inline)
            self._children(element, inline, depth)
            self._flush(inline)
        elif name in DROPPED_WITH_CONTENT or not _has_blocks_inside(element, self.placeholder):
            inline.raw(_serialise(element))
        else:  # an inline element holding a block, an image or a placeholder: go inside
            inline.open(element)
            self._children(element, inline, depth)
            inline.close(name)

    def _structure(self, element, name: str, depth: int) -> None:
        """The block a heading, list, quote, figure, table or <pre> element makes."""
        if name in _HEADINGS:
            self.heading(_plain_source(element), _HEADINGS[name])
        elif name in ("ul", "ol"):
            self.add_list(self._list_items(element), name == "ol")
        elif name == "blockquote":
            self.quote(element)
        elif name == "figure":
            self.figure(element, depth)
        elif name == "table":
            self.table(element)
        else:
            self.counts["preformatted"] += 1
            self.paragraphs(_inner_html(element).strip("\n").replace("\n", "<br>"))

    def _take_placeholders(self, element) -> list[BodyPiece]:
        """The pieces of the placeholders inside `element`, taken out of it."""
        found = [e for e in element.iter() if _name(e) == self.placeholder]
        _remove_elements(element, found)
        return [piece for e in found for piece in self.placed.get(e.get("data-i", ""), [])]

    def figure(self, element, depth: int) -> None:
        """<figure>: an image and its caption, a pull quote, an embed; else (several
        images, a table) its content, the caption a paragraph."""
        caption = next((e for e in element.iter() if _name(e) == "figcaption"), None)
        caption_html = _plain_source(caption) if caption is not None else ""
        images = [e for e in element.iter() if _name(e) == "img"]
        quote = next((e for e in element.iter() if _name(e) == "blockquote"), None)
        classes = element.get("class", "")
        if quote is not None:
            self.quote(quote)
        elif len(images) == 1:
            link = _link_around(element, images[0])
            self.image(images[0], caption_html, None, link=link)
        elif "wp-block-embed" in classes:
            wrapper = next(
                (e for e in element.iter() if "wp-block-embed__wrapper" in e.get("class", "")),
                element,
            )
            self.embed(_text_of(wrapper).strip(), caption_html)
        else:
            inline = _Inline()
            self._children(element, inline, depth)
            self._flush(inline)

    # ----------------------------------------------------------------- kinds

    def heading(self, inner: str, level: int) -> None:
        text = self.plain_html(inner)
        if not text:
            return
        if len(text) > HEADING_MAX:  # a paragraph set in bold as a title: keep it whole
            self.counts["too_long"] += 1
            self.add_plain_as_paragraphs(text)
            return
        self.add(BlockKind.HEADING, {"text": text, "level": level})

    def _list_items(self, element, depth: int = 0) -> list[str]:
        """Items of a <ul>/<ol> (or of any element holding <li>), nested lists flattened."""
        if _name(element) not in ("ul", "ol"):
            found = next((e for e in element.iter() if _name(e) in ("ul", "ol")), None)
            if found is not None:
                return self._list_items(found, depth)
            lis = [e for e in element.iter() if _name(e) == "li"]  # stray items
            return [item for li in lis for item in self._list_items_of(li, depth)]
        items: list[str] = self._stray_item(element.text)
        for child in element:
            if _name(child) in ("ul", "ol"):  # a list right inside a list (old markup)
                self.counts["nested_list"] += 1
                items += self._list_items(child, depth + 1)
            elif isinstance(child.tag, str):  # an <li>, or what sits in its place
                items += self._list_items_of(child, depth)
            items += self._stray_item(child.tail)
        return items

    def _stray_item(self, text: str | None) -> list[str]:
        """Text written right inside a <ul> (browsers show it): an item of its own."""
        if not text or not text.strip():
            return []
        return split_list_item(self.sanitise(html.escape(text, quote=False), "list_item"))

    def _list_items_of(self, li, depth: int = 0) -> list[str]:
        """An <li>: its own text, then (flattened) the items of the lists inside it;
        lists nested deeper than _MAX_ELEMENT_DEPTH stay in their item, as text."""
        own = _Inline()
        nested = []
        if li.text:
            own.text(li.text)
        too_deep = depth > _MAX_ELEMENT_DEPTH
        if too_deep:
            self.counts["too_deep"] += 1
        for child in li:
            if _name(child) in ("ul", "ol") and not too_deep:
                nested.append(child)
            else:
                own.raw(_serialise(child))
            if child.tail:
                own.text(child.tail)
        items = []
        # As the editor's ListForm saves an entry: a list typed as text into one item
        # ("· un<br>· deux") is several items.
        for item in split_list_item(self.sanitise(own.take(), "list_item")):
            items += _fit(_trim(item), LIST_ITEM_MAX, self)
        for sub in nested:
            self.counts["nested_list"] += 1
            items += self._list_items(sub, depth + 1)
        return items

    def add_list(self, items: list[str], ordered: bool) -> None:
        if items:
            self.add(BlockKind.LIST, {"items": items, "ordered": bool(ordered)})

    def quote(self, element) -> None:
        """A quote from <blockquote>: its text, and its <cite> (or <footer>) as attribution."""
        cites = [e for e in element.iter() if _name(e) in ("cite", "footer")]
        attribution = " ".join(filter(None, (self.plain_html(_plain_source(c)) for c in cites)))
        _remove_elements(element, cites)  # the text without the attribution
        text = self.plain_html(_plain_source(element))
        if len(attribution) > SHORT_MAX:
            self.counts["too_long"] += 1
            text, attribution = f"{text} {attribution}".strip(), ""
        if not text:
            if attribution:
                self.add_plain_as_paragraphs(attribution)
            return
        if len(text) > PLAIN_MAX:
            self.counts["too_long"] += 1
            self.add_plain_as_paragraphs(text + (f" ({attribution})" if attribution else ""))
            return
        self.add(BlockKind.QUOTE, {"text": text, "attribution": attribution})

    def table(self, element) -> None:
        """A <table> as text, a row a line, as a pasted table (services.richtext.clean_paste).

        clean_paste tells only of scripts, frames and images; what the sanitiser takes
        out of each cell (a refused link, a style) is counted here, cell by cell."""
        self.counts["table_as_text"] += 1
        for cell in (e for e in element.iter() if _name(e) in ("td", "th", "caption")):
            self.sanitise(_inner_html(cell), "paragraph")  # for its counts
        try:
            pasted = clean_paste(_serialise(element), None, "paragraph")
        except TooLongError:
            self.paragraphs(html.escape(_text_of(element), quote=False))
            return
        for paragraph in split_paragraphs(pasted.html):
            self.add_paragraph(paragraph)

    def image(self, img, caption_html: str, attachment_id: int | None, link: str = "") -> None:
        """An image piece from an <img> (and its caption's HTML); its layout attributes
        (class, width, srcset) are not content, its on… ones were counted by parse()."""
        source = (img.get("src") or "").strip()
        if not source or source.lower().startswith("data:"):  # a lazy-loading plugin's
            source = (img.get("data-src") or img.get("data-lazy-src") or source).strip()
        if link.strip() and not _links_to_image(link.strip(), source):
            self.counts["image_link"] += 1
            self.note(f"lien posé sur une image retiré ({_cut(link.strip(), _NOTE_URL_MAX)})")
        if attachment_id is None:
            found = _WP_IMAGE_CLASS.search(img.get("class", "")) or re.fullmatch(
                r"(\d{1,18})", img.get("data-id", "")
            )
            attachment_id = _attachment_id(found[1]) if found else None
        caption = self.plain_html(caption_html) if caption_html else ""
        self.add_image(source, attachment_id, img.get("alt", ""), caption)

    def add_image(self, source: str, attachment_id: int | None, alt: str, caption: str) -> None:
        source = accept_text(source).text.strip()
        scheme = _IMAGE_SCHEMES.match(source)
        if scheme and scheme[1].lower() not in ("http", "https"):
            self.counts["image_bad_source"] += 1
            self.note(f"image à l’adresse {scheme[1].lower()}: refusée")
            source = ""
            if attachment_id is None:
                return
        if not source and attachment_id is None:
            self.counts["image_without_source"] += 1
            return
        alt = self.plain_text(alt)
        if len(alt) > ALT_MAX:  # the column's limit: cut, and said
            self.counts["too_long"] += 1
            self.note(f"texte alternatif de plus de {ALT_MAX} caractères : coupé")
            alt = _cut(alt, ALT_MAX)
        if len(caption) > PLAIN_MAX:
            self.counts["too_long"] += 1
            extra, caption = caption, ""
        else:
            extra = ""
        self.add(
            BlockKind.IMAGE,
            {
                "source_url": source,
                "attachment_id": attachment_id,
                "alt": alt,
                "caption": caption,
                "credit": "",
            },
        )
        if extra:
            self.add_plain_as_paragraphs(extra)

    def embed(self, url: str, caption_html: str) -> None:
        """An embed piece as the editor builds it; an address not recognised: a link."""
        url = url.strip()
        caption = self.plain_html(caption_html) if caption_html else ""
        try:
            recognised = embeds.recognise(url)
        except embeds.EmbedRefused:
            self.counts["embed_unrecognised"] += 1
            shown = _cut(url, _NOTE_URL_MAX) if url else "sans adresse"
            self.note(f"contenu intégré non reconnu ({shown}) : gardé comme lien")
            if url:
                link = html.escape(url)
                self.paragraphs(f'<a href="{link}">{html.escape(url, quote=False)}</a>')
            if caption:
                self.add_plain_as_paragraphs(caption)
            return
        extra = ""
        if len(caption) > PLAIN_MAX:
            self.counts["too_long"] += 1
            caption, extra = "", caption
        self.add(BlockKind.EMBED, recognised.block_data(title="", caption=caption))
        if extra:
            self.add_plain_as_paragraphs(extra)


_BLOCK_HANDLERS = {
    "core/paragraph": _Converter.paragraph_block,
    "core/heading": _Converter.heading_block,
    "core/list": _Converter.list_block,
    "core/list-item": _Converter.list_block,
    "core/quote": _Converter.quote_block,
    "core/pullquote": _Converter.quote_block,
    "core/image": _Converter.image_block,
    "core/gallery": _Converter.gallery_block,
    "core/embed": _Converter.embed_block,
    "core/separator": _Converter.dropped_block,
    "core/spacer": _Converter.dropped_block,
    "core/more": _Converter.dropped_block,
    "core/nextpage": _Converter.dropped_block,
    "core/html": _Converter.html_block,
    "core/table": _Converter.table_block,
    "core/preformatted": _Converter.preformatted_block,
    "core/code": _Converter.preformatted_block,
    "core/verse": _Converter.preformatted_block,
    "core/shortcode": _Converter.shortcode_block,
    "core/block": _Converter.reusable_block,
    "core/cover": _Converter.cover_block,
}


# --------------------------------------------------------------------------- HTML helpers


class _Inline:
    """A run of inline HTML waiting to become paragraphs; elements left open across a
    split (an image inside <em>) are closed before it and opened again after."""

    def __init__(self):
        self.parts: list[str] = []
        self.open_tags: list[tuple[str, str]] = []

    def text(self, data: str) -> None:
        self.parts.append(html.escape(data, quote=False))

    def raw(self, markup: str) -> None:
        self.parts.append(markup)

    def open(self, element) -> None:
        start = _start_tag(element)
        self.open_tags.append((_name(element), start))
        self.parts.append(start)

    def close(self, name: str) -> None:
        self.open_tags.pop()
        self.parts.append(f"</{name}>")

    def take(self) -> str:
        markup = "".join(self.parts) + "".join(f"</{n}>" for n, _ in reversed(self.open_tags))
        self.parts = [start for _, start in self.open_tags]
        return markup


_PARSERS = threading.local()


def _parse(fragment: str):
    """The fragment parsed as a browser would (html5lib, as bleach vendors it), into an
    ElementTree fragment root. One parser per thread, reused: building one costs more
    than parsing a paragraph, and a parser is not safe to share between threads."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = html5lib.HTMLParser(
            tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False
        )
    return parser.parseFragment(fragment or "")


def _attachment_id(value) -> int | None:
    """An attachment id from block attributes: a positive int (or its digits), else None."""
    if isinstance(value, str) and re.fullmatch(r"\d{1,18}", value):
        value = int(value)
    return value if type(value) is int and value > 0 else None


def _name(element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _name_of(attribute: str) -> str:
    return attribute.rsplit("}", 1)[-1].lower()


def _remove_elements(root, elements) -> None:
    """Take `elements` out of the tree under `root`, keeping the text that follows each."""
    doomed = {id(element) for element in elements}
    for parent in list(root.iter()):
        previous = None
        for child in list(parent):
            if id(child) not in doomed:
                previous = child
                continue
            if child.tail:
                if previous is not None:
                    previous.tail = (previous.tail or "") + child.tail
                else:
                    parent.text = (parent.text or "") + child.tail
            parent.remove(child)


def _start_tag(element) -> str:
    attributes = "".join(
        f' {key.rsplit("}", 1)[-1]}="{html.escape(str(value))}"'
        for key, value in element.attrib.items()
    )
    return f"<{_name(element)}{attributes}>"


def _serialise(element, unwrap: bool = False) -> str:
    """An element as HTML (iteratively: hostile input nests deep). Comments are dropped.

    `unwrap`: block-level elements (p, div, li…) leave only a space around their
    content, for text bound to a plain field, where their tags are structure, not loss.
    """
    out: list[str] = []
    stack: list[tuple[str, Any]] = [("node", element)]
    while stack:
        what, value = stack.pop()
        if what == "text":
            out.append(value)
            continue
        if not isinstance(value.tag, str):
            if value.tail and value is not element:
                out.append(html.escape(value.tail, quote=False))
            continue
        name = _name(value)
        bare = unwrap and name in BLOCK_LEVEL and name not in DROPPED_WITH_CONTENT
        out.append(" " if bare else _start_tag(value))
        if value.tail and value is not element:
            stack.append(("text", html.escape(value.tail, quote=False)))
        if name not in _VOID:
            stack.append(("text", " " if bare else f"</{name}>"))
        for child in reversed(list(value)):
            stack.append(("node", child))
        if value.text:
            stack.append(("text", html.escape(value.text, quote=False)))
    return "".join(out)


def _inner_html(element, unwrap: bool = False) -> str:
    """An element's content as HTML (see _serialise for `unwrap`)."""
    if element is None:
        return ""
    out = [html.escape(element.text or "", quote=False)]
    for child in element:
        out.append(_serialise(child, unwrap))
        if child.tail:
            out.append(html.escape(child.tail, quote=False))
    return "".join(out)


def _plain_source(element) -> str:
    """An element's content for a plain field: block-level structure unwrapped."""
    return _inner_html(element, unwrap=True)


def _text_of(element) -> str:
    """An element's text, scripts and other dropped elements left out."""
    out: list[str] = []
    for node in element.iter():
        if isinstance(node.tag, str) and _name(node) not in DROPPED_WITH_CONTENT:
            out.append(node.text or "")
        if node is not element:
            out.append(node.tail or "")
    return "".join(out)


_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|bmp|tiff?|svg)$", re.IGNORECASE)


def _links_to_image(href: str, source: str) -> bool:
    """Whether a link around an image leads to that image (its file, a larger size, or
    its attachment page, as WordPress links them): dropping it loses nothing."""
    path = urlsplit(href).path
    return (
        href == source
        or bool(_IMAGE_FILE.search(path))
        or "attachment_id=" in href
        or "/attachment/" in path
    )


def _link_around(root, img) -> str:
    """The href of the <a> that holds `img` in `root`, or ""."""
    for node in root.iter():
        if _name(node) == "a" and any(child is img for child in node):
            return node.get("href", "")
    return ""


def _only_image(element):
    """The <img> a link holds alone (WordPress links images to their file), or None."""
    children = [c for c in element if isinstance(c.tag, str)]
    if (element.text or "").strip() or len(children) != 1 or _name(children[0]) != "img":
        return None
    if (children[0].tail or "").strip():
        return None
    return children[0]


def _has_blocks_inside(element, placeholder: str) -> bool:
    for node in element.iter():
        if node is element or not isinstance(node.tag, str):
            continue
        name = _name(node)
        if name in ("img", "picture", "figure", placeholder) or (
            name in BLOCK_LEVEL and name not in DROPPED_WITH_CONTENT
        ):
            return True
        if name == "iframe" and _recognised(node.get("src", "")):
            return True
    return False


def _ancestor_caption(root, img):
    """The <figcaption> of the <figure> holding `img` (a gallery item), or None."""
    for figure in (e for e in root.iter() if _name(e) == "figure"):
        if any(node is img for node in figure.iter()):
            captions = [c for c in figure if _name(c) == "figcaption"]
            if captions:
                return captions[0]
    return None


def _recognised(url: str) -> bool:
    try:
        embeds.recognise(url)
    except embeds.EmbedRefused:
        return False
    return True


def _danger(root) -> str | None:
    """What in this HTML is dangerous (core/html is refused for it), in French, or None."""
    for node in root.iter():
        if not isinstance(node.tag, str) or node is root:
            continue
        if node.tag.startswith("{"):
            return f"un <{_name(node)}>"
        name = _name(node)
        if name in _DANGEROUS_ELEMENTS and not (
            name == "iframe" and _recognised(node.get("src", ""))
        ):
            return _DANGEROUS_ELEMENTS[name]
        for key, value in node.attrib.items():
            attribute = key.rsplit("}", 1)[-1].lower()
            if attribute.startswith("on"):
                return f"un attribut {attribute}"
            scheme = _DANGEROUS_SCHEMES.match(re.sub(r"[\x00-\x20]", "", str(value)))
            # An image's data: source is refused by add_image, not a threat to the page.
            if (
                attribute in _URL_ATTRIBUTES
                and scheme
                and not (name == "img" and attribute == "src" and scheme[1].lower() == "data")
            ):
                return f"un lien {scheme[1].lower()}:"
    return None


def _fit(clean: str, limit: int, converter: _Converter) -> list[str]:
    """Clean HTML in pieces of at most `limit` characters: cut at line breaks, and a
    line longer than that as plain text at spaces. Nothing is lost; counted."""
    if len(clean) <= limit:
        return [clean]
    converter.counts["too_long"] += 1
    pieces: list[str] = []
    current = ""
    for line in split_at_breaks(clean, 1):
        if len(line) > limit:
            for part in _chunks(to_plain_text(line), limit // 2):
                pieces.append(clean_html(html.escape(part, quote=False), "paragraph").html)
            continue
        if current and len(current) + len("<br>") + len(line) > limit:
            pieces.append(current)
            current = ""
        current = f"{current}<br>{line}" if current else line
    if current:
        pieces.append(current)
    return [piece for piece in pieces if to_plain_text(piece)]


# A run of input the sanitiser takes in one call: half its guards, so that escaping
# ("&" -> "&amp;") cannot push a run over them.
_RUN = MAX_INPUT_CHARS // 8


def _over_guards(markup: str) -> bool:
    return len(markup) > _RUN * 4 or len(_START_TAG.findall(markup)) > MAX_START_TAGS // 2


_START_TAG = re.compile(r"<[a-zA-Z]")


_EDGE_SPACES = (
    re.compile(r"^((?:<(?:strong|em|a)\b[^>]*>)+)\s+"),
    re.compile(r"\s+((?:</(?:strong|em|a)>)+)$"),
)


def _trim(clean: str) -> str:
    """Clean HTML without the spaces left inside its edges ("<em>Avant </em>") where an
    image or a block split a paragraph."""
    return _EDGE_SPACES[1].sub(r"\1", _EDGE_SPACES[0].sub(r"\1", clean))


def _chunks(text: str, size: int) -> list[str]:
    """Text in chunks of about `size` characters, cut at spaces when there are some."""
    chunks = []
    while len(text) > size:
        cut = text.rfind(" ", 0, size)
        cut = cut if cut > size // 2 else size
        chunks.append(text[:cut])
        text = text[cut:].lstrip()
    chunks.append(text)
    return chunks


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1].rstrip() + "…"


def _tally(notes: list[str]) -> list[str]:
    """Notes in order, each once: "… (3 fois)" when it came several times."""
    counted = Counter(notes)
    return [
        note if counted[note] == 1 else f"{note} ({counted[note]} fois)"
        for note in dict.fromkeys(notes)
    ]


# --------------------------------------------------------------------------- first sentence

# Abbreviations a period does not end a sentence after (compared in lower case, without
# the period): civilities, Latin and bibliographic shorthands of French newsrooms.
ABBREVIATIONS = frozenset(
    {"m", "mm", "mme", "mmes", "mlle", "mlles", "me", "mes", "mgr", "dr", "pr", "st", "ste",
     "etc", "cf", "p", "pp", "vol", "chap", "fig", "art", "al", "av", "apr", "env", "ex",
     "éd", "coll", "hab", "no", "n°", "cie", "jr", "sr", "inc", "ltd", "c.-à-d", "c-à-d",
     "j.-c", "vs", "réf", "tél", "dép", "gén", "lt", "sgt", "bd", "janv", "févr", "avr",
     "juil", "oct", "nov", "déc"}
)  # fmt: skip
# Left out on purpose, because they end sentences as words too: "cap", "col", "min",
# "max", "sept" (« Ils étaient sept. »).
_SENTENCE_END = re.compile(r"[.!?…]+")
_SPACES = " \u00a0\u202f\t\n"


def first_sentence(text: str, limit: int = STANDFIRST_MAX) -> str:
    """The first sentence of plain text, for a standfirst when the excerpt is empty.

    A sentence ends at ".", "!", "?" or "…" followed by a space and a capital, a digit
    or an opening quote, unless the period follows an abbreviation ("M.", "Mme.",
    "etc.", ABBREVIATIONS) or an initial ("J. Dupont"), or sits inside « guillemets »
    (« Il viendra. Demain. » stays whole). Closing quotes after the mark belong to the
    sentence. Longer than `limit` characters (Article.standfirst's STANDFIRST_MAX):
    cut at a space and ended with "…". Whitespace is collapsed; text goes through
    accept_text (NFC). Returns "" for blank text.
    """
    # Spaces and line breaks collapse; no-break spaces (French typography) stay.
    text = re.sub(r"[ \t\r\n\f\v]+", " ", accept_text(text or "", multiline=False).text).strip()
    if not text:
        return ""
    # A sentence longer than `limit` is cut anyway: read no further than needed.
    text = text[: limit + 100]
    depth = 0  # inside « … »
    end = len(text)
    index = 0
    while index < len(text):
        char = text[index]
        if char == "«":
            depth += 1
        elif char == "»":
            depth = max(0, depth - 1)
        match = _SENTENCE_END.match(text, index) if char in ".!?…" else None
        if match is None:
            index += 1
            continue
        stop = match.end()
        # Closing quotes after the mark, "»" with the space French sets before it.
        while closer := re.match(r"[ \u00a0\u202f]?»|[»”\"’)\]]", text[stop:]):
            if "»" in closer[0]:
                depth = max(0, depth - 1)
            stop += closer.end()
        if depth == 0 and _ends_sentence(text, index, stop, match.group(0)):
            end = stop
            break
        index = stop
    sentence = text[:end].rstrip(_SPACES)
    return _cut(sentence, limit)


def _ends_sentence(text: str, mark: int, stop: int, marks: str) -> bool:
    rest = text[stop:]
    if not rest:
        return True
    if rest[0] not in _SPACES:
        return False
    following = rest.lstrip(_SPACES)[:1]
    if not following or not (
        following.isupper() or following.isdigit() or following in "«“\"‘'¿¡—–-"
    ):
        return False
    if marks == ".":
        word = re.search(r"([\w°.\-]+)$", text[:mark])
        if word:
            token = word[1].lower()
            if token in ABBREVIATIONS or token.rstrip(".") in ABBREVIATIONS:
                return False
            if len(token) == 1 and token.isalpha():  # an initial: "J. Dupont"
                return False
    return True


__all__ = [
    "COUNT_LABELS",
    "BodyPiece",
    "ConvertedBody",
    "convert_body",
    "first_sentence",
]
