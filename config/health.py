"""Probes for the process supervisor and the load balancer."""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import Response
from flask import jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.db import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Say that the process is alive; touches nothing else."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Say whether the service can serve: the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("readiness check failed: database unreachable: %s", type(error).__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
