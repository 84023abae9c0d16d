"""Throttling of guesses and of costly actions: reserve an attempt, then verify, then keep or
release it.

An attempt at a secret (a code personnel, an identity at step 1) is *reserved* against
every limit it counts toward, atomically and all at once, **before** the secret is checked;
a failure keeps the reservation, a success releases it. So thirty simultaneous guesses on
one NIR get exactly as many checks as the limit allows, never more (STYLE 16). A limit is
a moving window: at most ``amount`` attempts in any ``window``.

Counters live in Redis when ``AMELI_REDIS_URL`` is set, so every worker and instance
shares them: one round trip of a Lua script reserves on every limit at once, with Redis's
own clock. Calls to Redis give up after about 100 ms; while it is away, each process
counts in its own memory instead (logged, and counted in :attr:`Throttle.fallbacks`), so
limits still hold per process rather than not at all. Without Redis, counters are in
process memory. A person is told when they may try again ("réessayez à 14:35").
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from functools import cached_property
from typing import Protocol

import redis
from flask import Flask
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from limits import parse

from core.clock import in_france
from core.errors import Refusal

log = logging.getLogger(__name__)
EXTENSION_KEY = "ameli.throttle"
DEFAULT_KEY_PREFIX = "ameli"
# Beyond this, Redis is away: answer from process memory rather than make people wait.
REDIS_TIMEOUT_SECONDS = 0.1
# While Redis is away, say so once in this many seconds, not at every request.
_FALLBACK_LOG_INTERVAL = 60.0


class Throttled(Refusal):
    """Too many attempts: the action is blocked until ``retry_at``."""

    code = "throttled"
    status = 429
    title = _l("Trop de tentatives")

    def __init__(self, retry_at: datetime) -> None:
        super().__init__(f"blocked until {retry_at.isoformat()}")
        self.retry_at = retry_at

    @property
    def message(self) -> str:  # type: ignore[override]
        """Tell the person, in their language, that they are blocked and until when."""
        return gettext(
            "Trop de tentatives infructueuses. Par sécurité, la vérification est bloquée : "
            "réessayez à %(time)s.",
            time=self.retry_at_local,
        )

    @property
    def retry_at_local(self) -> str:
        """The time to try again, as a person in France reads it (``HH:MM``)."""
        return in_france(self.retry_at).strftime("%H:%M")


@dataclass(frozen=True)
class Limit:
    """At most ``rate`` attempts (e.g. ``"5/hour"``, ``"6/15 minutes"``) per value of ``scope``."""

    scope: str
    rate: str

    @cached_property
    def _parsed(self) -> tuple[int, float]:
        item = parse(self.rate)
        return item.amount, float(item.get_expiry())

    @property
    def amount(self) -> int:
        return self._parsed[0]

    @property
    def window(self) -> float:
        """Seconds of the moving window."""
        return self._parsed[1]


Counter = tuple[Limit, str]  # a limit and the value it counts for (a NIR, an address)


@dataclass(frozen=True)
class Window:
    """One counter as a store sees it: its key, its amount and its window in seconds."""

    key: str
    amount: int
    window: float


class Store(Protocol):
    """Where attempts are counted, each one a member of every window it counts toward."""

    def reserve(self, windows: Sequence[Window], member: str, *, count: bool) -> float | None:
        """Add ``member`` to every window if none is full; else return when all free up.

        With ``count`` false, only tell whether they are full (nothing is added).
        """

    def release(self, keys: Sequence[str], member: str) -> None:
        """Take ``member`` out of the windows of ``keys``."""

    def clear(self, keys: Sequence[str]) -> None:
        """Forget every attempt of ``keys``."""


class MemoryStore:
    """Windows in this process's memory (one worker, or while Redis is away)."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._entries: dict[str, list[tuple[float, str]]] = {}
        self._lock = threading.Lock()

    def reserve(self, windows: Sequence[Window], member: str, *, count: bool) -> float | None:
        with self._lock:
            now = self._now()
            blocked = 0.0
            for window in windows:
                entries = [
                    e for e in self._entries.get(window.key, []) if e[0] > now - window.window
                ]
                self._entries[window.key] = entries
                if len(entries) >= window.amount:
                    # The attempt whose leaving frees a place is the (n - amount)th oldest.
                    freed = entries[len(entries) - window.amount][0] + window.window
                    blocked = max(blocked, freed)
            if blocked:
                return blocked
            if count:
                for window in windows:
                    self._entries[window.key].append((now, member))
            return None

    def release(self, keys: Sequence[str], member: str) -> None:
        with self._lock:
            for key in keys:
                self._entries[key] = [e for e in self._entries.get(key, []) if e[1] != member]

    def clear(self, keys: Sequence[str]) -> None:
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)


# KEYS: the windows. ARGV[1]: the member; ARGV[2]: "1" to count, "0" to test only; then an
# amount and a window in milliseconds per key. Redis's clock decides, the same for every
# instance. Returns the time (ms) when every full window frees up, or 0 once reserved.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local blocked = 0
for i = 1, #KEYS do
  local amount = tonumber(ARGV[1 + 2 * i])
  local window = tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local n = redis.call('ZCARD', KEYS[i])
  if n >= amount then
    local oldest = redis.call('ZRANGE', KEYS[i], n - amount, n - amount, 'WITHSCORES')
    local freed = tonumber(oldest[2]) + window
    if freed > blocked then blocked = freed end
  end
end
if blocked > 0 then return tostring(blocked) end
if ARGV[2] == '1' then
  for i = 1, #KEYS do
    redis.call('ZADD', KEYS[i], now, ARGV[1])
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 + 2 * i]))
  end
end
return '0'
"""


class RedisStore:
    """Windows shared by every worker through Redis: one script call per reservation."""

    def __init__(self, url: str, key_prefix: str = DEFAULT_KEY_PREFIX) -> None:
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            retry_on_timeout=False,
        )
        self.prefix = key_prefix
        self._script = self.client.register_script(_RESERVE)

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def reserve(self, windows: Sequence[Window], member: str, *, count: bool) -> float | None:
        arguments: list[str | int] = [member, "1" if count else "0"]
        for window in windows:
            arguments += [window.amount, int(window.window * 1000)]
        blocked = float(self._script(keys=[self._key(w.key) for w in windows], args=arguments))
        return blocked / 1000 if blocked else None

    def release(self, keys: Sequence[str], member: str) -> None:
        with self.client.pipeline(transaction=False) as pipeline:
            for key in keys:
                pipeline.zrem(self._key(key), member)
            pipeline.execute()

    def clear(self, keys: Sequence[str]) -> None:
        if keys:
            self.client.delete(*(self._key(key) for key in keys))

    def ping(self) -> bool:
        """Tell whether Redis answers now."""
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False


@dataclass
class Reservation:
    """Attempts reserved against limits: a failure keeps them, a success releases them."""

    throttle: Throttle
    counters: tuple[Counter, ...]
    member: str
    store: Store = field(repr=False)

    def keep(self) -> None:
        """Count the attempt (a failure, a mail sent): nothing more to do."""

    def release(self, *counters: Counter) -> None:
        """Give the attempt back to ``counters`` (all of them by default): it succeeded."""
        keys = [_key_of(counter) for counter in counters or self.counters]
        self.throttle.run(lambda store: store.release(keys, self.member), store=self.store)


def _key_of(counter: Counter) -> str:
    limit, value = counter
    # One window per rate: the tiers of one scope (3/minute, 10/hour…) count apart.
    return f"{limit.scope}/{limit.amount}/{int(limit.window)}:{value}"


def _windows(counters: Sequence[Counter]) -> list[Window]:
    return [Window(_key_of(counter), counter[0].amount, counter[0].window) for counter in counters]


class Throttle:
    """Reserve attempts against limits before they are made; refuse once a limit is spent."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Where counting goes on while the shared store is away.
        self.fallback = MemoryStore()
        self.fallbacks = 0
        self._last_fallback_log = 0.0

    def run(
        self, action: Callable[[Store], float | None], *, store: Store | None = None
    ) -> float | None:
        """Run ``action`` on the shared store, or on process memory while it is away."""
        chosen = store or self.store
        if chosen is self.fallback:
            return action(chosen)
        try:
            return action(chosen)
        except redis.RedisError:
            self.fallbacks += 1
            now = time.monotonic()
            if now - self._last_fallback_log >= _FALLBACK_LOG_INTERVAL:
                self._last_fallback_log = now
                log.exception("throttle store unreachable: counting in this process meanwhile")
            return action(self.fallback)

    def reserve(self, *counters: Counter) -> Reservation:
        """Reserve one attempt against every counter at once, before the attempt is made.

        :raises Throttled: a counter is spent; with the latest time at which every spent one
            frees up. Nothing is reserved then.
        """
        member = uuid.uuid4().hex
        windows = _windows(counters)
        used: list[Store] = []

        def attempt(store: Store) -> float | None:
            used.append(store)
            return store.reserve(windows, member, count=True)

        blocked = self.run(attempt)
        if blocked is not None:
            raise Throttled(datetime.fromtimestamp(blocked, UTC))
        return Reservation(self, tuple(counters), member, used[-1])

    def check(self, *counters: Counter) -> None:
        """Refuse if a counter is spent, without reserving anything (to tell, not to try).

        :raises Throttled: with the latest time at which every spent counter frees up.
        """
        member = uuid.uuid4().hex
        windows = _windows(counters)
        blocked = self.run(lambda store: store.reserve(windows, member, count=False))
        if blocked is not None:
            raise Throttled(datetime.fromtimestamp(blocked, UTC))

    def spend(self, *counters: Counter) -> None:
        """Count one use against every counter, refusing once one is spent.

        For actions limited whether they succeed or not (live checks, mails sent).

        :raises Throttled: no use left; nothing is counted then.
        """
        self.reserve(*counters).keep()

    def reset(self, *counters: Counter) -> None:
        """Forget every attempt of ``counters``, e.g. after a success."""
        keys = [_key_of(counter) for counter in counters]
        self.run(lambda store: store.clear(keys))


def store_for(redis_url: str | None, key_prefix: str = DEFAULT_KEY_PREFIX) -> Store:
    """Return the Redis store of ``redis_url``, or process memory when it is unset."""
    if not redis_url:
        return MemoryStore()
    return RedisStore(redis_url, key_prefix)


def init_app(app: Flask) -> None:
    """Give ``app`` its throttle, on the store named by ``REDIS_URL``."""
    app.config.setdefault("THROTTLE_KEY_PREFIX", DEFAULT_KEY_PREFIX)
    store = store_for(app.config.get("REDIS_URL"), app.config["THROTTLE_KEY_PREFIX"])
    app.extensions[EXTENSION_KEY] = Throttle(store)


def get_throttle() -> Throttle:
    """Return the running application's throttle."""
    throttle: Throttle = current_app.extensions[EXTENSION_KEY]
    return throttle
