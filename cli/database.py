"""The one answer every command gives when the schema is not there yet."""

from __future__ import annotations

import click


def schema_missing(error: Exception) -> click.ClickException:
    """A ClickException telling the operator to migrate first (error: OperationalError or
    ProgrammingError from SQLAlchemy, whose `orig` names the missing table)."""
    return click.ClickException(
        f"la base n’est pas prête ({getattr(error, 'orig', error)}). "
        "Lancez d’abord `flask --app app db upgrade`."
    )
