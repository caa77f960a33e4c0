"""Plain text out of stored HTML: the one HTML-to-text function.

It lives with the models because a model needs it (Article.word_count) and models
import nothing from services/; services.richtext and services.search re-use it.
"""

from __future__ import annotations

import html
import re

# Elements that separate words when they open or close (unlike strong, em, a, span,
# which may sit inside a word: "<em>in</em>croyable"). services.richtext uses the same
# list to keep pasted paragraphs apart.
BLOCK_LEVEL = frozenset({
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl",
    "dt", "fieldset", "figcaption", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})  # fmt: skip

# A tag, its quoted attribute values may hold ">"; or any other markup (<!-- … -->).
_MARKUP = re.compile(r"""<(?:/?([a-zA-Z][a-zA-Z0-9]*)(?:[^>"']|"[^"]*"|'[^']*')*|[!?/][^>]*)>""")


def _separator(match: re.Match) -> str:
    name = (match[1] or "").lower()
    return " " if name == "br" or name in BLOCK_LEVEL else ""


def to_plain_text(fragment: object) -> str:
    """The text of an HTML fragment: tags dropped, entities decoded, ends stripped.

    "<strong>L’été</strong> &amp; <a href='…'>lien</a>" → "L’été & lien". A <br> or a
    block-level tag becomes a space; inline tags vanish without one. None counts as "";
    anything else (Markup, a lazy translation) is read as its str().

    Meant for stored HTML, which services.richtext.clean_html has sanitised (in it,
    every "<" in text is written "&lt;"); cheap enough for every page view (word counts)
    and for indexing (search). It is not a sanitiser: to clean input, use
    clean_html(raw, "plain"). Raises nothing.
    """
    if not fragment:
        return ""
    return html.unescape(_MARKUP.sub(_separator, str(fragment))).strip()


__all__ = ["to_plain_text", "BLOCK_LEVEL"]
