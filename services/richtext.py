"""Rich text: the one sanitiser every rich-text write in Gazette passes through.

Read top to bottom: the policy (data), then `clean_html`, then the helpers it uses, then
the French removal message.

How it works, and why in two steps:

1. We parse the input the way a browser would (html5lib, as vendored by bleach) and walk
   the tree with the policy below. A tree is needed because bleach, when it strips a tag,
   keeps the tag's text: `<script>alert(1)</script>` would leave "alert(1)" in the article.
   The walk drops dangerous elements *with* their content, maps pasted formatting
   (b -> strong, Google Docs spans), unwraps everything else and counts what it removed.
2. bleach then re-cleans the walk's output with the same allowlist. It should find nothing
   to remove; it is a second, independent engine in case the walk has a bug.

The result is re-cleaned until it stops changing, so clean_html(x).html is always a fixed
point: cleaning stored HTML again never changes it.

Store the output; never sanitise on page views (bleach costs ~10-20 ms per 10 KB).
The output is safe as HTML *content* (e.g. inside <p>), never inside an attribute.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import bleach

# html5lib is not installed on its own: bleach vendors (and pins) html5lib 1.1. bleach
# 6.4.0 is its final release, so this path will not move under us.
from bleach._vendor import html5lib

# to_plain_text, the one HTML-to-text function, lives in models.text (a model needs it,
# and models may not import services); re-exported here, next to clean_html.
from models.text import BLOCK_LEVEL, accept_text
from models.text import to_plain_text as to_plain_text

# --------------------------------------------------------------------------- policy

# Block kind -> {allowed tag: allowed attributes}. Everything else is unwrapped (its text
# kept) or, if listed in DROPPED_WITH_CONTENT, removed with its content.
# No rel/target on links: target is stripped, so there is no window.opener to protect,
# and links written by the newsroom are editorial choices, not user content (no nofollow).
_INLINE = {
    "strong": frozenset(),
    "em": frozenset(),
    "a": frozenset({"href"}),
    "br": frozenset(),
}
POLICY: dict[str, dict[str, frozenset[str]]] = {
    "paragraph": _INLINE,
    "list_item": _INLINE,
    # Headlines, attribution, captions, alt, names: text only. See clean_html for what
    # "plain" returns.
    "plain": {},
}

# Pasted formatting mapped to our tags before the policy applies (Word, Google Docs).
RENAMED = {"b": "strong", "i": "em"}

# Attributes holding a URL, and the only schemes they may use. Relative and
# protocol-relative URLs ("/x", "//evil.example", "\\evil.example") are refused: a link
# in an article must be complete, because the same HTML goes into feeds and e-mails where
# relative URLs break, and "//" or "\\" forms are a classic way round scheme checks.
URL_ATTRIBUTES = frozenset({"href"})
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

# Elements removed together with everything inside them, and the category the editor is
# told about. Their text must never leak into an article: scripts, styles, raw-text and
# foreign-content elements (the ones bleach's known bypasses needed), embeds, form
# controls. Any element outside the HTML namespace (svg, math) is dropped as "media" too.
DROPPED_WITH_CONTENT = {
    **dict.fromkeys(("script", "noscript", "template"), "script"),
    **dict.fromkeys(("style", "link"), "style"),
    **dict.fromkeys(("img", "picture", "figure"), "image"),
    **dict.fromkeys(
        (
            "iframe", "frame", "frameset", "object", "embed", "applet", "param",
            "svg", "math", "video", "audio", "source", "track", "canvas", "map", "portal",
        ),
        "media",
    ),
    **dict.fromkeys(
        (
            "title", "textarea", "select", "datalist", "input", "xmp", "noembed",
            "noframes", "plaintext", "head", "meta", "base",
        ),
        "balise",
    ),
}  # fmt: skip

# Unwrapped block elements (BLOCK_LEVEL, from models.text) leave a line break so pasted
# paragraphs do not run together.

# Google Docs wraps a whole paste in <b style="font-weight:normal" id="docs-internal-guid-…">
# (which is not bold) and marks real bold/italic as styles on <span>. Read those hints
# before the style attribute is thrown away.
NOT_BOLD = re.compile(r"font-weight\s*:\s*(normal|[1-4]00)\b")
SPAN_STYLE_HINTS = (
    (re.compile(r"font-weight\s*:\s*(bold|[6-9]00)\b"), "strong"),
    (re.compile(r"font-style\s*:\s*(italic|oblique)\b"), "em"),
)

# Guards, not features: forms should refuse long text first. html5lib's parse is
# quadratic in nesting depth (20,000 nested <div> take ~10 s, 5,000 under 1 s), so input
# beyond these is refused rather than parsed. A real paragraph, even pasted from Word
# (~100 KB of markup: ~0.2 s), is far below both.
MAX_INPUT_CHARS = 100_000
MAX_START_TAGS = 5_000
_START_TAG = re.compile(r"<[a-zA-Z]")

# Re-cleaning stops after this many passes. Rich kinds settle in one pass (the second
# only confirms); "plain" may need one per level of nested entities (&amp;lt;b&amp;gt;).
_MAX_PASSES = 4

# Control characters other than tab/newline, in URLs (text goes through accept_text).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What a browser ignores in a URL: leading/trailing C0 controls and spaces, and tabs and
# newlines anywhere (so "jav\tascript:" is javascript:). Entities are already decoded by
# the parser ("java&#x09;script:", "&#106;avascript:").
_URL_EDGE_CHARS = "".join(map(chr, range(0x21)))
_URL_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_URL_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")


class TooLongError(ValueError):
    """Input over MAX_INPUT_CHARS or MAX_START_TAGS; the form should have refused it first."""


@dataclass(frozen=True)
class CleanResult:
    """Clean HTML (or text, for "plain") and what was removed, as (category, count) pairs.

    Categories, in this order: "style", "script" (elements and on* attributes), "media"
    (iframe, svg, object…), "image", "tableau" (a pasted table, clean_paste), "lien" (a
    link whose URL was refused: its text stays), "attribut", "balise" (an element
    unwrapped or dropped), "invisible" (a character XML 1.0 forbids, see
    models.text.accept_text). removal_message() turns them into the editor's notice.
    """

    html: str
    removed: tuple[tuple[str, int], ...] = ()


# --------------------------------------------------------------------------- the function


def clean_html(raw: str | None, kind: str = "paragraph") -> CleanResult:
    """Sanitise user input for a block of `kind`; THE function every rich-text write uses.

    - "paragraph", "list_item": returns HTML using only strong, em, a[href], br.
    - "plain": returns plain text, NOT HTML: markup stripped, entities decoded
      ("a &lt; b" -> "a < b"), so it is stored as the user meant it and Jinja escapes it
      at render time. Never mark it |safe. Text that still looks like markup after
      decoding ("&lt;b&gt;") is stripped too, so the result is stable when re-cleaned.
      As input is read as HTML, "a<b" (no space) loses "<b"; "a < b" survives.

    Text first passes the text boundary (models.text.accept_text): NFC, Word's line
    breaks (U+000B, U+000C) made line breaks ("plain": spaces), other characters XML 1.0
    forbids removed and counted as "invisible" (also when written as entities, "&#0;"
    or "&#xFFFE;").

    Leading/trailing whitespace is stripped. None counts as "". Raises TooLongError (a
    ValueError) over MAX_INPUT_CHARS characters or MAX_START_TAGS tags, and ValueError
    for an unknown kind.
    """
    if kind not in POLICY:
        raise ValueError(f"unknown rich-text kind: {kind!r}")
    raw = raw or ""
    if len(raw) > MAX_INPUT_CHARS:
        raise TooLongError(f"trop long ({MAX_INPUT_CHARS} caractères au maximum)")
    if len(_START_TAG.findall(raw)) > MAX_START_TAGS:
        raise TooLongError(f"trop long ({MAX_START_TAGS} balises au maximum)")

    removed: Counter[str] = Counter()
    # "plain" text is shown on one line (headlines, names): Word's line break is a space.
    accepted = accept_text(raw, multiline=kind != "plain")
    removed["invisible"] += len(accepted.removed)
    text = accepted.text
    for _ in range(_MAX_PASSES):
        cleaned = _one_pass(text, kind, removed)
        if cleaned == text:
            break
        text = cleaned
    else:
        # Still changing (entities nested deeper than _MAX_PASSES): fall back to
        # something that is a fixed point by construction, text without "<" or "&".
        text = _walk(text, "plain", Counter()).replace("<", "").replace("&", "").strip()
        if kind != "plain":
            text = html.escape(text, quote=False)
    return CleanResult(text, tuple(_in_label_order(removed)))


# --------------------------------------------------------------------------- the engine


# Numeric references a browser reads as U+FFFD (NUL, surrogates, beyond U+10FFFF: HTML
# standard, "numeric character reference end state"). Like the characters XML forbids,
# they are removed and counted as "invisible", not stored as a replacement character.
_NUMERIC_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?")


def drop_replaced_references(text: str, removed: Counter[str]) -> str:
    """`text` without the numeric references an HTML parser reads as U+FFFD (&#0;, &#xD800;,
    &#x110000;…), each counted in `removed["invisible"]`. For parsers run before clean_html."""

    def replace(match: re.Match) -> str:
        digits, base = (match[1], 16) if match[1] else (match[2], 10)
        digits = digits.lstrip("0") or "0"
        code = int(digits, base) if len(digits) <= 8 else 0x110000  # no giant int()
        if code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            removed["invisible"] += 1
            return ""
        return match[0]

    return _NUMERIC_REFERENCE.sub(replace, text)


def _one_pass(text: str, kind: str, removed: Counter[str]) -> str:
    """The policy walk, then (rich kinds) bleach over its output as a second engine."""
    walked = _walk(drop_replaced_references(text, removed), kind, removed)
    if kind == "plain":
        return walked
    # A new Cleaner per call: bleach's Cleaner is not thread-safe.
    allowed = POLICY[kind]
    cleaner = bleach.Cleaner(
        tags=frozenset(allowed),
        attributes={tag: sorted(attrs) for tag, attrs in allowed.items()},
        protocols=ALLOWED_URL_SCHEMES,
        strip=True,
        strip_comments=True,
    )
    return cleaner.clean(walked).strip()


def _walk(text: str, kind: str, removed: Counter[str]) -> str:
    """Parse like a browser, apply the policy, return HTML (or text for "plain")."""
    allowed = POLICY[kind]
    as_html = kind != "plain"
    separator = "\n" if as_html else " "
    out: list[str] = []
    open_tags: Counter[str] = Counter()

    def add_text(data: str | None) -> None:
        if data:
            # Entities are decoded now: "&#11;" or "e&#769;" pass the boundary here.
            accepted = accept_text(data, multiline=as_html)
            removed["invisible"] += len(accepted.removed)
            data = accepted.text
            out.append(html.escape(data, quote=False) if as_html else data)

    def line_break() -> None:
        if out and not out[-1][-1:].isspace() and out[-1] != "<br>":
            out.append(separator)

    def end(closing: tuple[list[str], bool]) -> None:
        kept, is_block = closing
        for tag in reversed(kept):
            out.append(f"</{tag}>")
            open_tags[tag] -= 1
        if is_block:
            line_break()

    def start(node) -> tuple[list[str], bool] | None:
        name = node.tag
        attrs = dict(node.attrib)
        if name == "br":
            if "br" in allowed:
                out.append("<br>")
            else:
                line_break()
            _count_attributes(attrs, allowed.get("br", frozenset()), removed)
            return None

        kept: list[str] = []
        start_tags: list[str] = []
        counted = False
        for tag in _formatting_tags(name, attrs):
            if tag not in allowed:
                continue
            # Skip tags already open: <strong> inside <strong> means nothing, and a link
            # inside a link does not survive re-parsing (idempotence). It also keeps the
            # output shallow, so bleach's re-parse stays cheap.
            if open_tags[tag]:
                counted = True  # not a removal worth telling the editor about
                continue
            tag_attrs = _allowed_attributes(attrs, allowed[tag])
            if tag == "a" and "href" not in tag_attrs:
                removed["lien"] += 1  # no usable URL: keep the text, drop the link
                counted = True
                continue
            kept.append(tag)
            start_tags.append(f"<{tag}{_serialise_attributes(tag_attrs)}>")
        if not kept and not counted:
            removed["balise"] += 1
        _count_attributes(attrs, frozenset().union(*(allowed[t] for t in kept)), removed)

        is_block = name in BLOCK_LEVEL
        if is_block:
            line_break()
        out.extend(start_tags)
        for tag in kept:
            open_tags[tag] += 1
        return kept, is_block

    _walk_fragment(text, removed, add_text, start, end)
    return "".join(out).strip()


def _walk_fragment(
    source: str,
    removed: Counter[str],
    on_text: Callable[[str | None], None],
    on_start: Callable[[Any], Any],
    on_end: Callable[[Any], None],
) -> None:
    """Parse `source` like a browser and walk its elements and text in document order.

    Comments are skipped; DROPPED_WITH_CONTENT elements, and any element outside the
    HTML namespace ("{ns}svg"), are skipped with their content and counted in `removed`.
    For every other element, on_start(node) runs first; if it returns None the element's
    content is skipped, otherwise what it returned is given to on_end after the content.
    """
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    root = parser.parseFragment(source)
    # An explicit stack, not recursion: hostile input can nest thousands of levels deep.
    # Items: ("node", element) | ("text", str | None) | ("end", what on_start returned)
    stack: list[tuple[str, Any]] = [("text", root.text)]
    stack[:0] = _children(root)
    while stack:
        what, value = stack.pop()
        if what == "text":
            on_text(value)
        elif what == "end":
            on_end(value)
        elif isinstance(value.tag, str):  # not a comment or processing instruction
            name = value.tag
            if name.startswith("{") or name in DROPPED_WITH_CONTENT:
                removed[DROPPED_WITH_CONTENT.get(name, "media")] += 1
                continue
            closing = on_start(value)
            if closing is not None:
                stack.append(("end", closing))
                stack.extend(_children(value))
                stack.append(("text", value.text))


def _children(node) -> list[tuple[str, Any]]:
    """Stack items for node's children, reversed so they pop in document order."""
    items: list[tuple[str, Any]] = []
    for child in reversed(list(node)):
        items.append(("text", child.tail))
        items.append(("node", child))
    return items


def _formatting_tags(name: str, attrs: dict[str, str]) -> tuple[str, ...]:
    """The allowed-vocabulary tags an element stands for: b -> strong, bold span -> strong."""
    style = attrs.get("style", "").lower()
    name = RENAMED.get(name, name)
    if name == "strong" and NOT_BOLD.search(style):
        return ()  # the Google Docs wrapper
    if name == "span":
        return tuple(tag for pattern, tag in SPAN_STYLE_HINTS if pattern.search(style))
    return (name,)


def _allowed_attributes(attrs: dict[str, str], allowed: frozenset[str]) -> dict[str, str]:
    """The allowed attributes, URLs checked (a refused URL is left out)."""
    kept: dict[str, str] = {}
    for name, value in attrs.items():
        if name in allowed and name in URL_ATTRIBUTES:
            value = _safe_url(value)
        if name in allowed and value is not None:
            kept[name] = value
    return kept


def _serialise_attributes(attrs: dict[str, str]) -> str:
    return "".join(f' {name}="{html.escape(value)}"' for name, value in attrs.items())


def _count_attributes(attrs: dict[str, str], kept: frozenset[str], removed: Counter[str]) -> None:
    """Count the attributes that were thrown away, by what the editor would call them."""
    for name in attrs:
        if name in kept or name in URL_ATTRIBUTES:  # a refused URL counts as a "lien"
            continue
        if name.startswith("on"):
            removed["script"] += 1
        elif name == "style":
            removed["style"] += 1
        else:
            removed["attribut"] += 1


def _safe_url(value: str) -> str | None:
    """The URL as a browser would read it if its scheme is allowed, else None.

    Any other character before the colon ("java\\x01script:", a full-width "ｊ") means the
    browser sees no scheme at all, so the URL is relative and refused as such.
    """
    url = _URL_TAB_NEWLINE.sub("", value).strip(_URL_EDGE_CHARS)
    url = _CONTROL_CHARS.sub("", url)  # invisible; would only be percent-encoded
    match = _URL_SCHEME.match(url)
    if not match or match.group(1).lower() not in ALLOWED_URL_SCHEMES:
        return None
    return url


# --------------------------------------------------------------------------- messages

# Category -> its label, as ngettext calls written out so `pybabel extract` finds them.
# Order here is the order in messages.
CATEGORY_LABELS: dict[str, Callable[[Callable[[str, str, int], str], int], str]] = {
    "style": lambda ngettext, n: ngettext("%(num)d style", "%(num)d styles", n),
    "script": lambda ngettext, n: ngettext("%(num)d script", "%(num)d scripts", n),
    "media": lambda ngettext, n: ngettext(
        "%(num)d contenu intégré", "%(num)d contenus intégrés", n
    ),
    "image": lambda ngettext, n: ngettext("%(num)d image", "%(num)d images", n),
    # A pasted table: its cells' text is kept, one row a line (clean_paste).
    "tableau": lambda ngettext, n: ngettext(
        "%(num)d tableau (son texte est conservé)", "%(num)d tableaux (leur texte est conservé)", n
    ),
    "lien": lambda ngettext, n: ngettext("%(num)d lien", "%(num)d liens", n),
    "attribut": lambda ngettext, n: ngettext("%(num)d attribut", "%(num)d attributs", n),
    "balise": lambda ngettext, n: ngettext("%(num)d balise", "%(num)d balises", n),
    "invisible": lambda ngettext, n: ngettext(
        "%(num)d caractère invisible", "%(num)d caractères invisibles", n
    ),
}
# The past participle agrees with the whole list: feminine only if every noun is.
FEMININE_CATEGORIES = frozenset({"image", "balise"})


def _in_label_order(removed: Counter[str]) -> Iterator[tuple[str, int]]:
    for category in CATEGORY_LABELS:
        if removed[category] > 0:
            yield category, removed[category]


def _french_ngettext(singular: str, plural: str, n: int) -> str:
    return singular if n < 2 else plural  # French: 0 and 1 take the singular


def removal_message(
    result: CleanResult,
    ngettext: Callable[[str, str, int], str] | None = None,
    gettext: Callable[[str], str] | None = None,
) -> str | None:
    """The editor's notice, e.g. "2 styles et 1 script ont été retirés."; None if nothing was.

    To translate, pass the raw catalogue functions, `get_translations().ngettext` and
    `.gettext` (Flask-Babel's own ngettext formats the string before we can, and fails);
    the defaults are plain French, so this module works without an app context.
    """
    ngettext = ngettext or _french_ngettext
    gettext = gettext or str
    # In CATEGORY_LABELS' order, whoever merged the counts (views.forms.notice_for sums
    # several results).
    counts = list(_in_label_order(Counter(dict(result.removed))))
    if not counts:
        return None
    parts = [CATEGORY_LABELS[cat](ngettext, n) % {"num": n} for cat, n in counts]
    items = parts[-1]
    if len(parts) > 1:
        items = gettext("%(first)s et %(last)s") % {"first": ", ".join(parts[:-1]), "last": items}
    total = sum(n for _, n in counts)
    if all(cat in FEMININE_CATEGORIES for cat, _ in counts):
        verb = ngettext("%(items)s a été retirée.", "%(items)s ont été retirées.", total)
    else:
        verb = ngettext("%(items)s a été retiré.", "%(items)s ont été retirés.", total)
    return verb % {"items": items}


# --------------------------------------------------------------------------- line breaks and paste
#
# What an editor types in a textarea, or pastes into the editor, arrives as text or as
# somebody else's HTML (Word, Google Docs, a web page). These functions turn it into what
# clean_html expects, and split it where the editor meant separate paragraphs or list
# items. They never sanitise: everything they return still goes through clean_html.

# A tag (quoted attribute values may hold ">") or other markup (<!-- … -->): newlines
# inside it are not the editor's line breaks.
_MARKUP_TOKEN = re.compile(r"""<(?:[a-zA-Z/](?:[^>"']|"[^"]*"|'[^']*')*|[!?][^>]*)>""")
# A typed newline, with the <br> the editor may already have written just before it.
_TYPED_NEWLINE = re.compile(r"(?:<br\s*/?>[ \t]*)?\r\n?|(?:<br\s*/?>[ \t]*)?\n", re.IGNORECASE)


def newlines_as_breaks(raw: str | None) -> str:
    """A textarea's text with each newline written as <br>: "a\\nb" -> "a<br>b".

    A paragraph's textarea without JavaScript holds HTML source in which the editor's
    newlines are meant as line breaks (the field's hint promises so); in HTML they would
    be mere spaces. "\\r\\n" and "\\r" count as one newline; a newline right after a <br>
    is the same break, not a second one; newlines inside a tag are left alone. Two
    newlines give "<br><br>", which split_paragraphs reads as a new paragraph. The result
    is not sanitised: pass it to clean_html. With JavaScript the editor posts <br> for
    Enter, and the same rule applies to whatever newline its HTML still holds.
    """
    raw = raw or ""
    out: list[str] = []
    position, after_br = 0, False
    for tag in _MARKUP_TOKEN.finditer(raw):
        out.append(_text_breaks(raw[position : tag.start()], after_br))
        out.append(tag.group(0))
        position, after_br = tag.end(), bool(_BR_TAG.fullmatch(tag.group(0)))
    out.append(_text_breaks(raw[position:], after_br))
    return "".join(out)


_BR_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_FIRST_NEWLINE = re.compile(r"^[ \t]*(?:\r\n?|\n)")


def _text_breaks(text: str, after_br: bool) -> str:
    if after_br:  # "<br>" then Enter: one line break, as the editor sees it
        text = _FIRST_NEWLINE.sub("", text, count=1)
    return _TYPED_NEWLINE.sub("<br>", text)


# Inline tags in clean_html's output, and its line break: split_at_breaks tracks them.
_CLEAN_TOKEN = re.compile(r"<(/?)(strong|em|a)(\s[^>]*)?>|<br>")
_BREAK_RUN = re.compile(r"(?:<br>\s*)+")


def split_at_breaks(clean: str, breaks: int) -> list[str]:
    """Split clean_html output at every run of `breaks` or more <br>, tags kept balanced.

    `clean` must be clean_html's output (well-formed strong/em/a/br). A tag open across a
    split is closed before it and reopened after: "<em>a<br><br>b</em>" with breaks=2 ->
    ["<em>a</em>", "<em>b</em>"]. Shorter runs of <br> stay inside a piece; breaks at
    either end of a piece are dropped, and so are pieces with no text. Returns [] for
    text with nothing in it.
    """
    pieces: list[str] = []
    current: list[str] = []
    open_tags: list[tuple[str, str]] = []  # (name, start tag)
    position = 0

    def finish() -> None:
        piece = "".join(current) + "".join(f"</{name}>" for name, _ in reversed(open_tags))
        piece = re.sub(r"^(?:\s*<br>)+|(?:<br>\s*)+$", "", piece.strip()).strip()
        if to_plain_text(piece):
            pieces.append(piece)
        current.clear()
        current.extend(start for _, start in open_tags)

    for run in _BREAK_RUN.finditer(clean):
        segment = clean[position : run.start()]
        _track_tags(segment, open_tags)
        current.append(segment)
        if run.group(0).count("<br>") >= breaks:
            finish()
        else:
            current.append(run.group(0))
        position = run.end()
    segment = clean[position:]
    _track_tags(segment, open_tags)
    current.append(segment)
    open_tags.clear()  # the input closes its own tags at its end
    finish()
    return pieces


def _track_tags(segment: str, open_tags: list[tuple[str, str]]) -> None:
    for match in _CLEAN_TOKEN.finditer(segment):
        if match.group(0) == "<br>":
            continue
        if match.group(1):  # an end tag: clean_html's output closes what it opens, in order
            if open_tags and open_tags[-1][0] == match.group(2):
                open_tags.pop()
        else:
            open_tags.append((match.group(2), match.group(0)))


def split_paragraphs(clean: str) -> list[str]:
    """Paragraphs of a paragraph block's clean HTML: a blank line (two <br>) starts a new one.

    "un<br>deux<br><br>trois" -> ["un<br>deux", "trois"]. Readers expect a blank line to
    mean a new paragraph, so the editor's save makes one paragraph block of each (and
    says so); a single <br> stays a line break inside the paragraph.
    """
    return split_at_breaks(clean, 2)


# What starts an item in a pasted list: a bullet (Word writes "·" in Symbol, "o" in
# Courier New and "§" in Wingdings for its three levels), a number or a letter ("1.",
# "2)", "a)", "iv."). Dashes, letters, "o" and "§" count only before a tab, a no-break
# space or two spaces, as Word writes them, so that "— Oui, dit-il" (a French dialogue
# line) or an item beginning "a) " is not taken for one.
_BULLETS = "·•◦‣⁃▪▫■□●○◆◇♦❖➢➤►▸▹\uf0b7\uf0a7\uf076\uf0d8"
LIST_MARKER = re.compile(
    rf"^(?:[{_BULLETS}][\s\u00a0]+"
    r"|\(?\d{1,3}[.)][\s\u00a0]+"
    r"|(?:[-–—*o§]|\(?(?:[a-zA-Z]|[ivxlcIVXLC]{1,6})[.)]?)(?:[\t\u00a0]|\s{2,})[\s\u00a0]*)"
)


def _marker_length(item: str) -> int:
    """How many characters of the item's text (tags aside) are its leading marker, or 0."""
    text = "".join(part for i, part in enumerate(re.split(r"(<[^>]*>)", item)) if i % 2 == 0)
    stripped = text.lstrip()
    match = LIST_MARKER.match(stripped)
    return len(text) - len(stripped) + match.end() if match else 0


def strip_list_marker(item: str) -> str:
    """An item's HTML without the bullet or number it was pasted with; tags and text kept.

    "<strong>1.</strong> Titre" -> "Titre" (the emptied <strong> goes too).
    """
    remaining = _marker_length(item)
    if not remaining:
        return item.strip()
    out = []
    for index, part in enumerate(re.split(r"(<[^>]*>)", item)):
        if index % 2 == 0 and remaining:
            cut = min(remaining, len(part))
            part, remaining = part[cut:], remaining - cut
        out.append(part)
    return _tidy("".join(out))


def _starts_with_marker(item: str) -> bool:
    return _marker_length(item) > 0


def split_list_item(clean: str) -> list[str]:
    """One list entry's clean HTML as the items it holds, when it holds a pasted list.

    A list typed or pasted as text into one item ("· un<br>· deux", Word's plain text,
    "1. un<br>2. deux") becomes one item per marked line, markers removed; a line with
    no marker continues the item above (a line break inside it). An entry whose first
    line has no marker, or with fewer than two marked lines, is one item as typed.
    Returns [] for an empty entry.
    """
    lines = split_at_breaks(clean, 1)
    marked = [line for line in lines if _starts_with_marker(line)]
    if len(marked) < 2 or not _starts_with_marker(lines[0]):
        return [clean.strip()] if lines else []
    items: list[str] = []
    for line in lines:
        if _starts_with_marker(line):
            items.append(strip_list_marker(line))
        else:
            items[-1] += "<br>" + line
    return [item for item in items if to_plain_text(item)]


# Categories worth telling the editor about after a paste: content that did not come
# along. Formatting (styles, attributes, unknown tags) is always dropped from a paste, as
# the field's hint says; counting it would make every Word paste sound alarming.
PASTE_REPORTED = ("script", "media", "image", "tableau")

# Word's list bullets sit in <span style="mso-list:Ignore">, shown only by Word itself.
_MSO_IGNORE = re.compile(r"mso-list\s*:\s*ignore", re.IGNORECASE)
_MSO_LIST = re.compile(r"mso-list\s*:\s*l\d", re.IGNORECASE)
_MSO_LIST_CLASS = re.compile(r"\bMsoListParagraph", re.IGNORECASE)
# Where a pasted list item, a line or a paragraph ends. Level 2: a paragraph; level 1: a line.
_LINE_BLOCKS = frozenset({"li", "tr", "dt", "dd", "caption", "ul", "ol", "dl"})
# Word writes ~10 times more markup than text: a paste may be larger than a field's
# input before it is cleaned (what is stored still meets the field's own limit). The
# number of tags keeps the sanitiser's own bound: html5lib's parse is quadratic in
# nesting depth (5,000 nested tags: ~1 s; 15,000: ~11 s), and 5,000 tags is several
# hundred paragraphs of Word's markup (measured: 100 KB of Word list, 0.2 s).
PASTE_MAX_CHARS = 10 * MAX_INPUT_CHARS
PASTE_MAX_START_TAGS = MAX_START_TAGS
# Cells: " | " between two cells of a row, so their text does not run together.
CELL_SEPARATOR = " | "


@dataclass(frozen=True)
class PasteResult:
    """A paste cleaned for a block: `html` (paragraph) or `items` (list), and what was removed.

    `removed` holds only PASTE_REPORTED categories, as (category, count) pairs; give
    the result to removal_message() for the editor's notice.
    """

    html: str = ""
    items: tuple[str, ...] = ()
    removed: tuple[tuple[str, int], ...] = ()


def clean_paste(html_source: str | None, text: str | None, kind: str) -> PasteResult:
    """Clipboard content (its text/html, else its text/plain) cleaned for a block of `kind`.

    - kind "paragraph": one HTML string; paragraphs of the paste are separated by a
      blank line ("<br><br>", which the save turns into separate paragraph blocks), list
      items and table rows by a line break;
    - kind "list": one item per list paragraph (Word's MsoListParagraph or mso-list),
      per <li> (Google Docs, web pages), or per line of text, without the bullets or
      numbers ("·", "o", "§", "1.", "a)") the source wrote in the text.

    Tables become text: cells separated by " | ", each row on its own line (a list item
    of its own in a list). Images, embeds and scripts are dropped and counted. Every
    piece goes through clean_html. Raises TooLongError like clean_html, ValueError for
    another kind.
    """
    if kind not in ("paragraph", "list"):
        raise ValueError(f"unknown paste kind: {kind!r}")
    removed: Counter[str] = Counter()
    if html_source and html_source.strip():
        if len(html_source) > PASTE_MAX_CHARS or len(_START_TAG.findall(html_source)) > (
            PASTE_MAX_START_TAGS
        ):
            raise TooLongError(f"trop long ({PASTE_MAX_CHARS} caractères au maximum)")
        lines = _pasted_lines(drop_replaced_references(html_source, removed), kind, removed)
    else:
        lines = [(html.escape(line, quote=False), 1) for line in (text or "").splitlines()]
        lines = _blank_lines_as_paragraphs(lines)
    reported = tuple((cat, removed[cat]) for cat in PASTE_REPORTED if removed[cat])
    if kind == "list":
        items = []
        for line, _level in lines:
            item = strip_list_marker(_tidy(clean_html(line, "list_item").html))
            if to_plain_text(item):
                items.append(item)
        return PasteResult(items=tuple(items), removed=reported)
    joined: list[str] = []
    for line, level in lines:
        if not to_plain_text(line):
            continue
        if joined:
            joined.append("<br>" * level)
        joined.append(line.rstrip())
    return PasteResult(html=_tidy(clean_html("".join(joined), "paragraph").html), removed=reported)


def _blank_lines_as_paragraphs(lines: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Text lines: a line after a blank one starts a paragraph (level 2)."""
    out: list[tuple[str, int]] = []
    blank = False
    for line, _ in lines:
        if not line.strip():
            blank = True
            continue
        out.append((line, 2 if blank else 1))
        blank = False
    return out


def _pasted_lines(source: str, kind: str, removed: Counter[str]) -> list[tuple[str, int]]:
    """Pasted HTML as (balanced inline HTML, break level before it) lines.

    Level 2 before a line means a new paragraph, level 1 a new line; the first line has
    level 0. Items of a list (an <li>, a Word list paragraph) are lines; pasted into a
    paragraph they keep a bullet or their number as text, pasted into a list they lose
    it, and a <br> inside one stays inside the item.
    """
    as_list = kind == "list"
    lines: list[tuple[str, int]] = []
    current: list[str] = []
    open_inline: list[tuple[str, str]] = []
    pending = 0  # the strongest break met since the last text
    line_level = 0  # the break before the current line
    in_item = 0  # depth inside list items: their paragraphs are lines, not paragraphs
    in_cell = 0  # depth inside table cells
    # Cells after the first in their row, and the number of each item of an <ol>.
    later_cells: set[int] = set()
    numbers: dict[int, str] = {}
    marker_only = False  # the line holds just its bullet: its text is still to come

    def has_text() -> bool:
        return not marker_only and bool(to_plain_text("".join(current)))

    def add_marker(marker: str) -> None:
        nonlocal marker_only
        start_line()
        current.append(html.escape(marker, quote=False))
        marker_only = True

    def add_text(data: str | None) -> None:
        nonlocal marker_only
        if not data:
            return
        # Runs of spaces, tabs and newlines in HTML source are one space (not no-break ones).
        data = _SOURCE_SPACES.sub(" ", data)
        if not data.strip():
            if has_text() and not pending and not "".join(current).endswith(" "):
                current.append(" ")
            return
        if pending or marker_only or not has_text():
            data = data.lstrip(" ")
        start_line()
        current.append(html.escape(data, quote=False))
        marker_only = False

    def start_line() -> None:
        nonlocal pending, line_level
        if pending and has_text():
            finish()
            line_level = pending
        pending = 0

    def finish() -> None:
        line = "".join(current) + "".join(f"</{n}>" for n, _ in reversed(open_inline))
        lines.append((line, line_level if lines else 0))
        current.clear()
        current.extend(start for _, start in open_inline)

    def boundary(level: int) -> None:
        nonlocal pending
        if in_cell:  # a cell's paragraphs stay on its row's line
            if has_text() and not "".join(current).endswith(" "):
                current.append(" ")
            return
        pending = max(pending, min(level, 1) if in_item else level)

    def end(closing: tuple[str, bool, int, int]) -> None:
        nonlocal in_cell, in_item
        name, inline, level, is_item = closing
        if inline:
            open_inline.pop()
            current.append(f"</{name}>")
        in_cell -= name in ("td", "th")
        if level:
            boundary(level)
        in_item -= is_item

    def start(node) -> tuple[str, bool, int, int] | None:
        nonlocal in_cell, in_item
        name = node.tag.lower()
        attrs = dict(node.attrib)
        if _MSO_IGNORE.search(attrs.get("style", "")):  # Word's own bullet or number
            if not as_list:
                add_marker(_word_marker(node))
            return None
        if name == "br":
            if as_list and in_item:
                current.append("<br>")
            else:
                boundary(1)
            return None
        if name == "table":
            removed["tableau"] += 1
        elif name == "tr":
            cells = [c for c in node if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")]
            later_cells.update(id(cell) for cell in cells[1:])
        elif name == "ol":
            first = int(attrs["start"]) if attrs.get("start", "").isdigit() else 1
            items = [c for c in node if isinstance(c.tag, str) and c.tag.lower() == "li"]
            numbers.update((id(li), f"{first + i}. ") for i, li in enumerate(items))
        is_item = name == "li" or (name == "p" and _is_word_list_paragraph(node))
        level = 1 if is_item or name in _LINE_BLOCKS else 2 if name in _PARAGRAPH_BLOCKS else 0
        if level:
            boundary(level)
        in_item += is_item
        if name in ("td", "th"):
            if id(node) in later_cells:
                while current and current[-1] == " ":
                    current.pop()
                current.append(html.escape(CELL_SEPARATOR, quote=False))
            in_cell += 1
        if name == "li" and not as_list:
            add_marker(numbers.get(id(node), "• "))
        inline = not level and name not in _TABLE_PARTS
        if inline:
            start_tag = f"<{name}{_serialise_attributes(_paste_attributes(attrs))}>"
            open_inline.append((name, start_tag))
            current.append(start_tag)
        return name, inline, level, int(is_item)

    _walk_fragment(source, removed, add_text, start, end)
    if has_text():
        finish()
    return lines


_SOURCE_SPACES = re.compile(r"[ \t\r\n\f]+")
# An element left empty where a line was cut ("<em></em>"), and a space before a break.
_EMPTY_INLINE = re.compile(r"<(strong|em|a)\b[^>]*>\s*</\1>")
_SPACE_BEFORE_BREAK = re.compile(r"[ \t]+(<br>)")


def _tidy(clean: str) -> str:
    """clean_html output without the empty elements and stray spaces a paste leaves."""
    previous = None
    while previous != clean:
        previous, clean = clean, _EMPTY_INLINE.sub("", clean)
    return _SPACE_BEFORE_BREAK.sub(r"\1", clean).strip()


_TABLE_PARTS = frozenset({"td", "th", "tbody", "thead", "tfoot", "colgroup", "col"})
_PARAGRAPH_BLOCKS = BLOCK_LEVEL - _TABLE_PARTS - _LINE_BLOCKS


def _word_marker(node) -> str:
    """Word's hidden bullet as text for a paragraph: its number ("1.", "a)"), else "• "."""
    text = "".join(node.itertext()).replace("\u00a0", " ").strip()
    return f"{text} " if re.fullmatch(r"\(?[0-9a-zA-Z]{1,6}[.)]", text) else "• "


def _is_word_list_paragraph(node) -> bool:
    return bool(
        _MSO_LIST_CLASS.search(node.attrib.get("class", ""))
        or _MSO_LIST.search(node.attrib.get("style", ""))
    )


def _paste_attributes(attrs: dict[str, str]) -> dict[str, str]:
    """What clean_html reads of a pasted inline element: its link, its bold/italic style."""
    return {name: value for name, value in attrs.items() if name in ("href", "style")}
