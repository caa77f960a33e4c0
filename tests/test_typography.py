"""French typography applied at render time, and slugs."""

import pytest

from models.slugs import slugify, unique_slug
from services.typography import typeset_html, typeset_text

NNBSP = "\u202f"


@pytest.fixture(autouse=True)
def french(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Vers un “partenariat” ?", f"Vers un “partenariat”{NNBSP}?"),
        ("Lecture : 3 min", f"Lecture{NNBSP}: 3 min"),
        ("Quoi ?! Non!", f"Quoi{NNBSP}?! Non{NNBSP}!"),
        ("« Bonjour »", f"«{NNBSP}Bonjour{NNBSP}»"),
        ("«Bonjour»", f"«{NNBSP}Bonjour{NNBSP}»"),
        ("lors d'un sommet", "lors d’un sommet"),
        ("ratio 3:2 et https://exemple.fr/a?b=1", "ratio 3:2 et https://exemple.fr/a?b=1"),
        ("a < b & c ?", f"a &lt; b &amp; c{NNBSP}?"),
    ],
)
def test_typeset_text(raw, expected):
    assert str(typeset_text(raw)) == expected


def test_typeset_html_touches_only_text():
    html = '<a href="https://exemple.fr/?q=1;x">lien</a> : voir &amp; lire ; <strong>oui</strong> !'
    assert str(typeset_html(html)) == (
        f'<a href="https://exemple.fr/?q=1;x">lien</a>{NNBSP}: voir &amp; lire{NNBSP}; '
        f"<strong>oui</strong>{NNBSP}!"
    )


def test_english_is_left_alone(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    with app.test_request_context():
        assert str(typeset_text("Really? Yes: it's fine")) == "Really? Yes: it&#39;s fine"


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        (
            "Poutine salue le soutien nord-coréen lors d’un sommet à Pyongyang",
            "poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang",
        ),
        ("Économie : l’œuvre des cœurs", "economie-l-oeuvre-des-coeurs"),
        ("  !!!  ", "article"),
        ("Ça coûte 3 € ?", "ca-coute-3"),
    ],
)
def test_slugify_transliterates_french(text, slug):
    assert slugify(text) == slug


def test_unique_slug_appends_a_number():
    taken = {"titre", "titre-2"}
    assert unique_slug("titre", taken.__contains__) == "titre-3"
    assert unique_slug("libre", taken.__contains__) == "libre"
