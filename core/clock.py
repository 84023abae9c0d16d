"""An injectable clock, so that every time rule is tested without waiting."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Protocol

from flask import current_app


class Clock(Protocol):
    """Tell the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests, demos)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 15, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment


EXTENSION_KEY = "ameli.clock"


def init_app(app_extensions: dict[str, object], clock: Clock | None = None) -> None:
    """Attach ``clock`` (the system clock by default) to an application's extensions."""
    app_extensions[EXTENSION_KEY] = clock or SystemClock()


def now() -> datetime:
    """Return the current time of the running application's clock."""
    clock: Clock = current_app.extensions[EXTENSION_KEY]
    return clock.now()
