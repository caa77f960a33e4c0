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
    (iframe, svg, object…), "image", "lien" (a link whose URL was refused: its text
    stays), "attribut", "balise" (an element unwrapped or dropped), "invisible" (a
    character XML 1.0 forbids, see models.text.accept_text). removal_message() turns
    them into the editor's notice.
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


def _one_pass(text: str, kind: str, removed: Counter[str]) -> str:
    """The policy walk, then (rich kinds) bleach over its output as a second engine."""
    walked = _walk(text, kind, removed)
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
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    fragment = parser.parseFragment(text)
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

    # An explicit stack, not recursion: hostile input can nest thousands of levels deep.
    # Items: ("node", element) | ("text", str) | ("close", tags, is_block)
    stack: list[tuple] = [("text", fragment.text)]
    stack[:0] = _children(fragment)
    while stack:
        item = stack.pop()
        if item[0] == "text":
            add_text(item[1])
            continue
        if item[0] == "close":
            for tag in reversed(item[1]):
                out.append(f"</{tag}>")
                open_tags[tag] -= 1
            if item[2]:
                line_break()
            continue

        node = item[1]
        if not isinstance(node.tag, str):  # comment or processing instruction
            continue
        name = node.tag
        if name.startswith("{") or name in DROPPED_WITH_CONTENT:  # "{ns}svg": foreign
            removed[DROPPED_WITH_CONTENT.get(name, "media")] += 1
            continue

        attrs = dict(node.attrib)
        if name == "br":
            if "br" in allowed:
                out.append("<br>")
            else:
                line_break()
            _count_attributes(attrs, allowed.get("br", frozenset()), removed)
            continue

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
        stack.append(("close", kept, is_block))
        stack.extend(_children(node))
        stack.append(("text", node.text))

    return "".join(out).strip()


def _children(node) -> list[tuple]:
    """Stack items for node's children, reversed so they pop in document order."""
    items: list[tuple] = []
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
    counts = [(cat, n) for cat, n in result.removed if cat in CATEGORY_LABELS and n > 0]
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
