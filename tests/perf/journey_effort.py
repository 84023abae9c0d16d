"""Measure what each sign-up path asks of a person: fields, keystrokes, page loads, time.

    .venv/bin/python -m tests.perf.journey_effort

Drives real headless Chromium through each path on a throw-away live server and counts
what a person does. Time is estimated with the keystroke-level model (Card, Moran & Newell):
0.28 s a keystroke (an average typist), 1.1 s to point at a field or button, 1.35 s to think
before each field, and the page loads as measured. The promise to check: under 5 minutes.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import flask_migrate
from playwright.sync_api import Page
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from config import create_app
from core.db import db
from enrollment.registry import importer as registry_import
from tests.browser.conftest import CHROMIUM
from tests.browser.conftest import FLAGS
from tests.conftest import reconfigure
from tests.enrollment.conftest import DEMO_CSV
from tests.enrollment.conftest import latest_activation_token

KEYSTROKE = 0.28
POINT = 1.1
THINK = 1.35


@dataclass
class Effort:
    path: str
    fields: int = 0
    keystrokes: int = 0
    clicks: int = 0
    page_loads: int = 0
    loading_seconds: float = 0.0
    steps: list[str] = field(default_factory=list)

    @property
    def estimated_seconds(self) -> float:
        return (
            self.keystrokes * KEYSTROKE
            + (self.fields + self.clicks) * POINT
            + self.fields * THINK
            + self.loading_seconds
        )


class Person:
    """Types and clicks in a page, counting every action."""

    def __init__(self, page: Page, effort: Effort) -> None:
        self.page = page
        self.effort = effort

    def fill(self, selector: str, text: str) -> None:
        self.page.click(selector)
        self.page.keyboard.type(text)
        self.effort.fields += 1
        self.effort.keystrokes += len(text)

    def click(self, selector: str) -> None:
        self.effort.clicks += 1
        self.page.click(selector)

    def submit(self, selector: str = "main button[type=submit]") -> None:
        started = time.perf_counter()
        with self.page.expect_navigation():
            self.click(selector)
        self.page.wait_for_load_state("load")
        self._loaded(started)

    def open(self, url: str) -> None:
        started = time.perf_counter()
        self.page.goto(url)
        self._loaded(started)

    def _loaded(self, started: float) -> None:
        self.effort.page_loads += 1
        self.effort.loading_seconds += time.perf_counter() - started
        self.effort.steps.append(self.page.title())


@contextmanager
def live_service(folder: Path) -> Iterator[tuple[str, object]]:
    app = create_app(
        {
            "ENV": "test",
            "SANDBOX_ENABLED": True,
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "MAIL_OUTBOX_DIR": str(folder / "outbox"),
        },
        instance_path=str(folder),
    )
    with app.app_context():
        flask_migrate.upgrade()
        with DEMO_CSV.open(encoding="utf-8", newline="") as stream:
            registry_import.import_csv(stream)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    reconfigure(app, ISSUER=url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url, app
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


def card_and_bank(person: Person, url: str, app: object) -> None:
    person.open(url + "/creation-compte/")
    person.submit("main a[href$='/carte-vitale']")
    for selector, text in (
        ("#name", "venturi"),
        ("#nir", "1 62 12 2B 010 001 03"),
        ("#birth_date", "18/12/1962"),
        ("#postal_code", "63000"),
        ("#iban_tail", "0G02443"),
        ("#vitale_tail", "46713226301"),
    ):
        person.fill(selector, text)
    person.submit()
    person.fill("#password", "Ameli-Demo-2026!")
    person.fill("#confirmation", "Ameli-Demo-2026!")
    person.submit()
    person.fill("#email", "pierre.venturi@example.org")
    person.submit("button[value=create]")
    with app.app_context():  # type: ignore[attr-defined]
        token = latest_activation_token(app)  # type: ignore[arg-type]
    person.open(f"{url}/creation-compte/activation/{token}")


def franceconnect(person: Person, url: str, app: object) -> None:
    person.open(url + "/creation-compte/")
    person.submit("button.fr-connect")
    person.click("label[for=login-1]")  # the test identity "test" (Angela DUBOIS)
    person.fill("input[name=password]", "123")
    person.submit("main button[value=login]")
    person.fill("#nir", "2 62 08 75 107 891 79")
    person.submit()
    person.fill("#password", "Ameli-Demo-2026!")
    person.fill("#confirmation", "Ameli-Demo-2026!")
    person.submit()
    # The address comes from FranceConnect: the person only checks it.
    person.submit("button[value=create]")
    with app.app_context():  # type: ignore[attr-defined]
        token = latest_activation_token(app)  # type: ignore[arg-type]
    person.open(f"{url}/creation-compte/activation/{token}")


PATHS = {"Carte Vitale + IBAN": card_and_bank, "FranceConnect": franceconnect}


def main() -> None:
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as temporary:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        print("| path | fields | keystrokes | clicks | page loads | estimated time |")
        print("|---|---|---|---|---|---|")
        for name, journey in PATHS.items():
            folder = Path(temporary) / name.replace(" ", "_")
            folder.mkdir()
            with live_service(folder) as (url, app):
                page = browser.new_page()
                effort = Effort(name)
                journey(Person(page, effort), url, app)
                page.close()
            minutes, seconds = divmod(round(effort.estimated_seconds), 60)
            print(
                f"| {name} | {effort.fields} | {effort.keystrokes} | {effort.clicks} | "
                f"{effort.page_loads} | {minutes} min {seconds:02d} s |"
            )
        browser.close()


if __name__ == "__main__":
    main()
