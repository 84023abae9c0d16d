"""Real concurrency: many requests released at once against a live server."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def all_at_once(actions: list[Callable[[], T]]) -> list[T]:
    """Run each action in a thread of its own, all released by one barrier; their results."""
    barrier = threading.Barrier(len(actions))
    results: list[T | None] = [None] * len(actions)
    failures: list[BaseException] = []

    def run(index: int, action: Callable[[], T]) -> None:
        barrier.wait()
        try:
            results[index] = action()
        except BaseException as error:  # handed to the test thread below
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if failures:
        raise failures[0]
    return results  # type: ignore[return-value]
