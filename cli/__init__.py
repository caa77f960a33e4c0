"""The `flask --app app …` command groups, one module per group."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach every command group to the app's CLI."""
    from cli.articles import articles_cli
    from cli.demo import demo_cli
    from cli.imports import imports_cli
    from cli.inquiries import inquiries_cli
    from cli.outbox import outbox_cli
    from cli.site import site_cli
    from cli.users import users_cli

    for group in (
        demo_cli,
        users_cli,
        inquiries_cli,
        outbox_cli,
        articles_cli,
        imports_cli,
        site_cli,
    ):
        app.cli.add_command(group)
