"""`flask --app app demo …`: the demo article, and a generated archive for benchmarks."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from cli.database import schema_missing

demo_cli = AppGroup("demo", help="Données de démonstration.")


@demo_cli.command("load")
def demo_load() -> None:
    """Charge les rubriques, l’auteur et l’article de démonstration (idempotent)."""
    from demo.load import load_demo

    try:
        created = load_demo()
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    if created:
        for item in created:
            click.echo(f"Créé : {item}")
    else:
        click.echo("Rien à faire : les données de démonstration sont déjà là.")


@demo_cli.command("generate")
@click.option(
    "--articles",
    "count",
    type=click.IntRange(1, 1_000_000),
    required=True,
    help="Nombre d’articles à créer.",
)
@click.option(
    "--seed", type=int, default=None, help="Graine aléatoire, pour un tirage reproductible."
)
def demo_generate(count: int, seed: int | None) -> None:
    """Ajoute N articles réalistes (après `demo load`) ; relancer en ajoute N de plus."""
    from demo.generate import generate_articles

    try:
        with click.progressbar(length=count, label="Génération des articles") as bar:
            generate_articles(count, seed=seed, progress=bar.update)
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{count} articles créés.")
