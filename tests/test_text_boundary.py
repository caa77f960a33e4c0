"""The text boundary: NFC, and no character XML 1.0 forbids reaches storage from any input.

Issue 11 §1. The rule is models.text.accept_text; these tests check it is applied at
every boundary: every form class of the app (a guard: a new form or field that skips it
fails here), every text parameter of the command line, the sanitiser, and, end to end,
every POST route of the app with hostile text in each field, after which no stored
string holds a forbidden or decomposed character.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import JSON, String, Text, select
from werkzeug.datastructures import MultiDict
from wtforms import FieldList

from models import User, db
from models.text import (
    FORBIDDEN,
    ForbiddenCharacters,
    accept_text,
    describe_characters,
    require_text,
    xml_safe,
)
from services.richtext import clean_html, removal_message
from tests.factories import log_in, make_user
from tests.hardening_helpers import (
    build_url,
    build_world,
    headers_for,
    log_in_as,
    post_data,
    routes,
)
from views.forms import Cleaned, TextBoundary, applies_boundary, takes_text

# Every kind of character XML 1.0 forbids, and a decomposed accent (e + U+0301).
FORBIDDEN_SAMPLES = ["\x00", "\x01", "\x08", "\x0e", "\x1f", "\x7f", "\ufffe", "\uffff", "\ud800"]
HOSTILE = "Le de\u0301bat\x0bsuite\x00 et\ufffe fin\x1f"


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize("character", FORBIDDEN_SAMPLES)
def test_every_forbidden_character_is_removed_and_reported(character):
    accepted = accept_text(f"a{character}b")
    assert accepted.text == "ab" and accepted.removed == (character,)
    with pytest.raises(ForbiddenCharacters, match=f"U\\+{ord(character):04X}"):
        require_text(f"a{character}b")


@pytest.mark.parametrize("allowed", ["\t", "\n", "\r", " ", "\u00ad", "\u200b", "\u200d", "\x85"])
def test_characters_xml_allows_stay(allowed):
    assert accept_text(f"a{allowed}b") == accept_text(f"a{allowed}b", multiline=False)
    assert accept_text(f"a{allowed}b").text == unicodedata.normalize("NFC", f"a{allowed}b")
    assert require_text(f"a{allowed}b") == f"a{allowed}b"


def test_word_line_breaks_become_line_breaks_or_spaces():
    assert accept_text("Marie\x0bDupont").text == "Marie\nDupont"
    assert accept_text("Marie\x0bDupont", multiline=False).text == "Marie Dupont"
    assert accept_text("page\x0cdeux", multiline=False).text == "page deux"
    assert accept_text("Marie\x0bDupont").removed == ()  # converted, not lost
    assert require_text("Marie\x0bDupont", multiline=False) == "Marie Dupont"


def test_text_comes_out_nfc_and_the_boundary_is_idempotent():
    accepted = accept_text(HOSTILE)
    assert accepted.text == "Le débat\nsuite et fin"
    assert unicodedata.is_normalized("NFC", accepted.text)
    assert accepted.removed == ("\x00", "\ufffe", "\x1f")
    assert accept_text(accepted.text) == type(accepted)(accepted.text)
    assert describe_characters(accepted.removed) == "U+0000, U+FFFE, U+001F"


def test_xml_safe_keeps_everything_xml_allows():
    allowed = "".join(chr(c) for c in (0x9, 0xA, 0xD, 0x20, 0xD7FF, 0xE000, 0xFFFD, 0x10000))
    assert xml_safe(allowed) == allowed
    assert xml_safe("".join(FORBIDDEN_SAMPLES) + "x\x0by\x0cz") == "x y z"


def test_the_sanitiser_applies_the_boundary_and_tells_the_editor():
    for kind in ("paragraph", "list_item", "plain"):
        result = clean_html(HOSTILE, kind)
        assert not FORBIDDEN.search(result.html)
        assert unicodedata.is_normalized("NFC", result.html) and "débat" in result.html
        assert dict(result.removed)["invisible"] == 3
        assert removal_message(result) == "3 caractères invisibles ont été retirés."
    # Written as character references, they are caught after decoding.
    result = clean_html("a&#1;b&#xFFFE;c e&#769;", "plain")
    assert result.html == "abc é" and dict(result.removed)["invisible"] == 2


@pytest.mark.parametrize("kind", ["paragraph", "list_item", "plain"])
@pytest.mark.parametrize(
    "reference",
    ["&#0;", "&#x0;", "&#0000;", "&#xD800;", "&#xdfff;", "&#x110000;", "&#" + "9" * 5000 + ";"],
)
def test_references_a_browser_reads_as_a_replacement_character_are_removed_and_counted(
    kind, reference
):
    """NUL, surrogates and code points past U+10FFFF become U+FFFD in an HTML parser: the
    editor is told, and no replacement character is stored."""
    result = clean_html(f"a{reference}b", kind)
    assert result.html == "ab" and dict(result.removed) == {"invisible": 1}


def test_a_typed_replacement_character_and_ordinary_references_are_kept():
    assert clean_html("a\ufffdb &#233; &#x20AC;", "paragraph").html == "a\ufffdb é €"


# --------------------------------------------------------------------------- every form

# Forms whose constructor needs an argument.
FORM_ARGUMENTS = {"SetPasswordForm": {"email": "zoe@exemple.fr"}}
# Text fields that may skip the boundary, and why. Keep this short.
EXEMPT: set[tuple[str, str]] = set()


def all_form_classes() -> list[type]:
    found, todo = [], [FlaskForm]
    while todo:
        for cls in todo.pop().__subclasses__():
            todo.append(cls)
            if cls.__module__.startswith("views."):
                found.append(cls)
    return sorted(set(found), key=lambda c: (c.__module__, c.__name__))


def text_fields(form):
    for field in form:
        for entry in field.entries if isinstance(field, FieldList) else [field]:
            if takes_text(entry):
                yield field.short_name, entry


def build(cls, formdata=None):
    return cls(formdata=formdata, **FORM_ARGUMENTS.get(cls.__name__, {}))


def test_every_text_field_of_every_form_passes_the_boundary(app):
    make_user("Éric Éditeur", role="editor")  # forms listing staff have someone to list
    classes = all_form_classes()
    names = {cls.__name__ for cls in classes}
    assert {"InquiryForm", "InviteForm", "NoteForm", "CorrectionForm", "SponsorForm"} <= names
    assert {"HeadlineForm", "ParagraphForm", "ListForm", "NewArticleForm"} <= names
    missing, checked = [], 0
    with app.test_request_context(method="POST"):
        for cls in classes:
            empty = build(cls)
            data = MultiDict({entry.name: HOSTILE for _name, entry in text_fields(empty)})
            form = build(cls, data)
            for name, field in text_fields(form):
                if (cls.__name__, name) in EXEMPT:
                    continue
                field.validate(form)
                checked += 1
                if not applies_boundary(field):
                    missing.append(f"{cls.__module__}.{cls.__name__}.{name}")
                elif any(isinstance(f, TextBoundary) for f in field.filters):
                    # Given back once: the text as it would be stored, and why.
                    assert (
                        field.data
                        == accept_text(HOSTILE, multiline=field.type == "TextAreaField").text
                    )
                    assert any("caractères invisibles non autorisés" in e for e in field.errors)
                else:
                    assert any(isinstance(v, Cleaned) for v in field.validators)
                    if hasattr(field, "cleaned"):  # Cleaned ran (not stopped earlier)
                        assert not FORBIDDEN.search(field.cleaned.html)
                        assert dict(field.cleaned.removed).get("invisible") == 3
    assert missing == []
    assert checked >= 25


def test_a_display_name_with_word_line_break_is_stored_with_a_space(client, app):
    admin = make_user("Ada Admin", role="admin")
    log_in(client, admin)
    response = client.post(
        "/redaction/comptes/",
        data={"email": "zoe@exemple.fr", "display_name": "Zoé\x0bLefèvre", "role": "author"},
    )
    assert response.status_code < 400
    assert db.session.scalar(select(User.display_name).filter_by(email="zoe@exemple.fr")) == (
        "Zoé Lefèvre"
    )


def test_a_display_name_with_a_nul_comes_back_cleaned_with_a_message(client, app):
    admin = make_user("Ada Admin", role="admin")
    log_in(client, admin)
    response = client.post(
        "/redaction/comptes/",
        data={"email": "zoe@exemple.fr", "display_name": "Zoe\u0301\x00 Lefèvre", "role": "author"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Un caractère invisible non autorisé (U+0000) a été retiré de ce texte" in html
    assert 'value="Zoé Lefèvre"' in html  # shown as it would be stored, for a second look
    assert db.session.scalar(select(User).filter_by(email="zoe@exemple.fr")) is None


def test_the_inquiry_form_gives_hostile_text_back_cleaned(client, app):
    from tests.sponsorship_factories import form_data

    response = client.post("/sponsoring", data=form_data(organisation="ACME\ufffe SA"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "(U+FFFE) a été retiré" in html and 'value="ACME SA"' in html


# --------------------------------------------------------------------------- command line


def test_every_text_parameter_of_the_command_line_passes_the_boundary(app):
    import click

    from cli.params import Text

    unguarded = []
    for group in app.cli.commands.values():
        commands = group.commands.values() if isinstance(group, click.Group) else [group]
        for command in commands:
            if not command.callback.__module__.startswith("cli."):
                continue  # Flask's and Flask-Migrate's own commands
            for param in command.params:
                if isinstance(param.type, click.types.StringParamType) and not isinstance(
                    param.type, Text
                ):
                    unguarded.append(f"{command.name} {param.name}")
    assert unguarded == []
    assert "users" in app.cli.commands and "inquiries" in app.cli.commands


def test_users_create_normalises_and_refuses_forbidden_characters(app, runner):
    result = runner.invoke(
        args=["users", "create", "Zoe\u0301@exemple.fr", "--name", "Zoe\u0301\x0bLefèvre",
              "--password-stdin"],
        input="un-mot-de-passe-solide\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).filter_by(email="zoé@exemple.fr"))
    assert user.display_name == "Zoé Lefèvre"

    result = runner.invoke(
        args=["users", "create", "nul@exemple.fr", "--name", "A\x00B", "--password-stdin"],
        input="un-mot-de-passe-solide\n",
    )
    assert result.exit_code == 2
    assert "caractère invisible interdit : U+0000" in result.output
    assert db.session.scalar(select(User).filter_by(email="nul@exemple.fr")) is None


def test_arguments_that_are_not_utf8_are_refused_not_stored(app, runner):
    # Python reads undecodable argv bytes as lone surrogates (surrogateescape).
    result = runner.invoke(args=["users", "create", "a\udcff@exemple.fr", "--password-stdin"])
    assert result.exit_code == 2 and "U+DCFF" in result.output


def test_the_model_refuses_what_no_boundary_should_have_let_through(app):
    with pytest.raises(ValueError, match="U\\+0000"):
        User.invite("x@exemple.fr", display_name="A\x00B")


# --------------------------------------------------------------------------- end to end


def stored_strings():
    """(table.column, value) for every string stored anywhere, JSON block data included."""

    def walk(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    db.session.expire_all()
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if not columns:
                continue
            for row in connection.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    for text_ in walk(value):
                        yield f"{table.name}.{column.name}", text_


TEXT_KEYS = re.compile(r"(headline|html|text|body|name|organisation|period|message|email|link)$")


def test_no_post_route_stores_a_forbidden_or_decomposed_character(app, client):
    world = build_world()
    spiked, statuses = 0, {}
    for method, rule in routes(app):
        if method != "POST":
            continue
        log_in_as(client, world, "admin")
        arguments = world.arguments("admin")
        data = post_data(rule.endpoint, world, arguments)
        if not any(TEXT_KEYS.search(key) for key in data):
            continue  # no text to send (a button, a choice)
        data = {
            key: f"{value} e\u0301\x0b\x00\ufffe\x7f fin" if TEXT_KEYS.search(key) else value
            for key, value in data.items()
        }
        spiked += 1
        response = client.post(
            build_url(app, rule, arguments), data=data, headers=headers_for(rule)
        )
        assert response.status_code < 500, rule.endpoint
        statuses[rule.endpoint] = response.status_code
    bad = [
        (where, value)
        for where, value in stored_strings()
        if FORBIDDEN.search(value) or not unicodedata.is_normalized("NFC", value)
    ]
    assert bad == []
    assert spiked >= 10
    # The Cleaned fields were saved (and told), not refused: the text is there, composed.
    assert any("fin" in value and "é" in value for where, value in stored_strings()
               if where == "article.headline"), sorted(statuses.items())  # fmt: skip
