"""Read a package's settings once, typed and checked, with one clear line when refused.

Each feature package keeps its defaults in one ``DEFAULTS`` mapping, fills ``app.config``
with them in its ``init_app`` (as Flask extensions do) and reads them into a frozen
settings object of its own, attached to the application: code asks that object, never
``app.config`` again. The helpers below say what is wrong in the operator's words
(``AMELI_…``).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask import current_app
from limits import parse

from core.errors import ConfigurationError


def whole_number(config: Mapping[str, Any], name: str, *, minimum: int = 0) -> int:
    """Return setting ``name`` as a whole number of at least ``minimum``.

    The environment layer parses values as JSON, so a number may arrive as text or as an
    integer; ``true`` is surely a mistake, not 1.

    :raises ConfigurationError: naming the setting and the value refused.
    """
    value = config[name]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigurationError(f"AMELI_{name} must be a whole number, not {value!r}")
    try:
        number = int(value)
    except ValueError as error:
        raise ConfigurationError(f"AMELI_{name} must be a whole number, not {value!r}") from error
    if number < minimum:
        raise ConfigurationError(f"AMELI_{name} must be at least {minimum}, not {number}")
    return number


def rate(config: Mapping[str, Any], name: str) -> str:
    """Return setting ``name``, a rate such as ``5/hour`` or ``3/15 minutes``.

    :raises ConfigurationError: when it is not a rate the throttle can count.
    """
    value = config[name]
    try:
        parse(str(value))
    except ValueError as error:
        raise ConfigurationError(
            f"AMELI_{name} must be a rate such as 5/hour, not {value!r}"
        ) from error
    return str(value)


def text(config: Mapping[str, Any], name: str) -> str | None:
    """Return setting ``name`` as text, None when unset or empty."""
    value = config.get(name)
    return None if value is None or value == "" else str(value)


# --- Installing a package's settings ----------------------------------------------------

_LOADERS = "ameli.settings.loaders"


def install(
    app: Flask,
    key: str,
    load: Callable[[Mapping[str, Any]], object],
    defaults: Mapping[str, Any],
) -> None:
    """Default a package's settings, read them from ``app.config`` now, keep them as ``key``.

    :raises ConfigurationError: from ``load``, with a one-line reason.
    """
    for name, value in defaults.items():
        app.config.setdefault(name, value)
    app.extensions[key] = load(app.config)
    app.extensions.setdefault(_LOADERS, {})[key] = load


def reload(app: Flask) -> None:
    """Read every package's settings again, after ``app.config`` was changed.

    The service reads its settings once, at start; only what sets up an application before
    it serves (tests, ``ameli demo`` choosing its port) changes them afterwards.

    :raises ConfigurationError: from the first package whose settings are refused.
    """
    for key, load in app.extensions.get(_LOADERS, {}).items():
        app.extensions[key] = load(app.config)


def installed(key: str) -> Any:
    """Return the settings kept under ``key`` by the running application."""
    return current_app.extensions[key]
