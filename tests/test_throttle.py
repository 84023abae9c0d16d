"""Throttling of guesses (SPEC §4, STYLE 16): reserve an attempt before the secret is
checked, keep it on a failure, release it on a success; block for a while; say until when."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis

from core.throttle import Limit
from core.throttle import MemoryStore
from core.throttle import RedisStore
from core.throttle import Store
from core.throttle import Throttle
from core.throttle import Throttled
from core.throttle import get_throttle
from core.throttle import store_for
from tests import services
from tests.conftest import make_app
from tests.own_services import OwnRedis

PER_NIR = Limit("nir", "3/hour")
PER_IP = Limit("ip", "3/day")
NIR = "162122B01000103"
OTHER_NIR = "278043818574771"
IP = "192.0.2.10"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
# Windows are counted in real time: a block ends one window after the first failure, give
# or take.
SLACK = timedelta(seconds=2)


def delete_keys(url: str, prefix: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """Each throttle test runs on process memory, then on Redis (a key prefix of its own)."""
    if request.param == "memory":
        yield store_for(None)
        return
    url = services.redis_url()
    prefix = f"ameli-test-{uuid.uuid4().hex}"
    store = store_for(url, key_prefix=prefix)
    assert isinstance(store, RedisStore)
    # Counting falls back to memory: without this, an unreachable Redis would pass.
    if not store.ping():
        services.unavailable(f"Redis unreachable at {url}")
    yield store
    delete_keys(url, prefix)
    store.client.close()


@pytest.fixture
def throttle(store: Store) -> Throttle:
    return Throttle(store)


def fail(throttle: Throttle, times: int, *limits: tuple[Limit, str]) -> None:
    """Make ``times`` failed attempts, each reserved first, as a caller does."""
    for _ in range(times):
        throttle.reserve(*limits).keep()


def blocked_until(throttle: Throttle, *limits: tuple[Limit, str]) -> datetime:
    with pytest.raises(Throttled) as refused:
        throttle.check(*limits)
    return refused.value.retry_at


# --- Counting and blocking ---------------------------------------------------------------


def test_the_limit_of_failures_may_be_reached_then_the_next_attempt_is_blocked(
    throttle: Throttle,
) -> None:
    first_failure = datetime.now(UTC)
    fail(throttle, 3, (PER_NIR, NIR))
    last_failure = datetime.now(UTC)

    retry_at = blocked_until(throttle, (PER_NIR, NIR))

    assert retry_at.tzinfo is not None
    assert first_failure + timedelta(hours=1) - SLACK <= retry_at
    assert retry_at <= last_failure + timedelta(hours=1) + SLACK


def test_one_failure_short_of_the_limit_is_not_blocked(throttle: Throttle) -> None:
    fail(throttle, 2, (PER_NIR, NIR))

    throttle.check((PER_NIR, NIR))


def test_a_released_attempt_counts_for_nothing(throttle: Throttle) -> None:
    for _ in range(5):
        throttle.reserve((PER_NIR, NIR)).release()

    throttle.check((PER_NIR, NIR))


def test_a_refused_reservation_counts_against_no_limit(throttle: Throttle) -> None:
    fail(throttle, 3, (PER_NIR, NIR))
    with pytest.raises(Throttled):
        throttle.reserve((PER_NIR, NIR), (PER_IP, IP))

    # The address was not charged for the attempt the NIR's limit refused.
    fail(throttle, 3, (PER_IP, IP))
    blocked_until(throttle, (PER_IP, IP))


def test_check_tells_without_counting(throttle: Throttle) -> None:
    for _ in range(10):
        throttle.check((PER_NIR, NIR))

    fail(throttle, 3, (PER_NIR, NIR))
    blocked_until(throttle, (PER_NIR, NIR))


def test_release_gives_back_only_the_counters_named(throttle: Throttle) -> None:
    for _ in range(3):
        throttle.reserve((PER_NIR, NIR), (PER_IP, IP)).release((PER_IP, IP))

    blocked_until(throttle, (PER_NIR, NIR))
    throttle.check((PER_IP, IP))


def test_simultaneous_attempts_get_no_more_than_the_limit(throttle: Throttle) -> None:
    limit = Limit("nir", "3/minute")
    outcomes: list[str] = []
    barrier = threading.Barrier(30)

    def attempt() -> None:
        barrier.wait()
        try:
            throttle.reserve((limit, NIR), (PER_IP, f"{IP}-{uuid.uuid4().hex}")).keep()
        except Throttled:
            outcomes.append("blocked")
        else:
            outcomes.append("checked")

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("checked") == 3 and outcomes.count("blocked") == 27


def test_a_block_stays_until_it_ends(throttle: Throttle) -> None:
    fail(throttle, 3, (PER_NIR, NIR))

    first = blocked_until(throttle, (PER_NIR, NIR))
    second = blocked_until(throttle, (PER_NIR, NIR))

    assert abs(second - first) < SLACK


def test_limits_are_per_key(throttle: Throttle) -> None:
    fail(throttle, 3, (PER_NIR, NIR))

    throttle.check((PER_NIR, OTHER_NIR))
    blocked_until(throttle, (PER_NIR, NIR))


def test_limits_are_per_scope(throttle: Throttle) -> None:
    fail(throttle, 3, (PER_NIR, NIR))

    throttle.check((Limit("sign_in", "3/hour"), NIR))


def test_with_several_limits_the_block_lasts_until_the_latest_frees_up(
    throttle: Throttle,
) -> None:
    first_failure = datetime.now(UTC)
    fail(throttle, 3, (PER_NIR, NIR), (PER_IP, IP))

    retry_at = blocked_until(throttle, (PER_NIR, NIR), (PER_IP, IP))

    assert first_failure + timedelta(days=1) - SLACK <= retry_at
    assert retry_at <= datetime.now(UTC) + timedelta(days=1) + SLACK


def test_with_several_limits_only_the_spent_ones_block(throttle: Throttle) -> None:
    per_day = Limit("ip", "10/day")
    fail(throttle, 3, (PER_NIR, NIR), (per_day, IP))

    retry_at = blocked_until(throttle, (PER_NIR, NIR), (per_day, IP))

    assert retry_at <= datetime.now(UTC) + timedelta(hours=1) + SLACK
    throttle.check((per_day, IP))


def test_reset_forgets_the_failures(throttle: Throttle) -> None:
    fail(throttle, 3, (PER_NIR, NIR), (PER_IP, IP))

    throttle.reset((PER_NIR, NIR), (PER_IP, IP))

    throttle.check((PER_NIR, NIR), (PER_IP, IP))
    fail(throttle, 3, (PER_NIR, NIR))
    blocked_until(throttle, (PER_NIR, NIR))


def test_reset_of_one_key_leaves_the_others_blocked(throttle: Throttle) -> None:
    fail(throttle, 3, (PER_NIR, NIR))
    fail(throttle, 3, (PER_NIR, OTHER_NIR))

    throttle.reset((PER_NIR, OTHER_NIR))

    throttle.check((PER_NIR, OTHER_NIR))
    blocked_until(throttle, (PER_NIR, NIR))


# --- What the person is told -------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_at", "local"),
    [
        pytest.param(datetime(2026, 1, 15, 13, 35, tzinfo=UTC), "14:35", id="winter UTC+1"),
        pytest.param(datetime(2026, 7, 15, 12, 35, tzinfo=UTC), "14:35", id="summer UTC+2"),
        pytest.param(datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "01:59", id="before the change"),
        pytest.param(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "03:00", id="after the change"),
        pytest.param(datetime(2026, 1, 15, 23, 5, tzinfo=UTC), "00:05", id="past midnight"),
    ],
)
def test_the_time_to_try_again_is_told_as_read_in_france(retry_at: datetime, local: str) -> None:
    assert Throttled(retry_at).retry_at_local == local


def test_the_message_says_when_to_try_again_in_french() -> None:
    blocked = Throttled(datetime(2026, 1, 15, 13, 35, tzinfo=UTC))

    assert blocked.message == (
        "Trop de tentatives infructueuses. Par sécurité, la vérification est bloquée : "
        "réessayez à 14:35."
    )
    assert str(blocked) == "blocked until 2026-01-15T13:35:00+00:00"


def test_a_real_block_tells_its_time_in_the_message(throttle: Throttle) -> None:
    fail(throttle, 3, (PER_NIR, NIR))

    with pytest.raises(Throttled) as refused:
        throttle.check((PER_NIR, NIR))

    assert refused.value.message.endswith(f"réessayez à {refused.value.retry_at_local}.")


# --- While Redis is away, each process counts on its own -----------------------------------


def test_an_unreachable_redis_still_blocks_in_this_process_and_logs_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    throttle = Throttle(store_for(UNREACHABLE_REDIS, key_prefix="ameli-test-unreachable"))

    with caplog.at_level(logging.ERROR, logger="core.throttle"):
        fail(throttle, 3, (PER_NIR, NIR))
        blocked_until(throttle, (PER_NIR, NIR))
        throttle.reset((PER_NIR, NIR))
        throttle.check((PER_NIR, NIR))

    assert throttle.fallbacks == 6
    # One error line while the store stays away, not one per request.
    [record] = caplog.records
    assert (record.name, record.levelno, record.getMessage()) == (
        "core.throttle",
        logging.ERROR,
        "throttle store unreachable: counting in this process meanwhile",
    )
    assert record.exc_info


def test_a_stopped_redis_falls_back_and_its_return_is_used_again(own_redis: OwnRedis) -> None:
    throttle = Throttle(store_for(own_redis.url))
    fail(throttle, 2, (PER_NIR, NIR))
    own_redis.stop()

    fail(throttle, 3, (PER_NIR, NIR))
    blocked_until(throttle, (PER_NIR, NIR))
    assert throttle.fallbacks >= 4

    own_redis.start()
    fallbacks = throttle.fallbacks
    fail(throttle, 3, (PER_NIR, OTHER_NIR))
    blocked_until(throttle, (PER_NIR, OTHER_NIR))
    # Counted on Redis again, where every worker sees them.
    assert throttle.fallbacks == fallbacks
    client = redis.Redis.from_url(own_redis.url)
    try:
        assert client.zcard(f"ameli:nir/3/3600:{OTHER_NIR}") == 3
    finally:
        client.close()


def test_a_paused_redis_makes_nobody_wait(own_redis: OwnRedis) -> None:
    throttle = Throttle(store_for(own_redis.url))
    throttle.check((PER_NIR, NIR))  # connected while it answered
    own_redis.pause()

    started = time.monotonic()
    fail(throttle, 3, (PER_NIR, NIR))
    blocked_until(throttle, (PER_NIR, NIR))
    elapsed = time.monotonic() - started

    # Four calls, each given up after about 100 ms: no request hangs on a frozen Redis.
    assert elapsed < 2.0
    assert throttle.fallbacks == 4


def test_memory_counts_in_real_time_by_default() -> None:
    clock = [1_000_000.0]
    store = MemoryStore(now=lambda: clock[0])
    throttle = Throttle(store)
    fail(throttle, 3, (PER_NIR, NIR))
    assert blocked_until(throttle, (PER_NIR, NIR)) == datetime.fromtimestamp(1_000_000 + 3600, UTC)

    clock[0] += 3600.5
    throttle.check((PER_NIR, NIR))


# --- The application's throttle ----------------------------------------------------------


def record_in_new_app(database: dict[str, Any], tmp_path: Path, **config: Any) -> None:
    app = make_app(database, tmp_path, **config)
    with app.app_context():
        fail(get_throttle(), 3, (PER_NIR, NIR))


def check_in_new_app(database: dict[str, Any], tmp_path: Path, **config: Any) -> None:
    app = make_app(database, tmp_path, **config)
    with app.app_context():
        get_throttle().check((PER_NIR, NIR))


@pytest.mark.redis
def test_apps_on_the_same_redis_share_their_counts(
    database: dict[str, Any], tmp_path: Path
) -> None:
    url = services.redis_url()
    config = {"REDIS_URL": url, "THROTTLE_KEY_PREFIX": f"ameli-test-{uuid.uuid4().hex}"}
    try:
        record_in_new_app(database, tmp_path / "worker-1", **config)

        with pytest.raises(Throttled):
            check_in_new_app(database, tmp_path / "worker-2", **config)
        check_in_new_app(
            database,
            tmp_path / "worker-3",
            **{**config, "THROTTLE_KEY_PREFIX": f"ameli-test-{uuid.uuid4().hex}"},
        )
    finally:
        delete_keys(url, config["THROTTLE_KEY_PREFIX"])


def test_without_redis_each_app_counts_in_its_own_memory(
    database: dict[str, Any], tmp_path: Path
) -> None:
    record_in_new_app(database, tmp_path / "worker-1", REDIS_URL=None)

    check_in_new_app(database, tmp_path / "worker-2", REDIS_URL=None)
