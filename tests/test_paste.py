"""Pasting into the editor: Word, Google Docs and web clipboards, tables, what is removed.

The samples in tests/data/paste/ are clipboard HTML as Word, Google Docs and Chromium
write it (see its README). Each test names what a reader must find in the list or the
paragraph, and that no bullet, number or cell runs into the text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.richtext import (
    TooLongError,
    clean_html,
    clean_paste,
    newlines_as_breaks,
    removal_message,
    split_list_item,
    split_paragraphs,
    strip_list_marker,
)
from tests.factories import HX, log_in, make_article, make_user

SAMPLES = Path(__file__).parent / "data" / "paste"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- lists pasted into a list


@pytest.mark.parametrize(
    "name, items",
    [
        (
            "word_bullets.html",
            [
                "Réduire le temps de trajet des <strong>élèves</strong> de 20\u00a0%",
                "Ouvrir deux lignes de bus <em>express</em>",
                "dont une de nuit",  # level 2: "o" in Courier New
                "le week-end seulement",  # level 3: "§" in Wingdings
            ],
        ),
        (
            "word_numbered.html",
            [
                "Le conseil a voté trois mesures\u00a0:",  # the paragraph before is kept
                "la gratuité des cantines",
                "un budget participatif",
                "ouvert aux moins de 18 ans",  # "a)"
                "la rénovation du gymnase",
            ],
        ),
        (
            "google_docs_list.html",
            [
                "<strong>Lundi</strong> : conférence de presse",
                "<em>Mardi</em> : vote du budget",
                "séance publique à 18 h",
            ],
        ),
        ("google_docs_numbered.html", ["Déposer le dossier", "Attendre l’accusé de réception"]),
        (
            "web_list.html",
            [
                "À retenir",
                '<a href="https://www.insee.fr/fr/statistiques">L’Insee</a> publie ses chiffres le 12.',
                "Le taux passe à <strong>3,1\u00a0%</strong> après révision.",
                "Sources\u00a0: Eurostat<br>et Banque de France",  # a <br> stays in its item
            ],
        ),
    ],
)
def test_a_pasted_list_is_one_item_per_list_paragraph_without_bullets(name, items):
    result = clean_paste(sample(name), None, "list")
    assert list(result.items) == items
    for item in result.items:
        assert not item.startswith(("·", "•", "o\u00a0", "§", "1.", "a)"))
        assert "mso" not in item and "style" not in item and "&nbsp;" not in item
        assert clean_html(item, "list_item").html == item  # already clean: stored as is


def test_words_plain_text_list_is_split_too():
    # What a textarea gets from Word without JavaScript: bullets, tabs, CRLF.
    text = (SAMPLES / "word_bullets.txt").read_bytes().decode("utf-8")
    expected = ["Réduire le temps de trajet", "Ouvrir deux lignes de bus", "dont une de nuit"]
    assert list(clean_paste(None, text, "list").items) == expected
    typed = clean_html(newlines_as_breaks(text), "list_item").html
    assert split_list_item(typed) == expected


@pytest.mark.parametrize(
    "typed, items",
    [
        ("· un<br>· deux", ["un", "deux"]),
        ("• un<br>• deux<br>suite du deux", ["un", "deux<br>suite du deux"]),
        ("1. un<br>2. deux<br>3. trois", ["un", "deux", "trois"]),
        ("a) un<br>b) deux", ["a) un<br>b) deux"]),  # "a) " alone is not Word's marker
        ("a)\tun<br>b)\tdeux", ["un", "deux"]),
        ("<strong>1.</strong> un<br>2. deux", ["un", "deux"]),
        ("Une phrase<br>sur deux lignes", ["Une phrase<br>sur deux lignes"]),
        ("· seul", ["· seul"]),  # one line: as typed
        ("— Oui, dit-il.<br>— Non.", ["— Oui, dit-il.<br>— Non."]),  # dialogue, not a list
        ("–\tun<br>–\tdeux", ["un", "deux"]),  # Word's dash bullets: a tab follows
        ("2024 fut une année", ["2024 fut une année"]),
        ("", []),
    ],
)
def test_split_list_item(typed, items):
    assert split_list_item(typed) == items


def test_strip_list_marker_keeps_text_that_only_looks_like_one():
    assert strip_list_marker("o\u00a0\u00a0\u00a0texte") == "texte"
    assert strip_list_marker("or donc") == "or donc"
    assert strip_list_marker("§ 3 du règlement") == "§ 3 du règlement"  # one space: not Word's
    assert strip_list_marker("— Oui, dit-il") == "— Oui, dit-il"


# --------------------------------------------------------------------------- pasted into a paragraph


def test_a_pasted_list_in_a_paragraph_keeps_its_bullets_and_numbers_as_lines():
    html = clean_paste(sample("word_numbered.html"), None, "paragraph").html
    assert html == (
        "Le conseil a voté trois mesures\u00a0:<br><br>1. la gratuité des cantines<br>"
        "2. un budget participatif<br>a) ouvert aux moins de 18 ans<br>3. la rénovation du gymnase"
    )
    assert clean_paste(sample("word_bullets.html"), None, "paragraph").html.count("• ") == 4


def test_pasted_paragraphs_are_separated_by_a_blank_line_and_split_on_save():
    html = clean_paste("<p>Un.</p>\n<p>Deux <b>gras</b>.</p>", None, "paragraph").html
    assert html == "Un.<br><br>Deux <strong>gras</strong>."
    assert split_paragraphs(html) == ["Un.", "Deux <strong>gras</strong>."]
    text = clean_paste(None, "Un\r\ndeux\r\n\r\ntrois", "paragraph").html
    assert text == "Un<br>deux<br><br>trois"


# --------------------------------------------------------------------------- what is removed


def test_a_pasted_table_keeps_its_cells_apart_and_the_editor_is_told():
    result = clean_paste(sample("word_table_image.html"), None, "paragraph")
    assert result.html == (
        "Résultats du premier tour\u00a0:<br><br><strong>Candidate</strong> | "
        "<strong>Voix</strong><br>Mme Durand | 12\u00a0408<br><br>Source\u00a0: préfecture."
    )
    assert dict(result.removed) == {"image": 1, "tableau": 1}
    assert removal_message(result) == (
        "1 image et 1 tableau (son texte est conservé) ont été retirés."
    )
    as_list = clean_paste(sample("word_table_image.html"), None, "list")
    assert "Mme Durand | 12\u00a0408" in as_list.items  # one row, one item


@pytest.mark.parametrize(
    "pasted, removed",
    [
        ('<p>a</p><img src="https://x.example/a.png"><p>b</p>', {"image": 1}),
        ('<p>a</p><iframe src="https://video.example/embed/1"></iframe>', {"media": 1}),
        ("<p>a</p><script>alert(1)</script>", {"script": 1}),
        ("<p>a</p><svg><circle r=2 /></svg><video src=v.mp4></video>", {"media": 2}),
        ("<table><tr><td>a</td></tr></table><table><tr><td>b</td></tr></table>", {"tableau": 2}),
        # Formatting is always dropped from a paste (the hint says so): not reported.
        ('<p style="color:red" class="x"><span lang=fr>a</span></p>', {}),
    ],
)
def test_what_a_paste_cannot_keep_is_counted(pasted, removed):
    result = clean_paste(pasted, None, "paragraph")
    assert dict(result.removed) == removed
    assert "alert" not in result.html and "circle" not in result.html
    assert (removal_message(result) is None) == (not removed)


def test_a_paste_too_large_is_refused():
    with pytest.raises(TooLongError):
        clean_paste("<p>x</p>" * 200_000, None, "paragraph")
    with pytest.raises(ValueError):
        clean_paste("<p>x</p>", None, "quote")


# --------------------------------------------------------------------------- the endpoint


@pytest.fixture
def editing(app, client):
    editor = make_user("Élise Éditrice", role="editor")
    article = make_article("Collage", blocks=[("list", {"items": ["un"], "ordered": False})])
    log_in(client, editor)
    return article


def test_paste_endpoint_returns_items_and_the_notice(client, editing):
    response = client.post(
        f"/redaction/articles/{editing.id}/collage/liste",
        headers=HX,
        data={"html": sample("web_list.html"), "text": "ignored when html is given"},
    )
    assert response.status_code == 200
    assert response.json["items"][0] == "À retenir"
    assert len(response.json["items"]) == 4
    assert response.json["notice"] == "1 image a été retirée."


def test_paste_endpoint_for_a_paragraph_and_plain_text(client, editing):
    response = client.post(
        f"/redaction/articles/{editing.id}/collage/paragraphe",
        headers=HX,
        data={"html": "", "text": "ligne 1\nligne 2"},
    )
    assert response.json == {"html": "ligne 1<br>ligne 2", "notice": None}


def test_paste_endpoint_refuses_strangers_and_huge_pastes(app, client, editing):
    too_big = client.post(
        f"/redaction/articles/{editing.id}/collage/paragraphe",
        headers=HX,
        data={"html": "<p>x</p>" * 200_000},
    )
    assert too_big.status_code == 413 and "plusieurs fois" in too_big.json["error"]
    outsider = make_user("Autre Auteur", role="author")
    log_in(client, outsider)
    refused = client.post(
        f"/redaction/articles/{editing.id}/collage/paragraphe", headers=HX, data={"html": "x"}
    )
    assert refused.status_code == 403
    unknown_kind = client.post(f"/redaction/articles/{editing.id}/collage/citation", headers=HX)
    assert unknown_kind.status_code == 404


@pytest.mark.parametrize("kind", ["paragraph", "list"])
def test_pasted_references_a_parser_reads_as_a_replacement_character_are_removed(kind):
    """ "&#0;" in pasted HTML would become U+FFFD while parsing: removed before it."""
    result = clean_paste("<p>a&#0;b</p><p>c&#xD800;d</p>", None, kind)
    assert "\ufffd" not in result.html + "".join(result.items)
    assert (result.html or " ".join(result.items)).replace("<br>", " ").split() == ["ab", "cd"]
