"""Why a command or query was refused. Only ``http/errors.py`` turns these into responses."""

from __future__ import annotations

__all__ = ["CommandError", "Conflict", "Forbidden", "InvalidCommand", "NotFound"]


class CommandError(Exception):
    """Base of every refusal; the message is one line a user can act on."""


class InvalidCommand(CommandError):
    """The command is malformed or names something that cannot work (HTTP 422)."""


class NotFound(CommandError):
    """The command names an aggregate that does not exist (HTTP 404)."""


class Conflict(CommandError):
    """The command clashes with the current state or a concurrent command (HTTP 409)."""


class Forbidden(CommandError):
    """The principal may not do this, whatever their role (approve their own plan: HTTP 403)."""
