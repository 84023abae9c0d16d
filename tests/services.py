"""Where the tests find PostgreSQL and Redis, and what to do when they are missing.

Without ``AMELI_TEST_DATABASE_URL`` / ``AMELI_TEST_REDIS_URL`` the tests that need them
skip with a reason (a newcomer's laptop); with ``AMELI_REQUIRE_SERVICES=1`` (CI) a
missing or unreachable service fails the run instead.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def services_required() -> bool:
    return os.environ.get("AMELI_REQUIRE_SERVICES") == "1"


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when the services are required."""
    if services_required():
        pytest.fail(f"{reason} (AMELI_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason)


def postgresql_url() -> str:
    url = os.environ.get("AMELI_TEST_DATABASE_URL")
    if not url:
        unavailable("PostgreSQL tests need AMELI_TEST_DATABASE_URL")
    return url


def redis_url() -> str:
    url = os.environ.get("AMELI_TEST_REDIS_URL")
    if not url:
        unavailable("Redis tests need AMELI_TEST_REDIS_URL")
    return url
