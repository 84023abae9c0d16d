"""The pages work under their own Content-Security-Policy: no inline script or style they
need is refused, the live checks still run, and no page can be framed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page

from enrollment.registry import importer as registry_import
from tests.enrollment.conftest import DEMO_CSV


@pytest.fixture
def strict_page(chromium: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A tab that obeys the pages' CSP, and the violations it reports."""
    context = chromium.new_context(viewport={"width": 1024, "height": 800}, locale="fr-FR")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    refused: list[str] = []
    tab.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield tab, refused
    context.close()


@pytest.mark.parametrize(
    "path",
    ["/", "/creation-compte/", "/creation-compte/carte-vitale", "/connexion", "/langue/en"],
)
def test_pages_need_nothing_their_policy_refuses(
    strict_page: tuple[Page, list[str]], live_server_factory: Any, path: str
) -> None:
    page, refused = strict_page
    server = live_server_factory()

    page.goto(server.url + path)
    page.wait_for_load_state("networkidle")

    assert refused == []


def test_the_live_check_of_step_1_runs_under_the_policy(
    strict_page: tuple[Page, list[str]], live_server_factory: Any
) -> None:
    page, refused = strict_page
    server = live_server_factory()
    with server.app.app_context(), DEMO_CSV.open(encoding="utf-8", newline="") as stream:
        registry_import.import_csv(stream)

    page.goto(server.url + "/creation-compte/carte-vitale")
    page.fill("#nir", "1 62 12")
    page.locator("#nir").blur()

    page.wait_for_selector("#nir-error")
    assert refused == []


def test_no_page_can_be_framed(
    strict_page: tuple[Page, list[str]], live_server_factory: Any
) -> None:
    page, _ = strict_page
    server = live_server_factory()
    page.set_content(f'<iframe id="frame" src="{server.url}/connexion"></iframe>')
    page.wait_for_timeout(500)

    frame = page.frame_locator("#frame")

    assert frame.locator("form").count() == 0
