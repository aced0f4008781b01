"""The frontend JSON API's error table: every `DomainError` class -> the HTTP status it answers with.

One explicit row per class (a subclass is not covered by its base): a new error is not done until both doors
name it, here and in `gateway/envelope.py` (common/tests/test_error_tables.py checks). The answer carries the
error's own `code`, `message` and `details`; a class missing here is answered 500 and logged (`common.api`).
It lives in config because it names every app's errors and common may import none of them.
"""

from accounts import errors as accounts_errors
from apikeys import errors as apikeys_errors
from common import errors as common_errors
from common.api import ErrorTable, exception_handler_for
from conditions import errors as conditions_errors
from ledger import errors as ledger_errors
from trading import errors as trading_errors

FRONTEND_ERRORS: ErrorTable = {
    # common
    common_errors.NotFoundError: 404,
    common_errors.PermissionDeniedError: 403,
    common_errors.TooManyAttemptsError: 429,
    # accounts
    accounts_errors.InvalidCredentialsError: 400,
    accounts_errors.TwoFactorRequiredError: 403,
    accounts_errors.InvalidTotpCodeError: 400,
    accounts_errors.TwoFactorAlreadyEnabledError: 409,
    accounts_errors.TwoFactorEnrolmentMissingError: 409,
    accounts_errors.ProfileLockedError: 409,
    accounts_errors.UserExistsError: 409,
    accounts_errors.EmailNotVerifiedError: 403,
    accounts_errors.WrongPasswordError: 400,
    accounts_errors.PasswordRejectedError: 400,
    accounts_errors.SessionNotFoundError: 404,
    accounts_errors.VerificationRequiredError: 403,
    # apikeys
    apikeys_errors.ApiKeyNotFoundError: 404,
    apikeys_errors.ApiKeyLimitReachedError: 409,
    apikeys_errors.InvalidApiKeyNameError: 400,
    apikeys_errors.InvalidPermissionError: 400,
    apikeys_errors.InvalidIpWhitelistError: 400,
    apikeys_errors.ApiKeyAlreadyActiveError: 409,
    apikeys_errors.ActivationNotRequestedError: 409,
    apikeys_errors.ActivationCodeInvalidError: 400,
    apikeys_errors.ActivationCodeExpiredError: 400,
    apikeys_errors.ActivationCodeVoidError: 400,
    # conditions
    conditions_errors.PairNotFoundError: 404,
    conditions_errors.CurrencyNotFoundError: 404,
    conditions_errors.PairConditionsInvalidError: 400,
    conditions_errors.OrderRuleError: 400,
    conditions_errors.PairHaltedError: 400,
    conditions_errors.PairCancelOnlyError: 400,
    conditions_errors.OrderSideInvalidError: 400,
    conditions_errors.OrderTypeNotAllowedError: 400,
    conditions_errors.TimeInForceNotAllowedError: 400,
    conditions_errors.OrderAmountMissingError: 400,
    conditions_errors.OrderAmountNotPositiveError: 400,
    conditions_errors.OrderPriceMissingError: 400,
    conditions_errors.StopPriceMissingError: 400,
    conditions_errors.PriceTickError: 400,
    conditions_errors.PriceBelowMinimumError: 400,
    conditions_errors.PriceAboveMaximumError: 400,
    conditions_errors.AmountLotSizeError: 400,
    conditions_errors.AmountBelowMinimumError: 400,
    conditions_errors.AmountAboveMaximumError: 400,
    conditions_errors.QuoteAmountPrecisionError: 400,
    conditions_errors.ValueBelowMinimumError: 400,
    conditions_errors.ValueAboveMaximumError: 400,
    # ledger
    ledger_errors.InsufficientFundsError: 400,
    ledger_errors.AmountNotPositiveError: 400,
    ledger_errors.AmountPrecisionError: 400,
    ledger_errors.UnsupportedCurrencyError: 400,
    ledger_errors.SameAccountError: 400,
    ledger_errors.MainAccountNotAllowedError: 400,
    ledger_errors.MainAccountDepositAddressError: 403,
    ledger_errors.AccountNotFoundError: 404,
    ledger_errors.InvalidAccountNameError: 400,
    ledger_errors.AccountLimitError: 400,
    ledger_errors.ClientTxIdConflictError: 409,
    ledger_errors.BlockchainNotSupportedError: 400,
    ledger_errors.DepositAddressUnavailableError: 409,
    ledger_errors.InvalidClientTxIdError: 400,
    ledger_errors.WalletTransfersUnavailableError: 400,
    ledger_errors.CreditReasonRequiredError: 400,
    # trading
    trading_errors.OrderNotFoundError: 404,
    trading_errors.MainAccountOrderError: 400,
    trading_errors.ClientOrderIdConflictError: 409,
    trading_errors.OrderFinalError: 409,
    trading_errors.OrderCancelNotAllowedError: 409,
    trading_errors.TradingUnavailableError: 503,
}

exception_handler = exception_handler_for(FRONTEND_ERRORS)
