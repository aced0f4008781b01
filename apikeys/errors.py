from common.errors import DomainError, NotFoundError


class ApiKeyNotFoundError(NotFoundError):
    # Same code as any unknown resource: another user's key is indistinguishable from a missing one.
    default_message = "API key not found."


class ApiKeyLimitReachedError(DomainError):
    code = "api_key_limit_reached"
    default_message = (
        "You already have the maximum number of API keys. Delete one to create another."
    )


class InvalidApiKeyNameError(DomainError):
    code = "invalid_api_key_name"
    default_message = "Give the key a name of 1 to 64 characters."


class InvalidPermissionError(DomainError):
    code = "invalid_permission"
    default_message = "Unknown permission."


class InvalidIpWhitelistError(DomainError):
    """`details` carries the offending `entry` (or the count) so the frontend can point at it."""

    code = "invalid_ip_whitelist"
    default_message = "The IP whitelist is not valid."


class ApiKeyAlreadyActiveError(DomainError):
    code = "api_key_already_active"
    default_message = "This API key is already active."


class ActivationNotRequestedError(DomainError):
    code = "activation_not_requested"
    default_message = "No activation code is pending for this key. Request a new one."


class ActivationCodeInvalidError(DomainError):
    code = "invalid_activation_code"
    default_message = "The activation code is not valid."


class ActivationCodeExpiredError(DomainError):
    code = "activation_code_expired"
    default_message = "The activation code has expired. Request a new one."


class ActivationCodeVoidError(DomainError):
    code = "activation_code_void"
    default_message = (
        "Too many wrong codes: this activation code no longer works. Request a new one."
    )
