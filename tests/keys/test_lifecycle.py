"""The life of a key: next → current → retired → removed, on the injected clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import keys
from core.clock import FrozenClock
from core.db import db
from keys.models import KeyState
from keys.models import SigningKey
from keys.settings import KeySettings
from tests.conftest import make_app


def states(alg: str | None = None) -> dict[str, KeyState]:
    """Return ``{kid: state}`` of every stored key (of ``alg``)."""
    statement = select(SigningKey.kid, SigningKey.state)
    if alg is not None:
        statement = statement.where(SigningKey.alg == alg)
    return {kid: state for kid, state in db.session.execute(statement)}


def kid_in(state: KeyState, alg: str) -> str:
    kids = [kid for kid, value in states(alg).items() if value is state]
    assert len(kids) == 1, f"{alg}: {len(kids)} keys {state}"
    return kids[0]


def published_kids() -> set[str]:
    return {jwk["kid"] for jwk in keys.jwks()["keys"]}


def test_the_first_rotation_creates_a_current_and_a_next_key(
    app: Flask, clock: FrozenClock
) -> None:
    rotation = keys.rotate("ES256")

    assert states() == {rotation.current: KeyState.CURRENT, rotation.next: KeyState.NEXT}
    current = db.session.get(SigningKey, rotation.current)
    assert current is not None
    assert (current.alg, current.created_at, current.activated_at) == (
        "ES256",
        clock.now(),
        clock.now(),
    )


def test_development_creates_the_first_keys_of_every_algorithm_on_first_use(app: Flask) -> None:
    assert states() == {}

    published = keys.jwks()["keys"]

    assert sorted((jwk["alg"], states()[jwk["kid"]]) for jwk in published) == [
        ("ES256", KeyState.CURRENT),
        ("ES256", KeyState.NEXT),
        ("RS256", KeyState.CURRENT),
        ("RS256", KeyState.NEXT),
    ]


def test_the_next_key_is_published_before_it_signs(
    app: Flask, after_publication_delay: Callable[[], None]
) -> None:
    first = keys.rotate("ES256")
    assert first.next in published_kids()
    after_publication_delay()

    second = keys.rotate("ES256")

    assert second.current == first.next
    assert second.retired == first.current


def test_a_next_key_younger_than_the_publication_delay_is_not_promoted(
    app: Flask, clock: FrozenClock, key_settings: KeySettings
) -> None:
    first = keys.rotate("ES256")
    clock.advance(key_settings.publication_delay - timedelta(seconds=1))

    with pytest.raises(keys.NextKeyNotYetPublished) as raised:
        keys.rotate("ES256")

    assert raised.value.usable_at == clock.now() + timedelta(seconds=1)
    assert kid_in(KeyState.CURRENT, "ES256") == first.current
    assert kid_in(KeyState.NEXT, "ES256") == first.next


def test_force_promotes_a_young_next_key(app: Flask) -> None:
    first = keys.rotate("ES256")

    second = keys.rotate("ES256", force=True)

    assert (second.current, second.retired) == (first.next, first.current)


def test_rotation_touches_only_its_algorithm(
    app: Flask, after_publication_delay: Callable[[], None]
) -> None:
    first_rs = keys.rotate("RS256")
    keys.rotate("ES256")
    after_publication_delay()

    keys.rotate("ES256")

    assert states("RS256") == {first_rs.current: KeyState.CURRENT, first_rs.next: KeyState.NEXT}


def test_a_retired_key_stays_published_until_its_tokens_expire_then_is_removed(
    app: Flask,
    clock: FrozenClock,
    key_settings: KeySettings,
    after_publication_delay: Callable[[], None],
) -> None:
    first = keys.rotate("ES256")
    after_publication_delay()
    retired_at = clock.now()
    second = keys.rotate("ES256")
    assert second.retired_published_until == retired_at + timedelta(hours=2)
    assert key_settings.retired_publication == timedelta(hours=2)  # 3600 s tokens + 3600 s margin

    clock.set(retired_at + key_settings.retired_publication - timedelta(seconds=1))
    assert first.current in published_kids()
    assert states()[first.current] is KeyState.RETIRED

    clock.set(retired_at + key_settings.retired_publication)
    assert first.current not in published_kids()
    assert keys.prune() == [first.current]
    assert first.current not in states()


def test_rotation_deletes_retired_keys_whose_tokens_have_expired(
    app: Flask, clock: FrozenClock, key_settings: KeySettings
) -> None:
    first = keys.rotate("ES256")
    keys.rotate("ES256", force=True)
    clock.advance(key_settings.retired_publication)

    keys.rotate("ES256", force=True)

    assert first.current not in states()


def test_retiring_the_current_key_promotes_the_next_and_publishes_another(
    app: Flask, clock: FrozenClock
) -> None:
    first = keys.rotate("RS256")

    retirement = keys.retire(first.current)

    assert retirement.current == first.next
    assert states("RS256") == {
        first.current: KeyState.RETIRED,
        first.next: KeyState.CURRENT,
        retirement.next: KeyState.NEXT,
    }
    assert retirement.published_until == clock.now() + timedelta(hours=2)
    assert first.current in published_kids()


def test_a_compromised_key_leaves_the_jwks_and_the_database_at_once(app: Flask) -> None:
    first = keys.rotate("ES256")

    retirement = keys.retire(first.current, compromised=True)

    assert first.current not in states()
    assert first.current not in published_kids()
    assert retirement.current == first.next


def test_a_retired_key_can_still_be_declared_compromised(app: Flask) -> None:
    first = keys.rotate("ES256")
    keys.rotate("ES256", force=True)
    assert first.current in published_kids()

    with pytest.raises(keys.KeyAlreadyRetired):
        keys.retire(first.current)
    keys.retire(first.current, compromised=True)

    assert first.current not in published_kids()


def test_a_retired_next_key_never_signed_and_leaves_at_once(app: Flask) -> None:
    first = keys.rotate("ES256")

    retirement = keys.retire(first.next)

    assert first.next not in states()
    assert states("ES256") == {first.current: KeyState.CURRENT, retirement.next: KeyState.NEXT}


def test_retiring_an_unknown_key_says_so(app: Flask) -> None:
    with pytest.raises(keys.UnknownKey, match="no signing key with kid 'nope'"):
        keys.retire("nope")


def test_a_rotation_with_no_next_key_publishes_one_and_keeps_the_current(app: Flask) -> None:
    first = keys.rotate("ES256")
    db.session.execute(delete(SigningKey).where(SigningKey.kid == first.next))
    db.session.commit()

    rotation = keys.rotate("ES256")

    assert not rotation.promoted
    assert states("ES256") == {first.current: KeyState.CURRENT, rotation.next: KeyState.NEXT}


def test_the_database_refuses_a_second_current_key_for_an_algorithm(app: Flask) -> None:
    first = keys.rotate("ES256")
    upcoming = db.session.get(SigningKey, first.next)
    assert upcoming is not None

    upcoming.state = KeyState.CURRENT
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("alg", keys.ALGORITHMS)
def test_concurrent_rotations_leave_exactly_one_current_and_one_next_key(
    app: Flask, alg: str
) -> None:
    keys.rotate(alg)
    failures: list[BaseException] = []
    start = threading.Barrier(8)

    def rotate() -> None:
        with app.app_context():
            start.wait()
            try:
                keys.rotate(alg, force=True)
            except BaseException as error:  # noqa: BLE001 - reported by the main thread
                failures.append(error)

    threads = [threading.Thread(target=rotate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    counted = list(states(alg).values())
    assert (counted.count(KeyState.CURRENT), counted.count(KeyState.NEXT)) == (1, 1)
    assert counted.count(KeyState.RETIRED) == 8


def test_concurrent_first_uses_create_one_set_of_keys(app: Flask) -> None:
    failures: list[BaseException] = []
    start = threading.Barrier(6)

    def first_use() -> None:
        with app.app_context():
            start.wait()
            try:
                keys.sign({"sub": "x"}, "ES256")
            except BaseException as error:  # noqa: BLE001 - reported by the main thread
                failures.append(error)

    threads = [threading.Thread(target=first_use) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert sorted(states("ES256").values()) == [KeyState.CURRENT, KeyState.NEXT]


def test_first_keys_are_created_inside_a_request_that_already_wrote(app: Flask) -> None:
    # On SQLite the request holds the write lock: a second connection would wait for it.
    db.session.execute(delete(SigningKey))

    token = keys.sign({"sub": "x"}, "ES256")
    db.session.commit()

    assert keys.verify(token) == {"sub": "x"}
    assert sorted(states("ES256").values()) == [KeyState.CURRENT, KeyState.NEXT]


def test_production_does_not_create_keys_and_says_what_to_run(
    database: dict[str, Any], tmp_path: Path
) -> None:
    production = make_app(
        database,
        tmp_path,
        ENV="production",
        ISSUER="https://compte.ameli.example",
        KEY_ENCRYPTION_KEY="k" * 40,
        SMTP_URL="smtp://mail.example:25",
    )
    with production.app_context():
        try:
            with pytest.raises(keys.NoSigningKey) as raised:
                keys.sign({"sub": "x"}, "RS256")
            assert keys.jwks() == {"keys": []}
        finally:
            db.session.remove()
            db.engine.dispose()

    assert str(raised.value) == "no current RS256 signing key: run `ameli keys rotate --alg RS256`"


def test_rotation_refuses_to_go_on_with_the_wrong_kek(
    app: Flask, database: dict[str, Any], tmp_path: Path
) -> None:
    first = keys.rotate("ES256")
    other = make_app(database, tmp_path / "other", KEY_ENCRYPTION_KEY="another-kek-" + "x" * 30)

    with other.app_context():
        try:
            with pytest.raises(keys.KeyDecryptionError, match="the key-encryption key is wrong"):
                keys.rotate("ES256", force=True)
        finally:
            db.session.remove()
            db.engine.dispose()

    assert states("ES256") == {first.current: KeyState.CURRENT, first.next: KeyState.NEXT}
