"""Pages of the service shell that belong to no feature."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    """Show the welcome page."""
    return render_template("home.html")
