"""Slugs transliterate every script (python-slugify + Unidecode) and keep their old rules.

Issue 11 §1: "Lech Wałęsa reçu à l’Élysée" gave `lech-waesa-…` (ł dropped), and Cyrillic
or Korean headlines gave `article-3`. The French cases of tests/test_typography.py still
hold (max length, "article" for no letters, uniqueness suffixes).
"""

from __future__ import annotations

import re

import pytest

from models.slugs import slugify, unique_slug
from tests.factories import log_in, make_section, make_user


@pytest.mark.parametrize(
    ("headline", "slug"),
    [
        ("Lech Wałęsa reçu à l’Élysée", "lech-walesa-recu-a-l-elysee"),
        # Letters Unicode does not decompose, and ligatures.
        ("Ærø, Øresund et Đakovo", "aero-oresund-et-dakovo"),
        ("Þingvellir, Iğdır, Straße", "thingvellir-igdir-strasse"),
        ("L’œuvre du cœur", "l-oeuvre-du-coeur"),
        # Decomposed text and invisible characters inside words.
        ("Le de\u0301bat sur l’e\u0301galite\u0301", "le-debat-sur-l-egalite"),
        ("La ré\u00adforme", "la-reforme"),
        ("Cyber\u200bsécurité", "cybersecurite"),
        # Other scripts are transliterated, never left empty.
        ("Путин посетил Пхеньян", "putin-posetil-pkhenian"),
        ("대한민국 대통령", "daehanmingug-daetongryeong"),
        ("Ο Τσίπρας στην Αθήνα", "o-tsipras-sten-athena"),
        # Symbols say nothing in an address; apostrophes of every kind separate words.
        ("100 % bio : 3 € le kilo 😀", "100-bio-3-le-kilo"),
        ("aujourd'hui, aujourd’hui, aujourdʼhui", "aujourd-hui-aujourd-hui-aujourd-hui"),
        ("ﬁn de partie", "fin-de-partie"),
    ],
)
def test_slugs_transliterate_every_letter(headline, slug):
    assert slugify(headline) == slug


def test_nfc_and_nfd_give_the_same_slug():
    assert slugify("Élysée") == slugify("E\u0301lyse\u0301e") == "elysee"


def test_slugs_are_cut_at_the_maximum_without_a_trailing_hyphen():
    slug = slugify("Wałęsa " * 30, max_length=40)
    assert len(slug) <= 40 and not slug.endswith("-") and slug.startswith("walesa-walesa")
    assert slugify("anticonstitutionnellement", max_length=10) == "anticonsti"


@pytest.mark.parametrize("text", ["", "  !!!  ", "😀 🇫🇷", "€ % +", "\u200b\u00ad"])
def test_text_without_letters_gives_article(text):
    assert slugify(text) == "article"


def test_every_slug_is_url_safe_ascii():
    for text in ["Ça coûte 3 € ?", "東京 タワー", "Ελλάδα", "אבג", "عربي", "a--b__c..d"]:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slugify(text)), text


def test_uniqueness_suffixes_still_apply_to_transliterated_slugs():
    taken = {"putin", "putin-2"}
    assert unique_slug(slugify("Путин"), taken.__contains__) == "putin-3"


def test_a_new_article_in_cyrillic_gets_a_transliterated_address(client, app):
    section = make_section("Monde", slug="monde")
    editor = make_user("Éric Éditeur", role="editor")
    log_in(client, editor)
    response = client.post(
        "/redaction/articles/nouveau",
        data={"headline": "Путин в Пхеньяне", "section": section.id, "author": editor.id},
    )
    assert response.status_code in (302, 303), response.status_code
    assert "/article/putin-v-pkheniane" in response.headers["Location"]
