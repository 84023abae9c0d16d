"""No NIR, hash, token or link in any log line, whoever writes it.

Log records are redacted where they are made (a log record factory), so that every handler
gets the same clean text: the application's, Werkzeug's and gunicorn's access lines, a
library's debug line. What stays is enough to follow a request: the path with its secret
part replaced, the names of the parameters, the account's id.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[…]"
_SECRET_NAMES = (
    "login_hint|id_token_hint|code|state|nonce|access_token|refresh_token|token|"
    "client_secret|client_assertion|password|code_verifier|nir|email|password_hash|token_hash"
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Single-use links: activation (and, later, recovery and address change).
    (re.compile(r"(/activation/|/lien/)[A-Za-z0-9_\-]{8,}"), rf"\1{REDACTED}"),
    # Secret or personal parameters, in a query string, a form body or an SQL echo...
    (
        re.compile(
            rf"(?i)((?:^|[?&\s\"'{{,(])(?:{_SECRET_NAMES})['\"]?\s*[=:]\s*['\"]?)[^&\s\"',}})]+"
        ),
        rf"\1{REDACTED}",
    ),
    # ... and inside another URL's query, encoded (the ``next`` of the sign-in page).
    (
        re.compile(rf"(?i)((?:%26|%3F)(?:{_SECRET_NAMES})%3D)(?:(?!%26)[^&\s\"])+"),
        rf"\1{REDACTED}",
    ),
    # A NIR however it is written: 13 or 15 characters, spaces or not.
    (
        re.compile(
            r"\b[1-478]\s?[0-9]{2}\s?[0-9]{2}\s?(?:[0-9]{2}|2[AaBb])\s?[0-9]{3}\s?[0-9]{3}"
            r"(?:\s?[0-9]{2})?\b"
        ),
        REDACTED,
    ),
    # Argon2 hashes of codes personnels, and JWTs (ID tokens, assertions).
    (re.compile(r"\$argon2id?\$[^\s'\",]+"), REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), REDACTED),
)
_installed = False


def redact(text: str) -> str:
    """Return ``text`` without the secrets and personal numbers it may hold."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def install() -> None:
    """Redact every log record of this process from now on (once is enough)."""
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: let logging report it as usual
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            # A database's error may quote the row it refused: the traceback is cleaned too.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(redacted_record)
