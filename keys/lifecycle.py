"""The life of a signing key: next (published ahead) → current (signing) → retired.

A key is in the JWKS before it signs and stays there after it is retired until every
token it signed has expired; then it is deleted. Each change happens in its own
transaction under a per-algorithm lock, and partial unique indexes make "one current
and one next key per algorithm" a rule of the database itself.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from core import clock
from core.db import db
from keys import crypto
from keys.errors import KeyAlreadyRetired
from keys.errors import NextKeyNotYetPublished
from keys.errors import NoSigningKey
from keys.errors import UnknownKey
from keys.models import KeyState
from keys.models import SigningKey
from keys.settings import KeySettings
from keys.settings import get_settings

log = logging.getLogger(__name__)

# The JWKS lists current keys first: verifiers that try keys in order find them soonest.
_STATE_ORDER = {KeyState.CURRENT: 0, KeyState.NEXT: 1, KeyState.RETIRED: 2}


@dataclass(frozen=True)
class Rotation:
    """What ``rotate`` did for one algorithm."""

    alg: str
    current: str
    next: str
    next_usable_at: datetime
    retired: str | None = None
    retired_published_until: datetime | None = None
    # False when there was no next key to promote: one was published, the current kept.
    promoted: bool = True


@dataclass(frozen=True)
class Retirement:
    """What ``retire`` did: the retired key, and the keys that now sign and wait."""

    kid: str
    alg: str
    published_until: datetime
    current: str
    next: str


class _KeyMaker:
    """Make new key rows, using a key generated ahead of the lock when there is one."""

    def __init__(self, alg: str, settings: KeySettings, spare: crypto.PrivateKey | None) -> None:
        self.alg = alg
        self.settings = settings
        self._spare = spare

    def make(self, state: KeyState, now: datetime) -> SigningKey:
        private_key = self._spare or crypto.generate_private_key(self.alg, self.settings.rsa_bits)
        self._spare = None
        jwk = crypto.public_jwk(private_key)
        kid = crypto.thumbprint(jwk)
        encryption = self.settings.encryption
        return SigningKey(
            kid=kid,
            alg=self.alg,
            state=state,
            public_jwk=jwk,
            private_key_ciphertext=encryption.encrypt(private_key, kid),
            kek_id=encryption.kek_id,
            created_at=now,
            activated_at=now if state is KeyState.CURRENT else None,
        )


def _lock_id(alg: str) -> int:
    return zlib.crc32(f"ameli.keys.{alg}".encode())


def _lock(session: Session, alg: str) -> None:
    """Serialise changes to ``alg``'s keys until the end of the transaction."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _lock_id(alg)})
    elif connection.dialect.name == "sqlite":
        # SQLite has one writer at a time: take the write lock before reading the states.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def _locked(alg: str) -> Iterator[Session]:
    with Session(db.engine) as session, session.begin():
        _lock(session, alg)
        yield session


def _caller_holds_sqlite_write_lock() -> bool:
    """Tell whether the request's own session has written to SQLite and not yet committed.

    A second connection would then wait for that lock until it times out.
    """
    session = db.session()
    if not session.in_transaction():
        return False
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return False
    return bool(getattr(connection.connection.dbapi_connection, "in_transaction", False))


def _find(session: Session, alg: str, state: KeyState) -> SigningKey | None:
    statement = (
        select(SigningKey)
        .where(SigningKey.alg == alg, SigningKey.state == state)
        .execution_options(populate_existing=True)
    )
    return session.execute(statement).scalar_one_or_none()


def _check_readable(key: SigningKey, settings: KeySettings) -> None:
    # Refuse to go on with the wrong KEK: new keys would be unreadable by the service.
    settings.encryption.decrypt(key.private_key_ciphertext, key.kid, key.kek_id)


def _retire(key: SigningKey, now: datetime, published_until: datetime) -> None:
    key.state = KeyState.RETIRED
    # A retired key later declared compromised keeps the date it stopped signing.
    key.retired_at = key.retired_at or now
    key.published_until = published_until


def _promote(session: Session, key: SigningKey, now: datetime) -> None:
    key.state = KeyState.CURRENT
    key.activated_at = now
    # The old current key must be retired in the database first: one current per alg.
    session.flush()


def _publish_next(session: Session, maker: _KeyMaker, now: datetime) -> SigningKey:
    key = maker.make(KeyState.NEXT, now)
    session.add(key)
    session.flush()
    return key


def _rotate(session: Session, maker: _KeyMaker, now: datetime, *, force: bool) -> Rotation:
    settings = maker.settings
    current = _find(session, maker.alg, KeyState.CURRENT)
    upcoming = _find(session, maker.alg, KeyState.NEXT)
    for key in (current, upcoming):
        if key is not None:
            _check_readable(key, settings)

    if current is not None and upcoming is None:
        # Nothing was published ahead: publish now, and keep signing with the current key.
        upcoming = _publish_next(session, maker, now)
        return Rotation(
            alg=maker.alg,
            current=current.kid,
            next=upcoming.kid,
            next_usable_at=now + settings.publication_delay,
            promoted=False,
        )

    if upcoming is not None:
        usable_at = upcoming.created_at + settings.publication_delay
        # With no current key there is nothing to wait for: nothing signs yet.
        if current is not None and now < usable_at and not force:
            raise NextKeyNotYetPublished(upcoming.kid, maker.alg, usable_at)
        retired_until = None
        if current is not None:
            retired_until = now + settings.retired_publication
            _retire(current, now, retired_until)
            session.flush()
        _promote(session, upcoming, now)
        signing = upcoming
    else:
        # First keys: nobody holds a token or a cached JWKS yet, so the key signs at once.
        retired_until = None
        signing = maker.make(KeyState.CURRENT, now)
        session.add(signing)
        session.flush()

    waiting = _publish_next(session, maker, now)
    return Rotation(
        alg=maker.alg,
        current=signing.kid,
        next=waiting.kid,
        next_usable_at=now + settings.publication_delay,
        retired=current.kid if current is not None else None,
        retired_published_until=retired_until,
    )


def _prune(session: Session, now: datetime) -> list[str]:
    expired = or_(SigningKey.published_until.is_(None), SigningKey.published_until <= now)
    condition = (SigningKey.state == KeyState.RETIRED) & expired
    kids = list(session.execute(select(SigningKey.kid).where(condition)).scalars())
    if kids:
        # A Core DELETE: a key pruned meanwhile by another process is simply not there.
        session.execute(delete(SigningKey).where(SigningKey.kid.in_(kids), condition))
        log.info("signing keys removed from the JWKS and deleted: %s", ", ".join(kids))
    return kids


def rotate(alg: str, *, force: bool = False) -> Rotation:
    """Promote ``alg``'s next key to current, retire the current one, publish a new next.

    :raises NextKeyNotYetPublished: when the next key is younger than the publication
        delay (unless ``force``).
    :raises KeyDecryptionError: when the configured KEK cannot read the existing keys.
    """
    crypto.check_algorithm(alg)
    settings = get_settings()
    # Generated before the lock: an RSA key takes a while, others should not wait for it.
    maker = _KeyMaker(alg, settings, crypto.generate_private_key(alg, settings.rsa_bits))
    with _locked(alg) as session:
        now = clock.now()
        rotation = _rotate(session, maker, now, force=force)
        _prune(session, now)
    log.info(
        "%s keys rotated: %s signs, %s is next, %s retired",
        alg,
        rotation.current,
        rotation.next,
        rotation.retired or "no key",
    )
    return rotation


def retire(kid: str, *, compromised: bool = False) -> Retirement:
    """Retire the key ``kid`` now; if it was current, its next key takes over at once.

    A key that never signed leaves the JWKS at once, and so does a ``compromised`` one
    (tokens it signed stop verifying); otherwise it stays published until every token
    it signed has expired.

    :raises UnknownKey:
    :raises KeyAlreadyRetired: unless ``compromised``, which unpublishes it at once.
    :raises KeyDecryptionError: when the configured KEK cannot read the existing keys.
    """
    settings = get_settings()
    alg = db.session.execute(select(SigningKey.alg).where(SigningKey.kid == kid)).scalar()
    if alg is None:
        raise UnknownKey(kid)
    maker = _KeyMaker(alg, settings, crypto.generate_private_key(alg, settings.rsa_bits))
    with _locked(alg) as session:
        now = clock.now()
        key = session.get(SigningKey, kid, populate_existing=True)
        if key is None:
            raise UnknownKey(kid)
        if key.state is KeyState.RETIRED and not compromised:
            raise KeyAlreadyRetired(kid)
        signed_tokens = key.activated_at is not None
        if compromised or not signed_tokens:
            published_until = now
        else:
            published_until = now + settings.retired_publication
        was_current = key.state is KeyState.CURRENT
        _retire(key, now, published_until)
        session.flush()
        upcoming = _find(session, alg, KeyState.NEXT)
        if upcoming is not None:
            _check_readable(upcoming, settings)
        if was_current:
            if upcoming is not None:
                if now < upcoming.created_at + settings.publication_delay:
                    log.warning("%s key %s signs before the publication delay", alg, upcoming.kid)
                _promote(session, upcoming, now)
            else:
                session.add(maker.make(KeyState.CURRENT, now))
                session.flush()
        if _find(session, alg, KeyState.NEXT) is None:
            _publish_next(session, maker, now)
        current = _find(session, alg, KeyState.CURRENT)
        waiting = _find(session, alg, KeyState.NEXT)
        assert current is not None and waiting is not None
        retirement = Retirement(
            kid=kid,
            alg=alg,
            published_until=published_until,
            current=current.kid,
            next=waiting.kid,
        )
        _prune(session, now)
    log.log(
        logging.WARNING if compromised else logging.INFO,
        "%s key %s retired%s; published until %s",
        alg,
        kid,
        " as compromised" if compromised else "",
        published_until.isoformat(),
    )
    return retirement


def prune() -> list[str]:
    """Delete the retired keys whose tokens have all expired; return their ``kid``."""
    with Session(db.engine) as session, session.begin():
        return _prune(session, clock.now())


def ensure_keys(algs: Iterable[str] = crypto.ALGORITHMS) -> None:
    """Make sure each of ``algs`` has a current key, creating the first keys if allowed.

    :raises NoSigningKey: in production, where an operator runs ``ameli keys rotate``.
    """
    wanted = set(algs)
    present = set(
        db.session.execute(
            select(SigningKey.alg).where(
                SigningKey.alg.in_(wanted), SigningKey.state == KeyState.CURRENT
            )
        ).scalars()
    )
    for alg in sorted(wanted - present):
        _create_first_keys(alg)


def _create_first_keys(alg: str) -> None:
    crypto.check_algorithm(alg)
    settings = get_settings()
    if not settings.create_missing_keys:
        raise NoSigningKey(alg)
    maker = _KeyMaker(alg, settings, crypto.generate_private_key(alg, settings.rsa_bits))
    if _caller_holds_sqlite_write_lock():
        # Inside the caller's transaction: the keys are kept if it commits, as it will.
        caller = db.session()
        with caller.begin_nested():
            if _find(caller, alg, KeyState.CURRENT) is None:
                _rotate(caller, maker, clock.now(), force=True)
        return
    with _locked(alg) as session:
        # Another worker may have created them while this one waited for the lock.
        if _find(session, alg, KeyState.CURRENT) is None:
            _rotate(session, maker, clock.now(), force=True)
    log.info("first %s signing keys created", alg)


def current_kid(alg: str) -> str:
    """Return the ``kid`` of ``alg``'s current key, creating the first keys if allowed.

    :raises NoSigningKey: in production, when no key is current.
    """
    crypto.check_algorithm(alg)
    statement = select(SigningKey.kid).where(
        SigningKey.alg == alg, SigningKey.state == KeyState.CURRENT
    )
    kid = db.session.execute(statement).scalar()
    if kid is None:
        ensure_keys([alg])
        kid = db.session.execute(statement).scalar()
    if kid is None:
        raise NoSigningKey(alg)
    return kid


def private_key_ciphertext(kid: str) -> tuple[bytes, str]:
    """Return the encrypted private key of ``kid`` and the id of the KEK that encrypted it.

    :raises UnknownKey:
    """
    row = db.session.execute(
        select(SigningKey.private_key_ciphertext, SigningKey.kek_id).where(SigningKey.kid == kid)
    ).one_or_none()
    if row is None:
        raise UnknownKey(kid)
    return row.private_key_ciphertext, row.kek_id


def _in_jwks_order(keys: Iterable[SigningKey]) -> list[SigningKey]:
    return sorted(keys, key=lambda key: (key.alg, _STATE_ORDER[key.state], key.created_at))


def all_keys() -> list[SigningKey]:
    """Return every stored key, current first within each algorithm."""
    statement = select(SigningKey).execution_options(populate_existing=True)
    return _in_jwks_order(db.session.execute(statement).scalars())


def published_keys() -> list[SigningKey]:
    """Return the keys in the JWKS: next, current, and retired ones still verifying."""
    statement = (
        select(SigningKey)
        .where(
            or_(
                SigningKey.state != KeyState.RETIRED,
                SigningKey.published_until > clock.now(),
            )
        )
        .execution_options(populate_existing=True)
    )
    return _in_jwks_order(db.session.execute(statement).scalars())
