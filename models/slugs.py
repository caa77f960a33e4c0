"""URL slugs from any headline or name: "Lech Wałęsa reçu à l’Élysée" → "lech-walesa-recu-a-l-elysee".

Transliteration is python-slugify's with Unidecode (pinned in requirements.txt): every
letter Unicode does not decompose (ł, ø, đ, þ, ı) and other scripts (Путин → putin,
대한민국 → daehanmingug) get ASCII letters, so a slug is never empty of its headline.
"""

from __future__ import annotations

import re
import unicodedata

from slugify import slugify as _transliterate

from models.text import INVISIBLE_IN_WORDS

# Apostrophes separate words: "d’un" → "d-un", "l’Élysée" → "l-elysee" (python-slugify
# would glue them: "dun", "lelysee").
_APOSTROPHES = [["’", "-"], ["'", "-"], ["ʼ", "-"]]
# Symbols (€, %, +, emoji…) say nothing in an address: dropped, not spelled out ("EUR").
_SYMBOL_CATEGORIES = frozenset({"Sc", "Sk", "Sm", "So"})


def _without_symbols_or_invisibles(text: str) -> str:
    invisible = set(INVISIBLE_IN_WORDS)
    return "".join(
        " " if unicodedata.category(c) in _SYMBOL_CATEGORIES else c
        for c in text
        if c not in invisible
    )


def slugify(text: str, max_length: int = 80) -> str:
    """The slug for `text`: ASCII lower-case words joined by "-", at most `max_length` chars.

    "Économie : l’œuvre des cœurs" → "economie-l-oeuvre-des-coeurs"; NFC or NFD alike;
    soft hyphens and zero-width characters inside a word keep it whole. Text with no
    letter or digit gives "article". Cut at `max_length` characters (mid-word if need
    be), with no trailing "-". Raises nothing.
    """
    slug = _transliterate(
        _without_symbols_or_invisibles(unicodedata.normalize("NFKC", text)),
        replacements=_APOSTROPHES,
        lowercase=True,
    )
    slug = re.sub(r"-{2,}", "-", slug).strip("-")
    return slug[:max_length].rstrip("-") or "article"


def unique_slug(base: str, taken) -> str:
    """`base`, or `base-2`, `base-3`… whichever `taken(slug)` says is free."""
    slug, n = base, 1
    while taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug
