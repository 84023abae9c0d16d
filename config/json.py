"""JSON read from requests: a body nested too deep is malformed, never a crash."""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a document too deep for the parser is a ``ValueError``.

    ``request.get_json(silent=True)`` then answers None and views refuse the body as they
    refuse any malformed one; an error about the recursion limit never reaches a person.
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON document nested too deep") from error
