"""``ameli clients create|list|delete``: register the partner sites (SPEC §9)."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from idp import storage
from idp.clients import ALGORITHMS
from idp.clients import client_settings
from idp.clients import register_client
from idp.models import AuthMethod
from idp.models import SubjectType

clients_cli = AppGroup("clients", help="Register the partner sites (OpenID Connect clients).")


@clients_cli.command("create")
@click.option("--name", required=True, help="Name shown to people on the consent page.")
@click.option("--redirect-uri", "redirect_uris", multiple=True, required=True)
@click.option("--post-logout-redirect-uri", "post_logout_redirect_uris", multiple=True)
@click.option(
    "--auth-method",
    type=click.Choice([method.value for method in AuthMethod]),
    default=AuthMethod.CLIENT_SECRET_BASIC.value,
    show_default=True,
)
@click.option("--jwks-uri", help="Where the client's public keys are (private_key_jwt).")
@click.option("--id-token-alg", type=click.Choice(ALGORITHMS), default="RS256", show_default=True)
@click.option(
    "--userinfo-alg", type=click.Choice(("none", *ALGORITHMS)), default="none", show_default=True
)
@click.option(
    "--subject-type",
    type=click.Choice([kind.value for kind in SubjectType]),
    default=SubjectType.PAIRWISE.value,
    show_default=True,
)
@click.option("--sector-identifier", help="Sector of pairwise subjects (default: redirect host).")
@click.option("--scope", "scopes", multiple=True, help="Allowed scope (default: all).")
@click.option("--trusted", is_flag=True, help="Skip the consent page (FranceConnect).")
def create_command(
    name: str,
    redirect_uris: tuple[str, ...],
    post_logout_redirect_uris: tuple[str, ...],
    auth_method: str,
    jwks_uri: str | None,
    id_token_alg: str,
    userinfo_alg: str,
    subject_type: str,
    sector_identifier: str | None,
    scopes: tuple[str, ...],
    trusted: bool,
) -> None:
    """Register a client; print its client_id and, once only, its client_secret."""
    try:
        client, secret = register_client(
            name=name,
            redirect_uris=list(redirect_uris),
            post_logout_redirect_uris=list(post_logout_redirect_uris),
            auth_method=auth_method,
            jwks_uri=jwks_uri,
            id_token_alg=id_token_alg,
            userinfo_alg=None if userinfo_alg == "none" else userinfo_alg,
            subject_type=subject_type,
            sector_identifier=sector_identifier,
            scopes=[item for scope in scopes for item in scope.split()],
            trusted=trusted,
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    output = client_settings(client)
    if secret is not None:
        output["client_secret"] = secret
    click.echo(json.dumps(output, ensure_ascii=False))


@clients_cli.command("list")
def list_command() -> None:
    """Print the registered clients, one JSON object a line (no secrets)."""
    for client in storage.list_clients():
        click.echo(json.dumps(client_settings(client), ensure_ascii=False))


@clients_cli.command("delete")
@click.argument("client_id")
def delete_command(client_id: str) -> None:
    """Delete a client with its codes, tokens and consents."""
    if not storage.delete_client(client_id):
        raise click.ClickException(f"no client {client_id}")
    click.echo(f"client {client_id} deleted")
