"""``ameli keys list|rotate|retire|prune``: what operators read, and the exit codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result
from flask import Flask

import keys
from core.clock import FrozenClock
from core.db import db
from keys import lifecycle
from keys.models import KeyState
from keys.settings import KeySettings
from tests.conftest import make_app

NOW = "2026-01-15 09:00:00Z"
IN_TEN_MINUTES = "2026-01-15 09:10:00Z"
IN_TWO_HOURS = "2026-01-15 11:00:00Z"


def run(app: Flask, *args: str) -> Result:
    """Run `ameli keys ARGS` in the active application context (pushed by the fixture)."""
    return app.test_cli_runner().invoke(args=["keys", *args])


def test_list_says_how_to_start_when_there_are_no_keys(app: Flask) -> None:
    result = run(app, "list")

    assert result.exit_code == 0
    assert result.output == "no signing keys: run `ameli keys rotate`\n"


def test_the_first_rotate_creates_keys_for_every_algorithm(app: Flask) -> None:
    result = run(app, "rotate")

    assert result.exit_code == 0, result.output
    current = {key.alg: key.kid for key in lifecycle.all_keys() if key.state is KeyState.CURRENT}
    upcoming = {key.alg: key.kid for key in lifecycle.all_keys() if key.state is KeyState.NEXT}
    assert result.output == (
        f"RS256: {current['RS256']} now signs\n"
        f"RS256: {upcoming['RS256']} published as next, may sign from {IN_TEN_MINUTES}\n"
        f"ES256: {current['ES256']} now signs\n"
        f"ES256: {upcoming['ES256']} published as next, may sign from {IN_TEN_MINUTES}\n"
    )


def test_rotate_refuses_a_next_key_published_too_recently(app: Flask) -> None:
    first = keys.rotate("ES256")

    result = run(app, "rotate", "--alg", "ES256")

    assert result.exit_code == 1
    assert result.output == (
        f"Error: next ES256 key {first.next} may sign from {IN_TEN_MINUTES}, once partners' "
        "cached JWKS include it: rotate again then, or use --force\n"
    )


def test_rotate_after_the_publication_delay_promotes_and_retires(
    app: Flask, after_publication_delay: Callable[[], None]
) -> None:
    first = keys.rotate("ES256")
    after_publication_delay()

    result = run(app, "rotate", "--alg", "ES256")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"ES256: {first.next} now signs"
    assert lines[1] == f"ES256: {first.current} retired, published until 2026-01-15 11:10:00Z"
    assert lines[2].endswith("published as next, may sign from 2026-01-15 09:20:00Z")


def test_rotate_accepts_only_known_algorithms(app: Flask) -> None:
    result = run(app, "rotate", "--alg", "HS256")

    assert result.exit_code == 2
    assert "'HS256' is not one of 'RS256', 'ES256'" in result.output


def test_list_shows_each_key_state_and_when_it_leaves(app: Flask, clock: FrozenClock) -> None:
    first = keys.rotate("ES256")
    second = keys.rotate("ES256", force=True)

    result = run(app, "list")

    assert result.exit_code == 0
    rows = [line.split() for line in result.output.splitlines()]
    assert rows[0] == ["KID", "ALG", "STATE", "CREATED", "ACTIVATED", "RETIRED", "NEXT", "STEP"]
    day, time = NOW.split()
    assert rows[1:] == [
        [second.current, "ES256", "current", day, time, day, time, "-", "-"],
        [
            second.next,
            "ES256",
            "next",
            day,
            time,
            "-",
            "-",
            "signs",
            "from",
            *IN_TEN_MINUTES.split(),
        ],
        [
            first.current,
            "ES256",
            "retired",
            day,
            time,
            day,
            time,
            day,
            time,
            "removed",
            "at",
            *IN_TWO_HOURS.split(),
        ],
    ]


def test_retire_the_current_key(app: Flask) -> None:
    first = keys.rotate("RS256")

    result = run(app, "retire", first.current)

    assert result.exit_code == 0, result.output
    current = next(
        k for k in lifecycle.all_keys() if k.alg == "RS256" and k.state is KeyState.CURRENT
    )
    upcoming = next(
        k for k in lifecycle.all_keys() if k.alg == "RS256" and k.state is KeyState.NEXT
    )
    assert current.kid == first.next
    assert result.output == (
        f"RS256: {first.current} retired, published until {IN_TWO_HOURS}\n"
        f"RS256: {first.next} signs, {upcoming.kid} is next\n"
    )


def test_retire_a_compromised_key_unpublishes_it_now(app: Flask) -> None:
    first = keys.rotate("ES256")

    result = run(app, "retire", "--compromised", first.current)

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"ES256: {first.current} retired, published until {NOW}"
    assert first.current not in {jwk["kid"] for jwk in keys.jwks()["keys"]}


def test_retire_an_unknown_key_fails_in_one_line(app: Flask) -> None:
    result = run(app, "retire", "nope")

    assert result.exit_code == 1
    assert result.output == "Error: no signing key with kid 'nope'\n"


def test_retire_twice_fails_in_one_line(app: Flask) -> None:
    first = keys.rotate("ES256")
    keys.retire(first.current)

    result = run(app, "retire", first.current)

    assert result.exit_code == 1
    assert result.output == f"Error: signing key {first.current} is already retired\n"


def test_prune_deletes_retired_keys_whose_tokens_have_expired(
    app: Flask, clock: FrozenClock, key_settings: KeySettings
) -> None:
    first = keys.rotate("ES256")
    keys.rotate("ES256", force=True)
    assert run(app, "prune").output == "0 retired key(s) deleted\n"
    clock.advance(key_settings.retired_publication)

    result = run(app, "prune")

    assert result.exit_code == 0
    assert result.output == f"1 retired key(s) deleted\n  {first.current}\n"


def test_a_wrong_kek_is_one_clear_line_and_exit_1(
    app: Flask, database: dict[str, Any], tmp_path: Path
) -> None:
    keys.rotate("ES256")
    other = make_app(database, tmp_path / "other", KEY_ENCRYPTION_KEY="another-kek-" + "x" * 30)

    with other.app_context():
        try:
            result = run(other, "rotate", "--alg", "ES256", "--force")
        finally:
            db.session.remove()
            db.engine.dispose()

    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1
    assert result.output.startswith("Error: signing key ")
    assert "cannot be decrypted: the key-encryption key is wrong" in result.output
