"""Enrollment: both sign-up paths, the shared code personnel and contact steps, activation,
and the beneficiary registry."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install enrollment's registry and commands on ``app``."""
    from enrollment import cli
    from enrollment import registry

    registry.init_app(app)
    app.cli.add_command(cli.registry_cli)
