"""French typography for what readers see: spacing, apostrophes and dates.

Applied when rendering, never stored: the database keeps what the editor typed.
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import g
from flask_babel import (
    LazyString,
    format_datetime,
    format_decimal,
    get_locale,
    gettext,
    to_user_timezone,
)
from markupsafe import Markup, escape

from models.time import iso_utc

NARROW_NBSP = "\u202f"

# Tags (with quoted attributes) and character references are copied untouched,
# so a URL's "https:" or "&amp;" never gets a space.
_MARKUP_TOKEN = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>|&#?\w+;)""")
# A high punctuation mark that ends a word, with or without a space before it.
_HIGH_PUNCTUATION = re.compile(r"(?:(?<=[^\s;:!?«\u202f])|^)[ \u00a0]?([;:!?]+)(?=\s|$|[»”)\].,])")
_OPENING_GUILLEMET = re.compile(r"«[ \u00a0]?")
_CLOSING_GUILLEMET = re.compile(r"[ \u00a0]?»")
# A straight apostrophe between letters is a typing shortcut for the curly one.
_STRAIGHT_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")


def _french_text(text: str) -> str:
    text = _STRAIGHT_APOSTROPHE.sub("\u2019", text).replace("...", "…")
    text = _HIGH_PUNCTUATION.sub(NARROW_NBSP + r"\1", text)
    text = _OPENING_GUILLEMET.sub("«" + NARROW_NBSP, text)
    return _CLOSING_GUILLEMET.sub(NARROW_NBSP + "»", text)


def _is_french() -> bool:
    # Asked once per piece of text, so remembered for the request.
    french = g.get("typography_french")
    if french is None:
        locale = get_locale()
        french = g.typography_french = locale is None or locale.language == "fr"
    return french


def typeset_html(html: str) -> Markup:
    """Typeset already-sanitised HTML: only text between tags is touched."""
    if not _is_french():
        return Markup(html)
    parts = _MARKUP_TOKEN.split(html)
    # split() with one group alternates text (even) and markup (odd).
    return Markup("".join(p if i % 2 else _french_text(p) for i, p in enumerate(parts)))


def typeset_text(text: str | None) -> Markup:
    """Typeset plain text, then escape it."""
    return escape(typeset_plain(text))


def typeset_plain(text: str | None) -> str:
    """Typeset plain text and leave it plain (str): for outputs that escape it themselves,
    such as the XML generators of feeds."""
    text = text or ""
    return _french_text(text) if _is_french() else text


# The day field of a CLDR date pattern ("d"), not a letter inside quotes or another field.
_DAY_FIELD = re.compile(r"(?<![a-zA-Z'])d(?![a-zA-Z])")


def _first_of_month(pattern: str, value: datetime) -> str:
    """French writes the first day of a month as an ordinal, "1er juin" (Lexique des règles
    typographiques en usage à l'Imprimerie nationale), which CLDR patterns cannot say:
    the day field gets "er" then, in the site's timezone."""
    if get_locale().language == "fr" and to_user_timezone(value).day == 1:
        return _DAY_FIELD.sub("d'er'", pattern, count=1)
    return pattern


def publication_datetime(value: datetime) -> str:
    """ "mercredi 19 juin 2024 à 14 h 05", "samedi 1er juin 2024 à 9 h 00", in the site's
    timezone and language."""
    # The pattern is a translatable string so each language keeps its own convention.
    pattern = _first_of_month(gettext("EEEE d MMMM y 'à' H 'h' mm"), value)
    # "14 h 05" is one unit: no-break spaces keep the hour from splitting across lines.
    return format_datetime(value, pattern).replace(" h ", "\u00a0h\u00a0")


def short_date(value: datetime) -> str:
    """ "19 juin 2024", "1er juin 2024" """
    return format_datetime(value, _first_of_month(gettext("d MMMM y"), value))


def byte_size(n: int) -> str:
    """A size in bytes as French readers write it, in binary units: 1000 -> "1000 octets",
    1536 -> "1,5 Kio", 10485760 -> "10 Mio" (IEC 80000-13 prefixes, French "octet")."""
    value = float(n)
    for unit in ("octets", "Kio", "Mio", "Gio"):
        if value < 1024 or unit == "Gio":
            if unit == "octets":
                return f"{n} octets"
            return f"{value:.1f}".removesuffix(".0").replace(".", ",") + f" {unit}"
        value /= 1024
    raise AssertionError("unreachable: the last unit always answers")


def lazy_number(value: int) -> LazyString:
    """A number written the reader's way when shown: "5 000" (narrow space) in French,
    "5,000" in English. For limits quoted in hints and messages built at import time
    (lazy_gettext("… %(max)s …", max=lazy_number(LIMIT))); templates use |number.
    """
    return LazyString(format_decimal, value)


def iso_datetime(value: datetime | None, timespec: str = "minutes") -> str:
    """The |iso_datetime filter: models.time.iso_utc, "" for None.

    To the minute for <time datetime> ("2024-06-19T12:05Z"); feeds and sitemaps ask
    for seconds (|iso_datetime("seconds"): "2024-06-19T12:05:00Z").
    """
    return iso_utc(value, timespec=timespec) or ""
