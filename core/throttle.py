"""Throttling of guesses (step 1 of enrollment, sign-in): count failures, block for a while.

Counters live in Redis when ``AMELI_REDIS_URL`` is set, so every worker shares them, and in
process memory otherwise. A person is told when they may try again ("réessayez à 14:35").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from flask import Flask
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from limits import RateLimitItem
from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.storage import RedisStorage
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter

from core.clock import in_france
from core.errors import Refusal

log = logging.getLogger(__name__)
EXTENSION_KEY = "ameli.throttle"


class Throttled(Refusal):
    """Too many failures: the action is blocked until ``retry_at``."""

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
    """At most ``rate`` failures (e.g. ``"5/hour"``) for one value of ``scope``."""

    scope: str
    rate: str

    @property
    def item(self) -> RateLimitItem:
        return parse(self.rate)


class Throttle:
    """Count failures per scope and key, and refuse once a limit is spent."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)

    def check(self, *limits: tuple[Limit, str]) -> None:
        """Refuse if any ``(limit, key)`` has no failure left.

        :raises Throttled: with the latest time at which every blocking limit frees up.
        """
        blocked_until: list[datetime] = []
        for limit, key in limits:
            try:
                if self._limiter.test(limit.item, limit.scope, key):
                    continue
                stats = self._limiter.get_window_stats(limit.item, limit.scope, key)
            except StorageError:
                # Availability first: an unreachable store must not lock everyone out.
                log.exception("throttle store unreachable; %s not enforced", limit.scope)
                continue
            blocked_until.append(datetime.fromtimestamp(stats.reset_time, UTC))
        if blocked_until:
            raise Throttled(max(blocked_until))

    def record(self, *limits: tuple[Limit, str]) -> None:
        """Count one attempt (a failure, a mail sent) against every ``(limit, key)``."""
        for limit, key in limits:
            try:
                self._limiter.hit(limit.item, limit.scope, key)
            except StorageError:
                log.exception("throttle store unreachable; failure not counted")

    def spend(self, *limits: tuple[Limit, str]) -> None:
        """Count one use against every ``(limit, key)``, refusing once they are spent.

        For actions limited whether they succeed or not (live checks, mails sent).

        :raises Throttled: no use left; nothing is counted then.
        """
        self.check(*limits)
        self.record(*limits)

    def reset(self, *limits: tuple[Limit, str]) -> None:
        """Forget the failures of ``(limit, key)``, e.g. after a success."""
        for limit, key in limits:
            try:
                self._limiter.clear(limit.item, limit.scope, key)
            except StorageError:
                log.exception("throttle store unreachable; failures not cleared")


DEFAULT_KEY_PREFIX = "ameli"


def storage_for(redis_url: str | None, key_prefix: str = DEFAULT_KEY_PREFIX) -> Storage:
    """Return Redis storage for ``redis_url``, or in-process memory when it is unset."""
    if not redis_url:
        return MemoryStorage()
    return RedisStorage(redis_url, key_prefix=key_prefix, wrap_exceptions=True)


def init_app(app: Flask) -> None:
    """Give ``app`` its throttle, on the store named by ``REDIS_URL``."""
    app.config.setdefault("THROTTLE_KEY_PREFIX", DEFAULT_KEY_PREFIX)
    storage = storage_for(app.config.get("REDIS_URL"), app.config["THROTTLE_KEY_PREFIX"])
    app.extensions[EXTENSION_KEY] = Throttle(storage)


def get_throttle() -> Throttle:
    """Return the running application's throttle."""
    throttle: Throttle = current_app.extensions[EXTENSION_KEY]
    return throttle
