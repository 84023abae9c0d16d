"""Fixtures of the signing-key tests: moving the clock past the lifecycle's delays."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from core.clock import FrozenClock
from keys.settings import KeySettings
from keys.settings import get_settings


@pytest.fixture
def key_settings(app: Flask) -> KeySettings:
    return get_settings()


@pytest.fixture
def after_publication_delay(clock: FrozenClock, key_settings: KeySettings) -> Callable[[], None]:
    """Move the clock until the next key has been published long enough to sign."""

    def advance() -> None:
        clock.advance(key_settings.publication_delay)

    return advance
