"""The ledger's refusals. Messages are the CEX.IO protocol's texts where it has one (ccxt matches substrings)."""

from common.errors import DomainError


class InsufficientFundsError(DomainError):
    code = "insufficient_funds"
    default_message = "Insufficient funds"


class AmountNotPositiveError(DomainError):
    code = "amount_not_positive"
    default_message = "Amount should be greater than zero"


class AmountPrecisionError(DomainError):
    """More decimals than the currency allows; refused rather than cut, so nobody moves less than they asked."""

    code = "amount_too_precise"
    default_message = "Amount has more decimals than the currency allows"


class UnsupportedCurrencyError(DomainError):
    code = "unsupported_currency"
    default_message = "Unsupported currency"


class SameAccountError(DomainError):
    code = "same_account"
    default_message = "fromAccountId and toAccountId should be different"


class MainAccountNotAllowedError(DomainError):
    """Since 2023-12-20 the protocol allows transfers only between sub-accounts and the wallet."""

    code = "main_account_not_allowed"
    default_message = "Transfers from or to the main account are not allowed; use a sub-account"


class MainAccountDepositAddressError(DomainError):
    code = "main_account_deposit_address"
    default_message = "Get deposit address for main account is not allowed"


class AccountNotFoundError(DomainError):
    code = "account_not_found"
    default_message = "Account does not exist"


class InvalidAccountNameError(DomainError):
    code = "invalid_account_name"
    default_message = (
        "accountId should be 1 to 255 characters long and contain only letters A-Z, a-z, digits 0-9, "
        "'_' and '-'"
    )


class AccountLimitError(DomainError):
    code = "account_limit_reached"
    default_message = "Too many accounts"


class ClientTxIdConflictError(DomainError):
    code = "client_tx_id_conflict"
    default_message = "clientTxId was already used with different parameters"


class BlockchainNotSupportedError(DomainError):
    code = "blockchain_not_supported"
    default_message = "Blockchain is not supported."


class DepositAddressUnavailableError(DomainError):
    code = "deposit_address_unavailable"
    default_message = "No deposit address is available right now; try again later"


class InvalidClientTxIdError(DomainError):
    code = "invalid_client_tx_id"
    default_message = "clientTxId is too long"


class WalletTransfersUnavailableError(DomainError):
    code = "wallet_transfers_unavailable"
    default_message = "Wallet transfers are not available for this currency"


class CreditReasonRequiredError(DomainError):
    code = "reason_required"
    default_message = "A staff member's credit needs a reason."


class BalancesMovedError(Exception):
    """A batch's postings, decided on balances read without a lock, no longer fit the balances once locked (a
    transfer or another pair's matcher moved them meanwhile): nothing was written; run the work again. Not a
    refusal: the caller retries."""
