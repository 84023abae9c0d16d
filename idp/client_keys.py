"""The keys a ``private_key_jwt`` client signs its assertions with: registered with it, or
fetched from its ``jwks_uri`` with care.

A token request names its client by an assertion anyone can forge: nothing is fetched
before the assertion's header is plausible, a document once fetched is kept
(:data:`CACHE_SECONDS`), and an unknown ``kid`` refetches it at most once a minute. A fetch
follows no redirect, gives up after 2 s and reads at most 64 KiB; in production the address
must be https and must not lead to this machine or a private network. Every problem with a
client's keys is the client's: ``invalid_client``, never an error of ours.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

# Asymmetric algorithms only: a client proves itself with its private key.
ASSERTION_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
FETCH_TIMEOUT_SECONDS = 2
MAX_DOCUMENT_BYTES = 64 * 1024
CACHE_SECONDS = 300
REFETCH_SECONDS = 60
EXTENSION_KEY = "ameli.idp.client_keys"


class ClientKeyError(Exception):
    """The client's keys cannot verify its assertion; the message says why, for the log."""


@dataclass
class _Fetched:
    keys: dict[str, Any]
    fetched_at: float

    @property
    def kids(self) -> set[str]:
        return {str(key.get("kid")) for key in self.keys.get("keys", []) if isinstance(key, dict)}


def check_fetchable(uri: str, *, production: bool) -> None:
    """Refuse a ``jwks_uri`` this service must not fetch.

    :raises ClientKeyError: not http(s); in production, not https or leading to a loopback,
        private, link-local or reserved address.
    """
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClientKeyError("jwks_uri is not an http(s) URL")
    if not production:
        return
    if parts.scheme != "https":
        raise ClientKeyError("jwks_uri must be https in production")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except OSError as error:
        raise ClientKeyError(f"jwks_uri host does not resolve: {error}") from error
    for address in addresses:
        ip = ipaddress.ip_address(str(address).split("%", 1)[0])
        if not ip.is_global:
            raise ClientKeyError(f"jwks_uri leads to a non-public address ({ip})")


def _fetch(uri: str, *, production: bool) -> dict[str, Any]:
    check_fetchable(uri, production=production)
    try:
        with requests.get(
            uri, timeout=FETCH_TIMEOUT_SECONDS, allow_redirects=False, stream=True
        ) as response:
            if response.status_code != 200:
                raise ClientKeyError(f"jwks_uri answered {response.status_code}")
            body = response.raw.read(MAX_DOCUMENT_BYTES + 1, decode_content=True)
    except requests.RequestException as error:
        raise ClientKeyError(f"jwks_uri unreachable: {type(error).__name__}") from error
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ClientKeyError("jwks_uri document too large")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise ClientKeyError("jwks_uri document is not JSON") from error
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ClientKeyError("jwks_uri document is not a JWK Set")
    return document


class ClientKeys:
    """The keys of clients' ``jwks_uri``, fetched rarely and kept a while (thread-safe)."""

    def __init__(self, now: Any = time.monotonic) -> None:
        self._now = now
        self._fetched: dict[str, _Fetched] = {}
        self._lock = threading.Lock()

    def document(self, uri: str, kid: str | None, *, production: bool) -> dict[str, Any]:
        """Return the JWK Set at ``uri``; fetch it when unknown, stale, or without ``kid``."""
        now = self._now()
        with self._lock:
            known = self._fetched.get(uri)
        fresh = known is not None and now - known.fetched_at < CACHE_SECONDS
        lacks_kid = known is not None and kid is not None and kid not in known.kids
        may_refetch = known is None or now - known.fetched_at >= REFETCH_SECONDS
        if known is not None and fresh and not (lacks_kid and may_refetch):
            return known.keys
        document = _fetch(uri, production=production)
        with self._lock:
            self._fetched[uri] = _Fetched(document, now)
        return document


def key_set(client: Any, kid: str | None) -> KeySet:
    """Return the keys that may verify an assertion of ``client`` signed with ``kid``.

    :raises ClientKeyError: no usable key.
    """
    document = client.jwks
    if document is None:
        if not client.jwks_uri:
            raise ClientKeyError("the client has no keys")
        production = current_app.config["ENV"] == "production"
        keys: ClientKeys = current_app.extensions[EXTENSION_KEY]
        document = keys.document(client.jwks_uri, kid, production=production)
    candidates = [key for key in document.get("keys", []) if isinstance(key, dict)]
    if kid is not None:
        candidates = [key for key in candidates if key.get("kid") == kid]
    if not candidates:
        raise ClientKeyError("no key of the client has this kid")
    try:
        return KeySet.import_key_set({"keys": candidates})
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise ClientKeyError(f"the client's keys are not usable: {error}") from error


def init_app(extensions: dict[str, Any]) -> None:
    """Give an application its own memory of clients' keys."""
    extensions[EXTENSION_KEY] = ClientKeys()
