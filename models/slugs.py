"""URL slugs from French text: "nord-coréen" → "nord-coreen"."""

import re
import unicodedata

# Letters that Unicode does not decompose into a base letter plus an accent.
# Apostrophes separate words: "d’un" → "d-un", not "dun".
_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "’": "-", "'": "-"}
)


def slugify(text: str, max_length: int = 80) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug[:max_length].rstrip("-") or "article"


def unique_slug(base: str, taken) -> str:
    """`base`, or `base-2`, `base-3`… whichever `taken(slug)` says is free."""
    slug, n = base, 1
    while taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug
