"""The base of every domain error.

Services raise only `DomainError` subclasses. Each door (the frontend JSON API, the CEX.IO gateway) has one
table-driven translator that turns them into its own error shape.
"""

from typing import Any, ClassVar


class DomainError(Exception):
    """A refusal a user can act on. `code` is stable and machine-readable; `message` is safe to show."""

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 400
    default_message: ClassVar[str] = "The request was refused."

    def __init__(
        self, message: str | None = None, *, details: dict[str, Any] | None = None
    ) -> None:
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class NotFoundError(DomainError):
    code = "not_found"
    http_status = 404
    default_message = "Not found."


class PermissionDeniedError(DomainError):
    code = "permission_denied"
    http_status = 403
    default_message = "You are not allowed to do this."


class TooManyAttemptsError(DomainError):
    """Too many failures in a window; `retry_after` says how many seconds to wait."""

    code = "too_many_attempts"
    http_status = 429
    default_message = "Too many failed attempts."

    def __init__(self, *, retry_after: int, message: str | None = None) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(
            message or f"Too many failed attempts. Try again in {self.retry_after} seconds.",
            details={"retry_after": self.retry_after},
        )
