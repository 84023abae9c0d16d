"""Errors every package may raise."""


class ConfigurationError(RuntimeError):
    """The configuration cannot be used; the message says why in one line."""
