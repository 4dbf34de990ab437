"""One sentence for the user about a failed background task: the service's own message when it
refused (permission, validation, conflict), else what went wrong with storage."""

from __future__ import annotations

from console.services.core.context import ServiceError
from console.services.core.storage import describe_storage_error


def error_text(exc: BaseException) -> str:
    if isinstance(exc, ServiceError):
        return str(exc)
    return describe_storage_error(exc)
