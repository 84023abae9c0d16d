"""Infrastructure shared by every feature package: database handle and clock.

It lives apart from ``config`` so that dependencies point one way: ``config`` composes
``idp``, ``enrollment``, ``franceconnect`` and ``keys``; all of them may use ``core``.
"""
