"""Command-line parameter types: text arguments pass the text boundary too."""

from __future__ import annotations

import click

from models.text import ForbiddenCharacters, require_text


class Text(click.ParamType):
    """A one-line text argument, through models.text.require_text: NFC, and refused (with
    a French message, exit status 2) if it holds a character XML 1.0 forbids.

    Shells pass such characters easily (pasted text, `$'\\v'`), and arguments that are
    not valid UTF-8 arrive as lone surrogates (Python's surrogateescape), also refused.
    """

    name = "texte"

    def convert(self, value, param, ctx):
        try:
            return require_text(value, multiline=False)
        except ForbiddenCharacters as error:
            self.fail(str(error), param, ctx)


TEXT = Text()
