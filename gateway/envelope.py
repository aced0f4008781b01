"""The protocol's envelope and the gateway's one error translator, with its one error table.

Success: HTTP 200 `{"ok": "ok", "data": ...}`. Error: `{"error": "<protocol text>", "statusCode": N}` with N as the
real HTTP status. Nothing else ever leaves the gateway: no HTML page, no DRF `detail`.

Translating exceptions (`translate`):
  * `GatewayError` (gateway/errors.py): its own status and text.
  * `DomainError` (services): looked up by its exact class in `DOMAIN_ERRORS` -> (status, text). The text is a
    string, a function of the error, or None for "the error's own message". Every `DomainError` class has its
    own row (a subclass is not covered by its base): a new error is not done until both doors name it, here and
    in config/frontend_errors.py (common/tests/test_error_tables.py checks). A class missing here is a
    programming error: logged, and answered 500 `Unexpected error`, never a guessed 4xx.
  * DRF `ValidationError` raised inside a handler: 422 with its first message.
  * Anything else: logged with the request id, answered 500 `Unexpected error` (no exception text).
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from rest_framework.exceptions import ValidationError

from accounts import errors as accounts_errors
from activities.models import Outcome
from apikeys import errors as apikeys_errors
from common import errors as common_errors
from common.errors import DomainError
from conditions import errors as conditions_errors
from gateway.errors import GatewayError, ServerError
from gateway.params import _first_detail
from gateway.wire import bare_numbers, json_default
from ledger import errors as ledger_errors
from trading import errors as trading_errors

logger = logging.getLogger(__name__)

RATE_LIMIT_TEXT = "API rate limit reached"

Text = str | Callable[[Any], str] | None


def _rule_failed(exc: conditions_errors.OrderRuleError) -> str:
    return exc.check_failed


# DomainError class -> (HTTP status, protocol text: fixed, a function of the error, or None = its message).
# Errors no gateway action can meet (sign-in, 2FA, key management) keep a row too: 400 with their message.
DOMAIN_ERRORS: dict[type[DomainError], tuple[int, Text]] = {
    # common
    common_errors.NotFoundError: (422, None),
    common_errors.PermissionDeniedError: (403, None),
    common_errors.TooManyAttemptsError: (429, RATE_LIMIT_TEXT),
    # accounts
    accounts_errors.InvalidCredentialsError: (400, None),
    accounts_errors.TwoFactorRequiredError: (400, None),
    accounts_errors.InvalidTotpCodeError: (400, None),
    accounts_errors.TwoFactorAlreadyEnabledError: (400, None),
    accounts_errors.TwoFactorEnrolmentMissingError: (400, None),
    accounts_errors.ProfileLockedError: (400, None),
    accounts_errors.UserExistsError: (400, None),
    accounts_errors.EmailNotVerifiedError: (400, None),
    accounts_errors.WrongPasswordError: (400, None),
    accounts_errors.PasswordRejectedError: (400, None),
    accounts_errors.SessionNotFoundError: (400, None),
    # the level needed is named in its message
    accounts_errors.VerificationRequiredError: (403, None),
    # apikeys
    apikeys_errors.ApiKeyNotFoundError: (422, None),
    apikeys_errors.ApiKeyLimitReachedError: (400, None),
    apikeys_errors.InvalidApiKeyNameError: (400, None),
    apikeys_errors.InvalidPermissionError: (400, None),
    apikeys_errors.InvalidIpWhitelistError: (400, None),
    apikeys_errors.ApiKeyAlreadyActiveError: (400, None),
    apikeys_errors.ActivationNotRequestedError: (400, None),
    apikeys_errors.ActivationCodeInvalidError: (400, None),
    apikeys_errors.ActivationCodeExpiredError: (400, None),
    apikeys_errors.ActivationCodeVoidError: (400, None),
    # conditions
    conditions_errors.PairNotFoundError: (422, None),
    conditions_errors.CurrencyNotFoundError: (422, None),
    conditions_errors.PairConditionsInvalidError: (400, None),
    conditions_errors.OrderRuleError: (422, _rule_failed),
    conditions_errors.PairHaltedError: (422, _rule_failed),
    conditions_errors.PairCancelOnlyError: (422, _rule_failed),
    conditions_errors.OrderSideInvalidError: (422, _rule_failed),
    conditions_errors.OrderTypeNotAllowedError: (422, _rule_failed),
    conditions_errors.TimeInForceNotAllowedError: (422, _rule_failed),
    conditions_errors.OrderAmountMissingError: (422, _rule_failed),
    conditions_errors.OrderAmountNotPositiveError: (422, _rule_failed),
    conditions_errors.OrderPriceMissingError: (422, _rule_failed),
    conditions_errors.StopPriceMissingError: (422, _rule_failed),
    conditions_errors.PriceTickError: (422, _rule_failed),
    conditions_errors.PriceBelowMinimumError: (422, _rule_failed),
    conditions_errors.PriceAboveMaximumError: (422, _rule_failed),
    conditions_errors.AmountLotSizeError: (422, _rule_failed),
    conditions_errors.AmountBelowMinimumError: (422, _rule_failed),
    conditions_errors.AmountAboveMaximumError: (422, _rule_failed),
    conditions_errors.QuoteAmountPrecisionError: (422, _rule_failed),
    conditions_errors.ValueBelowMinimumError: (422, _rule_failed),
    conditions_errors.ValueAboveMaximumError: (422, _rule_failed),
    # ledger
    ledger_errors.InsufficientFundsError: (400, None),
    ledger_errors.AmountNotPositiveError: (422, None),
    ledger_errors.AmountPrecisionError: (422, None),
    ledger_errors.UnsupportedCurrencyError: (422, None),
    ledger_errors.SameAccountError: (422, None),
    ledger_errors.MainAccountNotAllowedError: (400, None),
    ledger_errors.MainAccountDepositAddressError: (403, None),
    ledger_errors.AccountNotFoundError: (422, None),
    ledger_errors.InvalidAccountNameError: (422, None),
    ledger_errors.AccountLimitError: (400, None),
    ledger_errors.ClientTxIdConflictError: (409, None),
    ledger_errors.BlockchainNotSupportedError: (422, None),
    ledger_errors.DepositAddressUnavailableError: (409, None),
    ledger_errors.InvalidClientTxIdError: (422, None),
    ledger_errors.WalletTransfersUnavailableError: (400, None),
    ledger_errors.CreditReasonRequiredError: (400, None),
    # trading
    trading_errors.OrderNotFoundError: (422, None),
    trading_errors.MainAccountOrderError: (400, None),
    trading_errors.ClientOrderIdConflictError: (422, None),
    trading_errors.OrderFinalError: (422, None),
    trading_errors.OrderCancelNotAllowedError: (422, None),
    # the pair's matcher did not take the command within the bounded wait; nothing was done
    trading_errors.TradingUnavailableError: (503, None),
}


def _domain_failure(exc: DomainError) -> "Failure":
    row = DOMAIN_ERRORS.get(type(exc))
    if row is None:
        logger.error(
            "gateway: unmapped domain error %s (code %r): a programming error; name it in "
            "gateway/envelope.py DOMAIN_ERRORS",
            type(exc).__name__,
            exc.code,
        )
        return _server_failure()
    status, text = row
    message = text(exc) if callable(text) else text
    return Failure(status, message or exc.message, exc.code, Outcome.REFUSED)


def _server_failure() -> "Failure":
    server = ServerError()
    return Failure(server.status, server.message, server.reason, Outcome.FAILED)


@dataclass(frozen=True, slots=True)
class Failure:
    status: int
    message: str
    reason: str  # short code for the activity row
    outcome: str


def translate(exc: BaseException) -> Failure:
    """The wire status and text for an exception raised while serving a call (see the module docstring)."""
    if isinstance(exc, GatewayError):
        return Failure(exc.status, exc.message, exc.reason, Outcome.REFUSED)
    if isinstance(exc, DomainError):
        return _domain_failure(exc)
    if isinstance(exc, ValidationError):
        return Failure(422, str(_first_detail(exc.detail)), "invalid_params", Outcome.REFUSED)
    logger.exception("gateway: unexpected error while serving a call")
    return _server_failure()


def dumps(payload: Any) -> str:
    """The JSON text of a reply or a push (both doors write numbers and moments the same way)."""
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, default=json_default)
    return bare_numbers(text)


def _response(payload: dict[str, Any], status: int) -> HttpResponse:
    return HttpResponse(dumps(payload).encode(), status=status, content_type="application/json")


def ok(data: Any) -> HttpResponse:
    return _response({"ok": "ok", "data": data}, 200)


def error(status: int, message: str) -> HttpResponse:
    return _response({"error": message, "statusCode": status}, status)
