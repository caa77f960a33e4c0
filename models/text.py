"""Text at Gazette's edges: the one text boundary, the one fold, the one HTML-to-text.

- accept_text(): every piece of text that comes in (forms, the sanitiser, the command
  line, the demo loader) passes through it: NFC, and no character that XML 1.0 forbids.
- xml_safe(): the same forbidden characters taken out of what goes out as XML, for rows
  stored before the boundary existed.
- fold(): text as a French reader types it when searching (no accents, ligatures spelled
  out, invisible characters gone, lower case); search and the inbox compare folded text.
- to_plain_text(): HTML to plain text.

They live with the models because models need them (Article.word_count, the inbox's
folded column) and models import nothing from services/; services re-use them.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from unidecode import unidecode

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


# --------------------------------------------------------------------------- the boundary

# What XML 1.0 (Fifth Edition, §2.2 "Char") forbids: C0 controls but tab, line feed and
# carriage return; lone surrogate halves; U+FFFE and U+FFFF. One such character makes a
# whole feed invalid ("PCDATA invalid Char value 11"), and PostgreSQL refuses NUL. DEL
# (U+007F), which XML only discourages, goes too: nobody means to type it.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class AcceptedText:
    """accept_text()'s answer: the text to keep, and the forbidden characters taken out."""

    text: str
    removed: tuple[str, ...] = ()  # in order of appearance, e.g. ("\x00", "\ufffe")


class ForbiddenCharacters(ValueError):
    """Text holding characters XML 1.0 forbids, where they are refused (command line, loaders).

    str() is a French sentence naming them by code point ("… : U+0000, U+FFFE …").
    """

    def __init__(self, removed: tuple[str, ...]):
        self.removed = removed
        super().__init__(
            "caractère invisible interdit : "
            + describe_characters(removed)
            + " (retirez-le du texte)."
        )


def accept_text(value: str | None, *, multiline: bool = True) -> AcceptedText:
    """THE text boundary: what every incoming text becomes before it is checked or stored.

    - NFC (Unicode canonical composition, as the W3C's Character Model asks of the Web):
      "e" + U+0301 becomes "é", so the same word is always the same code points;
    - U+000B and U+000C (Word's manual line break, Shift+Enter, and page break: copied
      text is full of them) become "\\n" where the field holds several lines, a space
      where it holds one (`multiline=False`): they are line breaks, not noise;
    - every other character XML 1.0 forbids (FORBIDDEN) is removed and listed in
      `removed`, so the caller can tell the person (forms, the sanitiser) or refuse the
      whole text (require_text). Tab, newline and carriage return stay.

    None counts as "". Raises nothing. Idempotent: accept_text(x.text) changes nothing.
    """
    text = value or ""
    if text.isascii() and not FORBIDDEN.search(text):
        return AcceptedText(text)  # the common case: nothing to do
    if "\x0b" in text or "\x0c" in text:  # (str.translate would cost ~0.2 µs a character)
        line_break = "\n" if multiline else " "
        text = text.replace("\x0b", line_break).replace("\x0c", line_break)
    removed = tuple(FORBIDDEN.findall(text))
    if removed:
        text = FORBIDDEN.sub("", text)
    return AcceptedText(unicodedata.normalize("NFC", text), removed)


def require_text(value: str | None, *, multiline: bool = True) -> str:
    """accept_text() for sources that cannot be told (command line, files): refuse instead.

    Returns the NFC text; raises ForbiddenCharacters (a ValueError with a French message)
    if the text holds a forbidden character other than U+000B or U+000C.
    """
    accepted = accept_text(value, multiline=multiline)
    if accepted.removed:
        raise ForbiddenCharacters(accepted.removed)
    return accepted.text


def xml_safe(text: str) -> str:
    """The text without the characters XML 1.0 forbids: for XML built from stored rows.

    Rows written before accept_text() guarded every input may hold them; an XML output
    (feeds, sitemaps) passes its whole rendered document through this, once. U+000B and
    U+000C become spaces (they separated words), the others vanish.
    """
    return FORBIDDEN.sub("", text.replace("\x0b", " ").replace("\x0c", " "))


def describe_characters(characters) -> str:
    """ "U+000B, U+FFFE": the distinct characters, as code points (they are invisible)."""
    return ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(characters))


# --------------------------------------------------------------------------- the fold

# Invisible characters that may sit inside a word and must not split it: soft hyphen
# (pasted from laid-out pages), zero-width space, non-joiner and joiner, word joiner,
# and the zero-width no-break space (BOM). "ré\u00adforme" is the word "réforme".
INVISIBLE_IN_WORDS = "\u00ad\u200b\u200c\u200d\u2060\ufeff"


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_IN_WORDS), "")


@lru_cache(maxsize=65_536)
def is_readable_name(name: str) -> bool:
    """Whether a name (of a tag, a section) shows something a reader can read: a letter
    or a digit (Unicode categories L*, N*) once invisible characters are set aside
    (INVISIBLE_IN_WORDS, any format character Cf, any space Zs). "\u200b", a soft
    hyphen, "🔥" or ",,," alone name nothing, and their slug would be a placeholder."""
    return any(
        unicodedata.category(char)[0] in "LN"
        for char in name
        if char not in INVISIBLE_IN_WORDS and unicodedata.category(char) not in ("Cf", "Zs")
    )


def _transliterate(run: str) -> str:
    """Unidecode's ASCII for a run of non-ASCII characters (a text has few distinct runs)."""
    return unidecode(run.translate(_INVISIBLE))


def fold(text: str) -> str:
    """Text as a French reader types it into a search box: "Œuvre de Wałęsa" → "oeuvre de walesa".

    Compatibility forms (NFKC: "ﬁ" → "fi", full-width letters), then every letter to
    ASCII with Unidecode: accents dropped (in NFC or NFD), ligatures spelled out (œ → oe,
    æ → ae, ß → ss), letters Unicode does not decompose (ł, ø, đ, þ, ı) transliterated,
    other scripts romanised (Путин → putin); invisible characters inside words removed
    (INVISIBLE_IN_WORDS); lower case. Punctuation becomes ASCII punctuation (’ → ').
    Search (services.search) and the inbox (models.sponsorship) compare folded text.
    """
    # Only the non-ASCII runs ("é", "’", "«\u00a0") go through Unidecode, each once:
    # ~0.1 µs a character for French text, where Unidecode alone takes ~0.5.
    text = _NON_ASCII.sub(lambda run: _transliterate(run[0]), unicodedata.normalize("NFKC", text))
    return text.lower()


__all__ = [
    "BLOCK_LEVEL",
    "FORBIDDEN",
    "AcceptedText",
    "ForbiddenCharacters",
    "accept_text",
    "describe_characters",
    "fold",
    "require_text",
    "to_plain_text",
    "xml_safe",
]
