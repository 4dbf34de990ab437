"""The errors services raise: each carries a message fit for the user (Simplified Chinese)."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal or a validation failure with a message fit for the user (Chinese)."""


class PermissionDenied(ServiceError):
    """The acting role may not do this."""


class NotFound(ServiceError):
    """The object does not exist (any more)."""


class ConflictError(ServiceError):
    """Someone else changed the object first (optimistic version check)."""
