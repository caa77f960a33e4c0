"""French typography applied at render time, and slugs."""

from datetime import datetime, timedelta, timezone

import pytest

from models.slugs import slugify, unique_slug
from models.time import iso_utc
from services.typography import publication_datetime, short_date, typeset_html, typeset_text

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
    ("utc", "long", "short"),
    [
        (datetime(2024, 6, 1, 7, 0), "samedi 1er juin 2024 à 9\u00a0h\u00a000", "1er juin 2024"),
        # 22 h 30 UTC on 31 May is already 1 June in Paris: the site's day decides.
        (datetime(2024, 5, 31, 22, 30), "samedi 1er juin 2024 à 0\u00a0h\u00a030", "1er juin 2024"),
        (datetime(2024, 6, 11, 12, 5), "mardi 11 juin 2024 à 14\u00a0h\u00a005", "11 juin 2024"),
        (
            datetime(2024, 6, 30, 22, 30),
            "lundi 1er juillet 2024 à 0\u00a0h\u00a030",
            "1er juillet 2024",
        ),
    ],
)
def test_the_first_of_the_month_is_an_ordinal_in_french(utc, long, short):
    assert (publication_datetime(utc), short_date(utc)) == (long, short)


def test_english_dates_have_no_french_ordinal(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    with app.test_request_context():
        assert "1er" not in short_date(datetime(2024, 6, 1, 7, 0))


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


# --------------------------------------------------------------------------- machine-readable dates


def test_iso_utc_is_the_one_date_format():
    noon = datetime(2024, 6, 19, 12, 5, 0, 123456)
    assert iso_utc(noon) == "2024-06-19T12:05:00Z"
    assert iso_utc(noon, timespec="minutes") == "2024-06-19T12:05Z"
    assert iso_utc(noon, offset=True) == "2024-06-19T12:05:00+00:00"
    paris = noon.replace(tzinfo=timezone(timedelta(hours=2)))
    assert iso_utc(paris) == "2024-06-19T10:05:00Z"  # an aware time is converted
    assert iso_utc(None) is None
    with pytest.raises(ValueError):
        iso_utc(noon, timespec="fortnights")


def test_the_iso_datetime_filter(app):
    noon = datetime(2024, 6, 19, 12, 5)
    render = app.jinja_env.from_string
    assert render("{{ d|iso_datetime }}").render(d=noon) == "2024-06-19T12:05Z"
    assert render('{{ d|iso_datetime("seconds") }}').render(d=noon) == "2024-06-19T12:05:00Z"
    assert render("{{ d|iso_datetime }}").render(d=None) == ""


@pytest.mark.parametrize(
    ("n", "text"),
    [(1000, "1000 octets"), (1024, "1 Kio"), (1536, "1,5 Kio"), (10 * 1024 * 1024, "10 Mio")],
)
def test_byte_size_in_french_binary_units(n, text):
    from services.typography import byte_size

    assert byte_size(n) == text
