"""Operator commands of the outbox: ``ameli mail deliver``."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from accounts.mail import outbox
from core.db import db

log = logging.getLogger(__name__)

mail_cli = AppGroup("mail", help="Send the mails waiting in the outbox.")

# How often a waiting worker checks whether it was asked to stop.
STOP_CHECK_SECONDS = 0.2


@mail_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering until interrupted (a worker).")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds between two rounds with --loop.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Most messages sent in one round.",
)
def deliver_command(loop: bool, interval: float, limit: int) -> None:
    """Send the due messages of the outbox, retrying failures later."""
    if not loop:
        _echo(outbox.deliver_due(limit))
        return
    click.echo(f"delivering every {interval:g} s; Ctrl-C or SIGTERM to stop", err=True)
    with _stop_requested() as stop:
        while not stop.is_set():
            try:
                report = outbox.deliver_due(limit)
            except SQLAlchemyError:
                # A worker outlives a database restart; the messages wait in the outbox.
                log.exception("delivery round failed, next one in %g s", interval)
                db.session.remove()
                report = outbox.DeliveryReport()
            if report.total:
                _echo(report)
            if report.total < limit:
                _wait(interval, stop)
    click.echo("stopped", err=True)


def _echo(report: outbox.DeliveryReport) -> None:
    click.echo(f"{report.sent} sent, {report.retried} to retry, {report.failed} given up")


def _wait(seconds: float, stop: threading.Event) -> None:
    deadline = time.monotonic() + seconds
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        # Short sleeps, not stop.wait(): the signal handler's stop.set() would deadlock
        # if it interrupted this thread inside wait(), holding the Event's lock.
        time.sleep(min(left, STOP_CHECK_SECONDS))


@contextmanager
def _stop_requested() -> Iterator[threading.Event]:
    """Turn the first SIGINT or SIGTERM into a stop between two messages, never during one."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        # Only the main thread may install handlers; there, Ctrl-C stops at once.
        yield stop
        return
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    def request_stop(number: int, frame: FrameType | None) -> None:
        stop.set()
        # A second signal acts at once, as usual.
        restore()

    for number in previous:
        signal.signal(number, request_stop)
    try:
        yield stop
    finally:
        restore()
