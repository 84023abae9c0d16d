"""The OpenAPI 3.1 document of the API, written by hand next to the code it describes.

The list of problem codes is not written in the file: it is :data:`~enrollment.api.problems.
PROBLEMS`, the very list the API answers with, so that the two cannot drift apart.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from enrollment.api.problems import PROBLEMS


@cache
def document() -> dict[str, Any]:
    """Return the OpenAPI document (``static/openapi.json``), read once, with its codes."""
    text = resources.files("enrollment.api").joinpath("static/openapi.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    loaded["components"]["schemas"]["ProblemCode"]["enum"] = [kind.code for kind in PROBLEMS]
    return loaded
