"""Operator commands of the signing keys: ``ameli keys list|rotate|retire|prune``."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from datetime import datetime
from functools import wraps
from typing import ParamSpec
from typing import TypeVar

import click
from flask.cli import AppGroup

from keys import crypto
from keys import lifecycle
from keys.errors import SigningKeyError
from keys.models import KeyState
from keys.models import SigningKey
from keys.settings import get_settings

keys_cli = AppGroup("keys", help="Manage the signing keys published in the JWKS.")

P = ParamSpec("P")
R = TypeVar("R")


def _one_line_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Report a key error as one line and exit 1, never with a traceback."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except SigningKeyError as error:
            raise click.ClickException(str(error)) from error

    return run


def _moment(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M:%SZ")


def _row(key: SigningKey) -> tuple[str, ...]:
    if key.state is KeyState.NEXT:
        # When it may sign: the rotation before that is refused without --force.
        until = "signs from " + _moment(key.created_at + get_settings().publication_delay)
    elif key.state is KeyState.RETIRED:
        until = "removed at " + _moment(key.published_until)
    else:
        until = "-"
    created = _moment(key.created_at)
    activated = _moment(key.activated_at)
    retired = _moment(key.retired_at)
    return (key.kid, key.alg, key.state.value, created, activated, retired, until)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    return "\n".join(line.rstrip() for line in lines)


@keys_cli.command("list")
def list_command() -> None:
    """List every signing key, its state and when it leaves the JWKS."""
    keys = lifecycle.all_keys()
    if not keys:
        click.echo("no signing keys: run `ameli keys rotate`")
        return
    header = ("KID", "ALG", "STATE", "CREATED", "ACTIVATED", "RETIRED", "NEXT STEP")
    click.echo(_table(header, [_row(key) for key in keys]))


@keys_cli.command("rotate")
@click.option(
    "--alg",
    "algs",
    type=click.Choice(crypto.ALGORITHMS),
    multiple=True,
    help="Algorithm to rotate (repeatable; default: all).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Promote the next key even if it was published less than the publication delay ago.",
)
@_one_line_errors
def rotate_command(algs: tuple[str, ...], force: bool) -> None:
    """Make each next key current, retire the current one and publish a new next key."""
    for alg in algs or crypto.ALGORITHMS:
        rotation = lifecycle.rotate(alg, force=force)
        if not rotation.promoted:
            click.echo(
                f"{alg}: no next key was published; published {rotation.next}, "
                f"which may sign from {_moment(rotation.next_usable_at)}; "
                f"{rotation.current} keeps signing"
            )
            continue
        click.echo(f"{alg}: {rotation.current} now signs")
        if rotation.retired is not None:
            click.echo(
                f"{alg}: {rotation.retired} retired, "
                f"published until {_moment(rotation.retired_published_until)}"
            )
        click.echo(
            f"{alg}: {rotation.next} published as next, "
            f"may sign from {_moment(rotation.next_usable_at)}"
        )


@keys_cli.command("retire")
@click.argument("kid")
@click.option(
    "--compromised",
    is_flag=True,
    help="Remove it from the JWKS at once: tokens it signed stop verifying.",
)
@_one_line_errors
def retire_command(kid: str, compromised: bool) -> None:
    """Retire the key KID now; if it was signing, the next key takes over."""
    retirement = lifecycle.retire(kid, compromised=compromised)
    click.echo(
        f"{retirement.alg}: {retirement.kid} retired, "
        f"published until {_moment(retirement.published_until)}"
    )
    click.echo(f"{retirement.alg}: {retirement.current} signs, {retirement.next} is next")


@keys_cli.command("prune")
@_one_line_errors
def prune_command() -> None:
    """Delete the retired keys whose tokens have all expired."""
    kids = lifecycle.prune()
    click.echo(f"{len(kids)} retired key(s) deleted" + "".join(f"\n  {kid}" for kid in kids))
