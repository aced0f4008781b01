"""Accounts, balances and the double-entry journal.

Every balance change is a `JournalTransaction` whose `JournalEntry` rows sum to zero per currency
(`ledger.posting.post` is the only writer). Money from outside enters through the system account "external",
whose balances go negative by the amount that entered; fees collect in the system account "fees". So the sum
over every account of one currency is always zero.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from common.money import AmountField, display_amount


class AccountKind(models.TextChoices):
    WALLET = "wallet", "Wallet"
    SPOT = "spot", "Spot trading account"
    SYSTEM = "system", "System account"


MAIN_ACCOUNT = ""  # the protocol's id of the main Spot Trading account
# Outside money enters and leaves through "external", so its balances are negative.
SYSTEM_EXTERNAL = "external"
SYSTEM_FEES = "fees"  # trading fees collect here


class Account(models.Model):
    """A place that holds balances: a user's wallet, a user's spot account (main `""` or named), or a system
    account (no user)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    kind = models.CharField(max_length=10, choices=AccountKind.choices)
    name = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        permissions = [("credit_wallet", "Can credit a user's wallet (money enters the ledger)")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "name"],
                condition=Q(user__isnull=False),
                name="ledger_account_unique_per_user",
            ),
            models.UniqueConstraint(
                fields=["kind", "name"],
                condition=Q(user__isnull=True),
                name="ledger_account_unique_system",
            ),
            models.CheckConstraint(
                condition=(Q(kind=AccountKind.SYSTEM) & Q(user__isnull=True))
                | (~Q(kind=AccountKind.SYSTEM) & Q(user__isnull=False)),
                name="ledger_account_system_has_no_user",
            ),
            models.CheckConstraint(
                condition=~Q(kind=AccountKind.WALLET) | Q(name=""),
                name="ledger_account_wallet_unnamed",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == AccountKind.SYSTEM:
            return f"system:{self.name}"
        label = "wallet" if self.kind == AccountKind.WALLET else f"spot:{self.name or '(main)'}"
        return f"{label} of user {self.user_id}"

    @property
    def is_main(self) -> bool:
        return self.kind == AccountKind.SPOT and self.name == MAIN_ACCOUNT


class Balance(models.Model):
    """One currency in one account. `available` = `total` - `on_hold` (funds reserved by open orders)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="balances")
    currency = models.ForeignKey("conditions.Currency", on_delete=models.PROTECT, related_name="+")
    total = AmountField(default=Decimal(0))
    on_hold = AmountField(default=Decimal(0))
    # Only the "external" system account may go below zero (it mirrors the money that entered from outside).
    # Copied from the account at creation because a CHECK constraint cannot look at another table.
    allow_negative = models.BooleanField(default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "currency"], name="ledger_balance_unique"),
            models.CheckConstraint(
                condition=Q(total__gte=0) | Q(allow_negative=True),
                name="ledger_balance_total_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(on_hold__gte=0), name="ledger_balance_on_hold_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(on_hold__lte=F("total")) | Q(allow_negative=True),
                name="ledger_balance_on_hold_lte_total",
            ),
        ]

    def __str__(self) -> str:
        places = self.currency.precision
        total, on_hold = display_amount(self.total, places), display_amount(self.on_hold, places)
        return f"{self.currency_id} in {self.account}: {total} ({on_hold} on hold)"

    @property
    def available(self) -> Decimal:
        return self.total - self.on_hold


class TransactionType(models.TextChoices):
    INTERNAL_TRANSFER = "internal_transfer", "Internal transfer"
    WALLET_DEPOSIT = "wallet_deposit", "Deposit from wallet"
    WALLET_WITHDRAWAL = "wallet_withdrawal", "Withdrawal to wallet"
    TRADE = "trade", "Trade"
    COMMISSION = "commission", "Commission"
    EXTERNAL_CREDIT = "external_credit", "External credit"


class JournalTransaction(models.Model):
    """One movement of money: its entries sum to zero per currency.

    `client_tx_id` is the caller's idempotency key (unique per user and type); `fingerprint` is a hash of the
    request's parameters, so a repeat with the same id but other parameters is told apart from a retry.
    """

    type = models.CharField(max_length=20, choices=TransactionType.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_transactions",
    )
    client_tx_id = models.CharField(max_length=64, blank=True, default="")
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    reference = models.CharField(
        max_length=64, blank=True, default="", help_text="What caused it, e.g. order:123."
    )
    description = models.CharField(max_length=255, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "type", "client_tx_id"],
                condition=~Q(client_tx_id=""),
                name="ledger_tx_client_tx_id_unique",
            ),
        ]
        indexes = [models.Index(fields=["user", "type", "-created_at"], name="ledger_tx_user_type")]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class JournalEntry(models.Model):
    """One leg of a transaction: a signed change of one balance, with the balance total after it."""

    transaction = models.ForeignKey(
        JournalTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    currency = models.ForeignKey("conditions.Currency", on_delete=models.PROTECT, related_name="+")
    amount = AmountField()
    balance_after = AmountField()
    # The transaction's time, copied so the history listing is served by one index without a join.
    created_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "journal entries"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_amount_not_zero"),
        ]
        indexes = [
            models.Index(
                fields=["account", "-created_at", "-id"], name="ledger_entry_account_time"
            ),
        ]

    def __str__(self) -> str:
        amount = display_amount(self.amount, self.currency.precision)
        return f"{amount} {self.currency_id} on {self.account} (tx {self.transaction_id})"


class DepositAddress(models.Model):
    """A blockchain address from the pool an admin loads; handed to one spot account for good."""

    currency = models.ForeignKey("conditions.Currency", on_delete=models.PROTECT, related_name="+")
    network = models.CharField(
        max_length=32, help_text="Protocol blockchain id, e.g. bitcoin, ERC20."
    )
    address = models.CharField(max_length=255)
    memo = models.CharField(max_length=255, blank=True, default="")
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deposit_addresses",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "deposit addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "network", "address", "memo"],
                name="ledger_deposit_address_unique",
            ),
            # An account keeps one address per currency and network.
            models.UniqueConstraint(
                fields=["account", "currency", "network"],
                condition=Q(account__isnull=False),
                name="ledger_deposit_address_one_per_account",
            ),
        ]
        indexes = [
            models.Index(fields=["currency", "network", "account"], name="ledger_depaddr_pool"),
        ]

    def __str__(self) -> str:
        return f"{self.currency_id}/{self.network} {self.address}"
