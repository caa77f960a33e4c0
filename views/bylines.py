"""Bylines: who signs an article, as readers read it ("Par A, B et C"), written once.

The names are joined the way the page's language lists them (Babel's list patterns from
CLDR): "A et B", "A, B et C" in French, "A, B and C" in English. Each name links to its
author page. Used by the byline (reading/_byline.html), which the article page shows and
every save swaps back out of band.
"""

from __future__ import annotations

from babel.lists import format_list
from flask import url_for
from flask_babel import get_locale
from markupsafe import Markup, escape

from models.user import User

# Private-use characters: no name or list pattern holds them.
_SLOT = "\ue000{}\ue001"


def names_list(items: list) -> Markup:
    """`items` (text, escaped here, or Markup, kept) joined as the current language lists
    names: "A", "A et B", "A, B et C". An empty list gives an empty Markup."""
    items = [escape(item) for item in items]
    if not items:
        return Markup("")
    locale = get_locale() or "fr"
    joined = escape(format_list([_SLOT.format(i) for i in range(len(items))], locale=locale))
    for i, item in enumerate(items):
        joined = joined.replace(_SLOT.format(i), item)
    return joined


def author_links(authors: list[User]) -> Markup:
    """Each author's name linking to their author page (rel="author"), joined as above."""
    return names_list(
        [
            Markup('<a rel="author" href="{}">{}</a>').format(
                url_for("reading.author", slug=author.slug), author.display_name
            )
            for author in authors
        ]
    )
