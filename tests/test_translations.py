"""The English catalogue: complete, compiled, well-formed, and actually used.

The source strings are French; translations/en/LC_MESSAGES/messages.po holds the English.
After adding or changing user-visible text, run `make translations`, fill the empty
msgstr entries in messages.po, then `.venv/bin/pybabel compile -d translations`.
"""

from __future__ import annotations

import io
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = ROOT / "Makefile"
PO_PATH = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO_PATH = PO_PATH.with_suffix(".mo")


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def _strings(value) -> tuple[str, ...]:
    """A msgid or msgstr as a tuple: one item, or one per plural form."""
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _messages(catalog: Catalog) -> Iterator[Message]:
    """Every real entry: no header, no obsolete entries."""
    return (message for message in catalog if message.id)


def _describe(message: Message) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:3])
    context = f" [context {message.context!r}]" if message.context else ""
    return f"  {_strings(message.id)[0]!r}{context}  ({where or 'no location'})"


# ------------------------------------------------------------------------- (a) complete


def _makefile_extract_command(output: Path) -> list[str]:
    """The `pybabel extract` line of `make translations`, writing to `output` instead.

    Read from the Makefile so this test always extracts exactly what `make translations`
    does (same keywords, same ignored directories, same babel.cfg).
    """
    lines = [
        line.strip()
        for line in MAKEFILE.read_text(encoding="utf-8").splitlines()
        if line.startswith("\t") and "pybabel extract" in line
    ]
    assert len(lines) == 1, f"expected one `pybabel extract` line in {MAKEFILE}, found {lines}"
    words = shlex.split(lines[0])
    assert words[0] == "$(BIN)/pybabel", f"unexpected extract command: {lines[0]}"
    assert not any("$(" in word for word in words[1:]), f"unexpanded variable in {lines[0]}"
    if "-o" in words:
        words[words.index("-o") + 1] = str(output)
    else:  # --output=... or --output-file=...
        words = [w for w in words if not w.startswith("--output")] + ["-o", str(output)]
    return [sys.executable, "-m", "babel.messages.frontend", *words[1:]]


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory) -> Catalog:
    """The messages in the code and templates right now, extracted as the Makefile does."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    result = subprocess.run(
        _makefile_extract_command(pot), cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"pybabel extract failed:\n{result.stderr[-3000:]}"
    return _read_po(pot)


def test_every_extracted_message_has_an_english_translation(fresh_template):
    english = _read_po(PO_PATH)
    missing = []
    for message in _messages(fresh_template):
        translated = english.get(message.id, context=message.context)
        if (
            translated is None
            or translated.fuzzy
            or not all(s.strip() for s in _strings(translated.string))
            or len(_strings(translated.id)) != len(_strings(message.id))  # plural changed
        ):
            missing.append(_describe(message))
    if missing:
        pytest.fail(
            f"{len(missing)} French message(s) have no English translation in "
            f"{PO_PATH.relative_to(ROOT)} (empty, fuzzy, or not merged yet). Run "
            "`make translations`, translate these, then `.venv/bin/pybabel compile -d "
            "translations`:\n" + "\n".join(missing),
            pytrace=False,
        )


# --------------------------------------------------------------------------- (b) compiled


def _as_dict(catalog: Catalog) -> dict:
    return {
        (_strings(message.id), message.context): _strings(message.string)
        for message in _messages(catalog)
    }


def test_committed_mo_matches_the_po():
    compiled = io.BytesIO()
    write_mo(compiled, _read_po(PO_PATH))  # as `pybabel compile` does: fuzzy entries left out
    compiled.seek(0)
    expected = _as_dict(read_mo(compiled))
    with MO_PATH.open("rb") as file:
        committed = _as_dict(read_mo(file))

    if committed != expected:
        stale = sorted(
            repr(key[0][0])
            for key in expected.keys() | committed.keys()
            if expected.get(key) != committed.get(key)
        )
        pytest.fail(
            f"{MO_PATH.relative_to(ROOT)} is out of date with messages.po for "
            f"{len(stale)} message(s); run `.venv/bin/pybabel compile -d translations`:\n  "
            + "\n  ".join(stale[:50]),
            pytrace=False,
        )


# ------------------------------------------------------------------------ (c) placeholders

# printf-style conversions, as Python's % operator reads them; "%%" is a literal percent.
_PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)


def _placeholders(text: str) -> tuple[set[tuple[str, str]], list[str]]:
    """(named placeholders as (name, type), positional types in order)."""
    named, positional = set(), []
    for match in _PLACEHOLDER.finditer(text):
        if match["type"] == "%":
            continue
        if match["name"] is not None:
            named.add((match["name"], match["type"]))
        else:
            positional.append(match["type"])
    return named, positional


def _shown(named: set[tuple[str, str]]) -> list[str]:
    return sorted(f"%({name}){type_}" for name, type_ in named)


def _placeholder_problems(message: Message) -> list[str]:
    ids = [_placeholders(text) for text in _strings(message.id)]
    strs = [_placeholders(text) for text in _strings(message.string) if text]
    if not strs:
        return []  # untranslated: test (a) reports it
    wanted = set().union(*(named for named, _ in ids))
    got = set().union(*(named for named, _ in strs))
    problems = []
    if got != wanted:
        problems.append(f"msgid has {_shown(wanted)}, msgstr has {_shown(got)}")
    for named, _ in strs:  # each plural form may drop a placeholder (e.g. "an error"), not add one
        if named - wanted:
            problems.append(f"unknown placeholder(s) {sorted(named - wanted)}")
    if {tuple(p) for _, p in strs} - {tuple(p) for _, p in ids}:
        problems.append("positional placeholders differ")
    return problems


def test_translations_keep_the_placeholders_of_the_french():
    problems = [
        f"{_describe(message)}: {'; '.join(found)}"
        for message in _messages(_read_po(PO_PATH))
        if (found := _placeholder_problems(message))
    ]
    if problems:
        pytest.fail(
            "Placeholder mismatch between msgid and msgstr:\n" + "\n".join(problems),
            pytrace=False,
        )


def test_the_placeholder_check_catches_a_mismatch():
    wrong = Message("Publié le %(date)s", "Published on %(day)s")
    dropped = Message("%(num)d lien", "a link")
    plural = Message(
        ("Le formulaire contient une erreur :", "Le formulaire contient %(num)d erreurs :"),
        ("The form contains an error:", "The form contains %(num)d errors:"),
    )
    retyped = Message("Page %(page)d sur %(pages)d", "Page %(page)s of %(pages)d")
    assert _placeholder_problems(wrong)
    assert _placeholder_problems(dropped)
    assert _placeholder_problems(retyped)
    assert not _placeholder_problems(plural)
    assert not _placeholder_problems(Message("50 %% des lecteurs", "50%% of readers"))


# ------------------------------------------------------------------------------- (d) smoke

# Interface strings of the front page (not article content, which stays French).
FRENCH_UI_STRINGS = [
    "À la une",
    "Aller au contenu",
    "Journal indépendant",
    "Rubriques",
    "Rechercher",
    "Contacter la rédaction",
    "Espace rédaction",
    "Aucun cookie",
    "Articles plus anciens",
]


def test_front_page_in_english(client, demo):
    client.application.config["BABEL_DEFAULT_LOCALE"] = "en"
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert ">Top stories</a>" in html  # the navigation link
    assert "Skip to content" in html
    french = [text for text in FRENCH_UI_STRINGS if text in html]
    assert not french, f"French interface text on the English front page: {french}"
