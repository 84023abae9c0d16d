"""The ``ameli`` command: Flask's CLI bound to the application factory."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from config import create_app
from config.settings import ConfigurationError


def _create_app() -> Flask:
    try:
        return create_app()
    except ConfigurationError as error:
        raise click.ClickException(f"configuration refused: {error}") from error


cli = FlaskGroup(
    name="ameli",
    create_app=_create_app,
    help="Operate the ameli account service (registry, clients, keys, accounts, mail, database).",
)


def main() -> None:
    """Run the ``ameli`` command line."""
    cli.main(prog_name="ameli")
