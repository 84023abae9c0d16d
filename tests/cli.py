"""Run the ``ameli`` command as an operator would: a process of its own, a clean environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_ameli(
    *args: str, environment: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m config ARGS`` (the ``ameli`` command) and return what it did."""
    return subprocess.run(
        [sys.executable, "-m", "config", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=60,
        check=False,
    )
