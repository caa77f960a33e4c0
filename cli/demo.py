"""`flask --app app demo …`: the demo article, and a generated archive for benchmarks."""

from __future__ import annotations

import time

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
    "--tags",
    type=click.IntRange(0, 100_000),
    default=None,
    help="Nombre de sujets répartis sur ces articles (par défaut : un pour 20 articles).",
)
@click.option(
    "--seed", type=int, default=None, help="Graine aléatoire, pour un tirage reproductible."
)
def demo_generate(count: int, tags: int | None, seed: int | None) -> None:
    """Ajoute N articles réalistes et leurs sujets (après `demo load`) ; relancer en ajoute
    N de plus (les sujets existants sont réutilisés, la une n’est composée qu’une fois)."""
    from demo.generate import generate_articles
    from services import prepared

    started = time.perf_counter()
    try:
        with click.progressbar(length=count, label="Génération des articles") as bar:
            generate_articles(count, seed=seed, progress=bar.update, tags=tags)
        # Their reader pages, as a save would have prepared them (services/prepared.py).
        with click.progressbar(length=count, label="Préparation des pages") as bar:
            prepared.prepare_stale(on_batch=bar.update)
    except (OperationalError, ProgrammingError) as error:
        raise schema_missing(error) from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    elapsed = time.perf_counter() - started
    click.echo(f"{count} articles créés en {elapsed:.0f} s.")
