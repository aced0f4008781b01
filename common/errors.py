"""The base of every domain error.

Services raise only `DomainError` subclasses. Each door has one explicit table, keyed by error class, that says
how it answers each of them: `config/frontend_errors.py` (the frontend JSON API: HTTP status) and
`gateway/envelope.py` (the CEX.IO gateway: HTTP status and protocol text). The HTTP status is the door's choice,
not the error's (a missing order is 404 on the frontend and 422 on the gateway), so the class carries none.
"""

from typing import Any, ClassVar


class DomainError(Exception):
    """A refusal a user can act on. `code` is stable and machine-readable; `message` is safe to show."""

    code: ClassVar[str] = "error"
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
    default_message = "Not found."


class PermissionDeniedError(DomainError):
    code = "permission_denied"
    default_message = "You are not allowed to do this."


class TooManyAttemptsError(DomainError):
    """Too many failures in a window; `retry_after` says how many seconds to wait."""

    code = "too_many_attempts"
    default_message = "Too many failed attempts."

    def __init__(self, *, retry_after: int, message: str | None = None) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(
            message or f"Too many failed attempts. Try again in {self.retry_after} seconds.",
            details={"retry_after": self.retry_after},
        )
