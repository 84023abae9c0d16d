"""Operator commands of the account: ``ameli accounts purge``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from accounts import activation
from accounts import session_store

accounts_cli = AppGroup("accounts", help="Manage ameli accounts.")


@accounts_cli.command("purge")
def purge_command() -> None:
    """Delete the address of accounts left pending for more than 21 days, and the sessions
    that ended (run daily)."""
    count = activation.purge_addresses()
    click.echo(f"{count:,} address(es) of pending accounts deleted")
    ended = session_store.purge_expired()
    click.echo(f"{ended:,} ended session(s) deleted")
