"""Browsers' sessions kept on the server: the cookie holds a random key, nothing else.

A copied cookie stops working the moment its session ends: at sign-out, after
``SESSION_IDLE_TIMEOUT`` seconds without a request (30 minutes) or ``SESSION_ABSOLUTE_TIMEOUT``
seconds after it began (12 hours), whatever the cookie says. Clearing a session (sign-in,
sign-out, the end of an enrollment) gives the browser a new key, which defeats fixation.
What the session holds (an enrollment in progress, who is signed in) never leaves the
server. Only the SHA-256 of a key is stored (STYLE 8).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import Flask
from flask import Request
from flask import request
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession
from flask.sessions import SessionInterface
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from accounts.models import BrowserSession
from accounts.sessions import ACCOUNT as ACCOUNT_KEY
from accounts.settings import get_settings
from core import clock
from core.db import db

log = logging.getLogger(__name__)
# A session's last request is written down at most this often, not at every request.
TOUCH_INTERVAL = timedelta(seconds=60)
_SERIALIZER = TaggedJSONSerializer()


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class StoredSession(SecureCookieSession):
    """A session whose data lives in ``browser_session``; clearing it starts a new one."""

    def __init__(
        self,
        initial: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
        row_id: int | None = None,
        touch: bool = False,
        unreadable: bool = False,
    ) -> None:
        super().__init__(initial)
        self.key = key
        self.row_id = row_id
        self.unreadable = unreadable
        # Set when the data must go to a new key: the old row is deleted on save.
        self.renew = False
        self.touch = touch

    def clear(self) -> None:
        super().clear()
        self.renew = True
        self.modified = True


class DatabaseSessionInterface(SessionInterface):
    """Flask's session, kept in the database; the cookie names it by a random key."""

    def open_session(self, app: Flask, request: Request) -> StoredSession:
        key = request.cookies.get(self.get_cookie_name(app))
        if not key or len(key) > 100:
            return StoredSession()
        try:
            row = db.session.scalar(
                select(BrowserSession).where(BrowserSession.key_hash == key_hash(key))
            )
        except SQLAlchemyError:
            # The database is away: the page will say so; the session waits for it.
            db.session.rollback()
            log.warning("session not read: the database is unreachable")
            return StoredSession(key=key, unreadable=True)
        now = clock.now()
        if row is None or _expired(row, now):
            return StoredSession()
        try:
            data = _SERIALIZER.loads(row.data)
        except ValueError:
            return StoredSession()
        touch = now - row.last_seen_at >= TOUCH_INTERVAL
        return StoredSession(data, key=key, row_id=row.id, touch=touch)

    def save_session(self, app: Flask, session: StoredSession, response: Response) -> None:  # type: ignore[override]
        if session.unreadable:
            return  # nothing was read, nothing can be kept: the browser keeps its key
        try:
            self._save(app, session, response)
        except SQLAlchemyError:
            db.session.rollback()
            log.warning("session not saved: the database is unreachable")

    def _save(self, app: Flask, session: StoredSession, response: Response) -> None:
        if session.accessed:
            response.vary.add("Cookie")
        renewed = session.renew and session.row_id is not None
        if renewed or (not session and session.row_id is not None and session.modified):
            db.session.execute(delete(BrowserSession).where(BrowserSession.id == session.row_id))
            session.row_id = None
        if not session:
            if session.modified or renewed:
                self._delete_cookie(app, response)
            db.session.commit()
            return
        now = clock.now()
        if session.row_id is None:
            key = secrets.token_urlsafe(32)
            db.session.add(
                BrowserSession(
                    key_hash=key_hash(key),
                    data=_SERIALIZER.dumps(dict(session)),
                    account_id=session.get(ACCOUNT_KEY),
                    user_agent=_browser(),
                    created_at=now,
                    last_seen_at=now,
                )
            )
            db.session.commit()
            self._set_cookie(app, response, key)
            return
        if session.modified or session.touch:
            row = db.session.get(BrowserSession, session.row_id)
            if row is None:  # ended meanwhile (sign-out elsewhere): nothing to keep
                self._delete_cookie(app, response)
                db.session.commit()
                return
            if session.modified:
                row.data = _SERIALIZER.dumps(dict(session))
                row.account_id = session.get(ACCOUNT_KEY)
            row.last_seen_at = now
            db.session.commit()

    def _set_cookie(self, app: Flask, response: Response, key: str) -> None:
        response.set_cookie(
            self.get_cookie_name(app),
            key,
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")

    def _delete_cookie(self, app: Flask, response: Response) -> None:
        response.delete_cookie(
            self.get_cookie_name(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            httponly=self.get_cookie_httponly(app),
        )
        response.vary.add("Cookie")


def _expired(row: BrowserSession, now: datetime) -> bool:
    settings = get_settings()
    return (
        now - row.last_seen_at > settings.session_idle_timeout
        or now - row.created_at > settings.session_absolute_timeout
    )


def _browser() -> str | None:
    agent = request.headers.get("User-Agent")
    return agent[:300] if agent else None


def end_sessions_of(account_id: int, *, except_key: str | None = None) -> int:
    """End every session of an account (but ``except_key``'s); return how many."""
    statement = delete(BrowserSession).where(BrowserSession.account_id == account_id)
    if except_key is not None:
        statement = statement.where(BrowserSession.key_hash != key_hash(except_key))
    ended = db.session.execute(statement).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    return int(ended)


def purge_expired(now: datetime | None = None) -> int:
    """Delete the sessions past their idle or absolute time; return how many."""
    now = now or clock.now()
    settings = get_settings()
    ended = db.session.execute(
        delete(BrowserSession).where(
            (BrowserSession.last_seen_at < now - settings.session_idle_timeout)
            | (BrowserSession.created_at < now - settings.session_absolute_timeout)
        )
    ).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    return int(ended)
