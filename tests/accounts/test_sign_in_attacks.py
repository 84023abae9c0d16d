"""Sign-in under attack: simultaneous guesses get no more checks than the limits allow, and
an unknown NIR answers as slowly as a known one, whatever Argon2's parameters."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from accounts import hashing
from accounts.authentication import authenticate
from accounts.authentication import limits
from accounts.errors import SignInFailed
from core.nir import check_nir_or_body
from core.throttle import get_throttle
from enrollment.registry import importer as registry_import
from tests.concurrency import all_at_once
from tests.conftest import empty_database
from tests.conftest import make_app
from tests.enrollment.conftest import DEMO_CSV
from tests.enrollment.conftest import VENTURI_NIR
from tests.idp.conftest import make_account
from tests.idp.conftest import start_provider
from tests.live import Browser

UNKNOWN_NIR = "2 95 10 99 126 111 93"


@pytest.fixture
def provider(live_server_factory: Any) -> Any:
    return start_provider(live_server_factory)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count every Argon2 verification, wherever it runs (the live server's threads too)."""
    counted: list[str] = []
    verify = hashing.PasswordHasher.verify

    def counting(self: hashing.PasswordHasher, password_hash: str, password: str) -> bool:
        counted.append(password)
        return verify(self, password_hash, password)

    monkeypatch.setattr(hashing.PasswordHasher, "verify", counting)
    return counted


def test_thirty_simultaneous_wrong_codes_get_three_checks(provider: Any, checks: list[str]) -> None:
    browsers = [Browser(provider.url) for _ in range(30)]
    for browser in browsers:
        browser.open("/connexion")

    answers = all_at_once(
        [
            lambda browser=browser, n=n: browser.submit(
                "/connexion", {"nir": VENTURI_NIR, "password": f"Mauvais-code-{n}"}
            )
            for n, browser in enumerate(browsers)
        ]
    )

    # The first tier of the NIR's limits is 3 a minute: 3 checks, 27 blocked before Argon2.
    assert len(checks) == 3
    blocked = [answer for answer in answers if "réessayez à" in answer.text]
    assert len(blocked) == 27
    assert all(answer.status_code == 422 for answer in answers)
    for browser in browsers:
        browser.close()


def test_the_decoy_follows_the_configured_hasher(database: dict[str, Any], tmp_path: Path) -> None:
    app = make_app(database, tmp_path, ARGON2_TIME_COST=4, ARGON2_MEMORY_COST=4096)
    with app.app_context():
        hasher = hashing.get_hasher()
        hasher.verify_dummy("anything")

        assert hasher._dummy_hash is not None
        assert hasher._dummy_hash.startswith("$argon2id$v=19$m=4096,t=4,p=1$")


def _cpu_seconds(nir: str, attempt: int) -> float:
    """The processor time one failed sign-in costs: the work an attacker's stopwatch sees,
    without the noise of the other processes sharing the machine."""
    started = time.process_time()
    with pytest.raises(SignInFailed):
        authenticate(nir, f"Mauvais-code-{attempt}", "192.0.2.1")
    spent = time.process_time() - started
    # Only the time is measured here, not the limits: start each attempt afresh.
    get_throttle().reset(*limits(check_nir_or_body(nir), "192.0.2.1"))
    return spent


def test_an_unknown_nir_answers_as_slowly_as_a_known_one_once_argon2_is_tuned(
    sqlite_database: dict[str, Any], tmp_path: Path
) -> None:
    app = make_app(
        sqlite_database,
        tmp_path,
        # The figures: t = 6 and OWASP's 19 MiB, three times the default cost.
        ARGON2_TIME_COST=6,
        ARGON2_MEMORY_COST=19456,
        SIGN_IN_FAILURES_PER_IP="1000/hour",
    )
    with app.app_context(), DEMO_CSV.open(encoding="utf-8", newline="") as stream:
        try:
            registry_import.import_csv(stream)
            make_account(VENTURI_NIR)
            # One attempt of each first: the decoy hash is made once, then reused.
            for nir in (VENTURI_NIR, UNKNOWN_NIR):
                with pytest.raises(SignInFailed):
                    authenticate(nir, "warm-up", "192.0.2.250")
            # Interleaved, so that a busy moment of the machine weighs on both alike.
            known, unknown = [], []
            for attempt in range(9):
                known.append(_cpu_seconds(VENTURI_NIR, attempt))
                unknown.append(_cpu_seconds(UNKNOWN_NIR, attempt))
        finally:
            empty_database()
    ratio = statistics.median(unknown) / statistics.median(known)
    # With the decoy on default parameters, unknown answered in 42 ms and known in 103 ms.
    assert 0.8 < ratio < 1.25, (unknown, known)
