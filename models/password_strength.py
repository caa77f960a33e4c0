"""How guessable a password is: zxcvbn, taught French words and the AZERTY keyboard.

zxcvbn (Dropbox's estimator, the PyPI package `zxcvbn`, pinned) already knows 30,000
common passwords (many French ones among them: "azertyuiop", "motdepasse", "soleil",
"marseille"), English words and names, dates, sequences ("1234", "abcd"), repeats and
walks on the QWERTY, Dvorak and keypad layouts. It does not know the AZERTY layout most
of our newsroom types on, nor a few French words people build passwords from; both are
added here, once, through zxcvbn's own extension points (its frequency lists and its
table of keyboard graphs).

This module only measures; the policy and its French messages are
models.user.password_problem, the one place that decides (OWASP ASVS 5.0 6.2.4: refuse
the commonly used passwords; NIST SP 800-63B 5.1.1.2: refuse dictionary words,
repetitive or sequential characters, context-specific words).
"""

from __future__ import annotations

import enum

from zxcvbn import matching, zxcvbn

# zxcvbn's cost grows steeply with length (72 characters: ~0.05 s, 256: ~13 s), so only
# the first ESTIMATED_LENGTH characters are measured; a longer password is judged on them.
ESTIMATED_LENGTH = 72
# Refused below 10^10 guesses (zxcvbn's score 4): "motdepasse2024" is 10^8, "Marianne1789!!"
# 10^9, "correct horse battery" 10^14. Offline, against scrypt, 10^10 guesses is years.
MIN_GUESSES_LOG10 = 10

# French words people build passwords from that zxcvbn's lists lack or rank low (zxcvbn
# lower-cases and un-l33ts before matching; "liberte" and "liberté" are both listed).
FRENCH_WORDS = (
    "motdepasse",
    "gazette",
    "redaction",
    "rédaction",
    "journal",
    "journaliste",
    "actualite",
    "actualité",
    "bonjour",
    "bonsoir",
    "salut",
    "coucou",
    "doudou",
    "chouchou",
    "loulou",
    "mamour",
    "monamour",
    "jetaime",
    "jetadore",
    "bisous",
    "amour",
    "soleil",
    "vacances",
    "coccinelle",
    "papillon",
    "chocolat",
    "princesse",
    "chaton",
    "cheval",
    "tresor",
    "trésor",
    "doudoune",
    "nounours",
    "bebe",
    "bébé",
    "maman",
    "papa",
    "famille",
    "liberte",
    "liberté",
    "egalite",
    "égalité",
    "fraternite",
    "fraternité",
    "marianne",
    "france",
    "paris",
    "marseille",
    "lyon",
    "toulouse",
    "bordeaux",
    "nantes",
    "lille",
    "bretagne",
    "normandie",
    "olympique",
    "allezlom",
    "psg",
    "football",
    "pompier",
    "secret",
    "bienvenue",
    "azerty",
    "azertyuiop",
    "qsdfghjklm",
    "wxcvbn",
    "wxcvbn,;:!",
    "nicolas",
    "camille",
    "julien",
    "mathilde",
    "thomas",
    "sophie",
    "manon",
    "chloe",
    "chloé",
    "lucas",
    "louis",
    "emma",
    "lea",
    "léa",
)

# The French AZERTY layout (ISO), each key as "unshifted shifted", rows top to bottom; a
# row's first key sits under the gap between the first two keys of the row above, as on
# QWERTY (zxcvbn's "slanted" layout). Row 4 starts one key further left ("<>" left of w).
AZERTY_ROWS = (
    (1, "&1 é2 \"3 '4 (5 -6 è7 _8 ç9 à0 )° =+"),
    (1, "aA zZ eE rR tT yY uU iI oO pP ^¨ $£"),
    (1, "qQ sS dD fF gG hH jJ kK lL mM ù% *µ"),
    (0, "<> wW xX cC vV bB nN ,? ;. :/ !§"),
)


def _slanted_graph(rows) -> dict[str, list[str | None]]:
    """zxcvbn's adjacency graph for a slanted keyboard: for every character, its key's six
    neighbours (left, upper left, upper right, right, lower right, lower left; None at an
    edge), each as the neighbour key's characters, the shape of zxcvbn's own graphs."""
    keys: dict[tuple[int, int], str] = {}
    for y, (first_x, row) in enumerate(rows):
        for offset, key in enumerate(row.split()):
            keys[(first_x + offset, y)] = key
    graph = {}
    for (x, y), key in keys.items():
        around = [(x - 1, y), (x, y - 1), (x + 1, y - 1), (x + 1, y), (x, y + 1), (x - 1, y + 1)]
        for char in key:
            graph[char] = [keys.get(position) for position in around]
    return graph


AZERTY = _slanted_graph(AZERTY_ROWS)
# zxcvbn's spatial matcher walks every graph of this table; zxcvbn scores graphs it does
# not know like the keypad, which under-counts guesses: on the safe side for a policy.
matching.GRAPHS.setdefault("azerty", AZERTY)
matching.add_frequency_lists({"french": list(FRENCH_WORDS)})


class Weakness(enum.StrEnum):
    COMMON = "common"  # a common password or word, a repeat ("aaaa", "abcabc")
    PERSONAL = "personal"  # built on the context: the account's address, its local part
    KEYBOARD = "keyboard"  # a walk on a keyboard: "azertyuiop", "1q2w3e", "wxcvbn"
    SEQUENCE = "sequence"  # "1234", "abcd", a date, a recent year
    GUESSABLE = "guessable"  # none of those, but still too short for its variety


# zxcvbn's match patterns, by the weakness they show.
_PATTERNS = {
    "dictionary": Weakness.COMMON,
    "repeat": Weakness.COMMON,
    "spatial": Weakness.KEYBOARD,
    "sequence": Weakness.SEQUENCE,
    "date": Weakness.SEQUENCE,
    "regex": Weakness.SEQUENCE,  # zxcvbn's only regex: recent years
}


# A password this much made of keyboard walks (4 keys or more, any layout, any turns) is
# one: zxcvbn prices a zigzag like "zsedrftgyhuj" or "1a2z3e4r5t6y" by its turns, which
# makes it look strong, but walks are among the first things guessing tools try.
WALK_SHARE = 2 / 3
WALK_MIN_KEYS = 4


def weakness(password: str, context: list[str] = ()) -> Weakness | None:
    """Why `password` is too easy to guess, or None when it takes at least
    10^MIN_GUESSES_LOG10 guesses by zxcvbn's estimate and is not mostly keyboard walks.

    context: words of this account and site that an attacker would try first (the
    address, its local part); they count as common words.
    The reason is the pattern of the longest guessable part zxcvbn found ("motdepasse"
    in "motdepasse2024": COMMON; "azertyuiop" is a well-known password before a walk).
    """
    measured = password[:ESTIMATED_LENGTH]
    estimate = zxcvbn(measured, user_inputs=[word for word in context if word])
    if estimate["guesses_log10"] < MIN_GUESSES_LOG10:
        guessable = [m for m in estimate["sequence"] if m["pattern"] in _PATTERNS]
        if not guessable:
            return Weakness.GUESSABLE
        longest = max(guessable, key=lambda match: len(match["token"]))
        if longest.get("dictionary_name") == "user_inputs":  # zxcvbn's name for the context
            return Weakness.PERSONAL
        return _PATTERNS[longest["pattern"]]
    if _walked_share(measured) >= WALK_SHARE:
        return Weakness.KEYBOARD
    return None


def _walked_share(password: str) -> float:
    """The share of `password`'s characters inside keyboard walks of WALK_MIN_KEYS keys
    or more, on any layout zxcvbn knows (AZERTY included)."""
    walked = set()
    for match in matching.spatial_match(password):
        if match["j"] - match["i"] + 1 >= WALK_MIN_KEYS:
            walked.update(range(match["i"], match["j"] + 1))
    return len(walked) / len(password) if password else 0.0
