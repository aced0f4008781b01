"""Protocol errors: raised by the gateway's checks and by action handlers, rendered by `gateway.envelope`.

A `GatewayError` carries the protocol text and the HTTP status that go on the wire as
`{"error": <message>, "statusCode": <status>}`. Handlers raise `GatewayError(message, status=422)` (or a
subclass) for protocol-level refusals; domain rules stay in services and raise `DomainError`s, which
`gateway.envelope.DOMAIN_ERRORS` translates.
"""

from typing import ClassVar

# ccxt maps any error text containing this substring to AuthenticationError (cexio-protocol.md §5).
AUTH_FAILED = "Authorization Failed: key not passed or incorrect"


class GatewayError(Exception):
    """A refusal on the wire. `reason` is a short stable code for the activity row."""

    status: ClassVar[int] = 400
    reason: ClassVar[str] = "bad_request"

    def __init__(
        self, message: str = "Bad Request", *, status: int | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status  # type: ignore[misc]
        if reason is not None:
            self.reason = reason  # type: ignore[misc]


class BadRequestError(GatewayError):
    """Unknown action, malformed or non-object JSON, wrong method: `Bad Request` (400)."""

    status = 400
    reason = "bad_request"


class BodyTooLargeError(GatewayError):
    status = 413
    reason = "body_too_large"


class ParameterError(GatewayError):
    """A parameter is missing or malformed (422, with the protocol's text)."""

    status = 422
    reason = "invalid_params"


class AuthenticationError(GatewayError):
    """Every 401: the text always contains `key not passed or incorrect`, then the specific reason."""

    status = 401
    reason = "auth_failed"

    def __init__(self, detail: str | None = None, *, reason: str = "auth_failed") -> None:
        message = f"{AUTH_FAILED} ({detail})" if detail else AUTH_FAILED
        super().__init__(message, reason=reason)


class ForbiddenError(GatewayError):
    """Missing permission or an address outside the key's whitelist (403)."""

    status = 403
    reason = "forbidden"


class ReplayError(GatewayError):
    """An exact repeat of a signed mutating request inside the timestamp window (409)."""

    status = 409
    reason = "replay"

    def __init__(self) -> None:
        super().__init__(
            "Replayed request refused: this signed request was already received; "
            "resend it with a fresh timestamp"
        )


class RateLimitedError(GatewayError):
    status = 429
    reason = "rate_limited"

    def __init__(self) -> None:
        super().__init__("API rate limit reached")


class TooManySocketsError(GatewayError):
    """A WebSocket past its client IP's or its API key's cap on open sockets (gateway/sockets.py)."""

    status = 429
    reason = "too_many_sockets"


class ServerError(GatewayError):
    status = 500
    reason = "server_error"

    def __init__(self) -> None:
        super().__init__("Unexpected error")
