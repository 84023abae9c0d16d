"""An injectable clock, so that every time rule is tested without waiting."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from flask import current_app

# The service's people live by French time: "today", "réessayez à 14:35", "le 18/12 à 9:00".
FRANCE = ZoneInfo("Europe/Paris")


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


def in_france(moment: datetime) -> datetime:
    """Return ``moment`` as a person in metropolitan France reads it on their clock."""
    return moment.astimezone(FRANCE)


def today() -> date:
    """Return today's date in France, by the running application's clock.

    A birth date typed on the 1st of January at 00:30 in Paris is in the past there, even
    though it is still the 31st of December in UTC.
    """
    return in_france(now()).date()
