"""A live server and a scripted browser: journeys go through real HTTP (pytest plugin)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer
from werkzeug.serving import make_server

from accounts.mail import outbox
from core.clock import FrozenClock
from examples.partner_site.app import create_app as create_partner_site
from tests.conftest import empty_database
from tests.conftest import make_app
from tests.conftest import reconfigure

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class LiveServer:
    app: Flask
    url: str


def run_mail_worker(app: Flask, stop: threading.Event) -> None:
    """Send the queued mails of ``app`` as ``ameli mail deliver --loop`` does, until ``stop``."""
    while not stop.is_set():
        with app.app_context():
            outbox.deliver_due()
        stop.wait(0.05)


@pytest.fixture
def live_server_factory(
    database: dict[str, Any], clock: FrozenClock, tmp_path: Path
) -> Iterator[Any]:
    """Start the service on a free port with the given settings; CSRF protection on."""
    started: list[tuple[BaseWSGIServer, threading.Thread, Flask]] = []
    stop = threading.Event()
    workers: list[threading.Thread] = []

    def start(**overrides: Any) -> LiveServer:
        app = make_app(database, tmp_path, clock, **{"WTF_CSRF_ENABLED": True, **overrides})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        # Links in mails, and the sandbox's URLs, must point at this very server.
        reconfigure(app, ISSUER=url)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        # The mail worker of the deployment: requests only queue mails.
        worker = threading.Thread(target=run_mail_worker, args=(app, stop), daemon=True)
        worker.start()
        workers.append(worker)
        started.append((server, thread, app))
        return LiveServer(app, url)

    yield start
    stop.set()
    for worker in workers:
        worker.join(timeout=5)
    for server, thread, app in started:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        with app.app_context():
            empty_database()


class Browser(requests.Session):
    """A person's browser: follows redirects, keeps cookies, sends the form's CSRF token."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def open(self, path: str) -> requests.Response:
        response = self.get(path if path.startswith("http") else self.base_url + path, timeout=10)
        self.last = response
        return response

    def submit(self, path: str, data: dict[str, str]) -> requests.Response:
        """Post ``data`` with the CSRF token of the page last opened."""
        match = CSRF.search(self.last.text)
        assert match is not None, "no CSRF token on the page"
        response = self.post(
            self.base_url + path, data={"csrf_token": match[1], **data}, timeout=10
        )
        self.last = response
        return response


@pytest.fixture
def browser_factory() -> Iterator[Any]:
    browsers: list[Browser] = []

    def open_browser(base_url: str) -> Browser:
        browser = Browser(base_url)
        browsers.append(browser)
        return browser

    yield open_browser
    for browser in browsers:
        browser.close()


@pytest.fixture
def partner_site_factory() -> Iterator[Callable[[dict[str, Any]], str]]:
    """Start the demo partner site (examples/partner_site) with given settings; its URL."""
    servers: list[Any] = []

    def start(settings: dict[str, Any]) -> str:
        holder: dict[str, Any] = {}
        server = make_server(
            "127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True
        )
        url = f"http://127.0.0.1:{server.server_port}"
        holder["app"] = create_partner_site({**settings, "url": url})
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return url

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
