"""The language a person chose with the switch, kept in the session even when it is renewed."""

from __future__ import annotations

from flask import session

SESSION_KEY = "locale"


def clear_session() -> None:
    """Empty the session (a fresh one defeats fixation), keeping only the chosen language."""
    chosen = session.get(SESSION_KEY)
    session.clear()
    if chosen is not None:
        session[SESSION_KEY] = chosen
