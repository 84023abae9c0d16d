"""What every response of a kind says about itself, in one place."""

from __future__ import annotations

from werkzeug.wrappers import Response


def no_store(response: Response) -> Response:
    """Forbid keeping a personal page, or an enrollment step, in any cache or history.

    For ``Blueprint.after_request``: a page that shows who someone is, or a step of their
    enrollment, must not come back from a shared computer's cache after they left.
    """
    response.headers["Cache-Control"] = "no-store"
    return response
