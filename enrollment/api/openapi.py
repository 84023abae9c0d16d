"""The OpenAPI 3.1 document of the API, written by hand next to the code it describes."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def document() -> dict[str, Any]:
    """Return the OpenAPI document (``static/openapi.json``), read once."""
    text = resources.files("enrollment.api").joinpath("static/openapi.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
