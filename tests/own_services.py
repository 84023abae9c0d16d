"""Servers of the tests' own, started and stopped by the tests that need them to fail.

Tests that stop, pause or break a service never touch the machine's shared one: each starts
its own instance on a free port, in a folder of its own, and stops it by its pid.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


class OwnRedis:
    """A redis-server of the test's own: started, stopped, paused and resumed by pid."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.resume()
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def pause(self) -> None:
        """Freeze the server: connections are accepted by the kernel, never answered."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    with tempfile.TemporaryDirectory(prefix="ameli-redis-") as folder:
        server = OwnRedis(Path(folder))
        server.start()
        try:
            yield server
        finally:
            server.stop()


def _postgres_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        binary = shutil.which(name)
        if binary is None:
            pytest.skip(f"PostgreSQL's {name} is not installed")
        return binary
    return str(found[-1])


class OwnPostgres:
    """A PostgreSQL cluster of the test's own (initdb in a temporary folder, a free port).

    PostgreSQL refuses to run as root: as root (CI, containers), the cluster is made and run
    as the ``postgres`` user, which owns the folder.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.running = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run(_postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "postgres.log")
        self._run(
            _postgres_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start"
        )
        self.running = True

    def stop(self) -> None:
        """Stop at once, as a crash or a network cut would: no goodbye to the clients."""
        if self.running:
            self._run(
                _postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"
            )
            self.running = False


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    with tempfile.TemporaryDirectory(prefix="ameli-postgres-") as folder:
        os.chmod(folder, 0o755)
        server = OwnPostgres(Path(folder))
        server.create()
        server.start()
        try:
            yield server
        finally:
            server.stop()
