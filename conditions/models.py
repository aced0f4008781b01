"""Currencies, the networks they move on, and pairs with their trading conditions.

Field names follow the protocol's `get_currencies_info`, `get_processing_info` and `get_pairs_info` one to one
(see the mapping in each model's docstring), so the gateway only renames.
"""

from django.db import models
from django.db.models import F, Q

from common.models import TimeStamped
from common.money import AmountField, places_of

ORDER_TYPES = ("Limit", "Market", "Stop Limit")
TIME_IN_FORCE = ("GTC", "IOC", "FOK", "GTD")


def default_order_types() -> list[str]:
    return list(ORDER_TYPES)


def default_time_in_force() -> list[str]:
    return list(TIME_IN_FORCE)


class Currency(models.Model):
    """A currency. Protocol: `currency`=code, `fiat`=is_fiat, `precision`, `walletPrecision`=wallet_precision,
    `walletDeposit`/`walletWithdrawal` = wallet_deposit_enabled/wallet_withdrawal_enabled."""

    code = models.CharField(max_length=10, primary_key=True)
    name = models.CharField(max_length=64)
    is_fiat = models.BooleanField(default=False)
    precision = models.PositiveSmallIntegerField(help_text="Decimals of balances and amounts.")
    wallet_precision = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Decimals of wallet transfers; empty = wallet transfers unavailable.",
    )
    wallet_deposit_enabled = models.BooleanField(default=True)
    wallet_withdrawal_enabled = models.BooleanField(default=True)
    usd_rate = AmountField(
        null=True,
        blank=True,
        help_text="Indicative USD price, for 30-day volume and converted balances.",
    )

    class Meta:
        verbose_name_plural = "currencies"
        ordering = ("code",)
        constraints = [
            models.CheckConstraint(
                condition=Q(precision__lte=12),
                name="currency_precision_lte_12",
                violation_error_message="Precision is at most 12 decimals.",
            ),
            models.CheckConstraint(
                condition=Q(wallet_precision__isnull=True)
                | Q(wallet_precision__lte=F("precision")),
                name="currency_wallet_precision_lte_precision",
                violation_error_message="Wallet precision must not exceed the precision.",
            ),
            models.CheckConstraint(
                condition=Q(usd_rate__isnull=True) | Q(usd_rate__gt=0),
                name="currency_usd_rate_positive",
                violation_error_message="The USD rate must be greater than zero.",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class NetworkType(models.TextChoices):
    COIN = "coin", "Coin"
    TOKEN = "token", "Token"


class Network(models.Model):
    """A blockchain a currency moves on. Protocol (`get_processing_info` blockchains.<code>): `type`,
    `deposit`/`withdrawal` ("enabled"/"disabled"), `minDeposit`, `minWithdrawal`, `withdrawalFee`,
    `withdrawalFeePercent`, `depositConfirmations`=confirmations."""

    currency = models.ForeignKey(Currency, on_delete=models.CASCADE, related_name="networks")
    code = models.CharField(
        max_length=32, help_text='Protocol blockchain id: "bitcoin", "ERC20", "tron"...'
    )
    type = models.CharField(max_length=5, choices=NetworkType.choices, default=NetworkType.COIN)
    deposit_enabled = models.BooleanField(default=True)
    withdrawal_enabled = models.BooleanField(default=True)
    min_deposit = AmountField(default=0)
    min_withdrawal = AmountField(default=0)
    withdrawal_fee = AmountField(default=0)
    withdrawal_fee_percent = AmountField(default=0)
    confirmations = models.PositiveIntegerField(default=1)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ("currency_id", "-is_default", "code")
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "code"], name="network_unique_currency_code"
            ),
            models.UniqueConstraint(
                fields=["currency"],
                condition=Q(is_default=True),
                name="network_one_default_per_currency",
                violation_error_message="Only one network per currency can be the default.",
            ),
            models.CheckConstraint(
                condition=Q(min_deposit__gte=0, min_withdrawal__gte=0, withdrawal_fee__gte=0),
                name="network_amounts_not_negative",
                violation_error_message="Minimums and fees must not be negative.",
            ),
            models.CheckConstraint(
                condition=Q(withdrawal_fee_percent__gte=0, withdrawal_fee_percent__lte=100),
                name="network_fee_percent_0_100",
                violation_error_message="The withdrawal fee percent is between 0 and 100.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency_id} on {self.code}"


class PairStatus(models.TextChoices):
    TRADING = "trading", "Trading"
    HALTED = "halted", "Halted (no new orders, no cancels)"
    CANCEL_ONLY = "cancel_only", "Cancel only (no new orders)"


class Pair(TimeStamped):
    """A pair's trading conditions. Protocol (`get_pairs_info`): `base`, `quote`, `baseMin`=min_amount,
    `baseMax`=max_amount, `baseLotSize`=lot_size, `quoteMin`=min_value, `quoteMax`=max_value,
    `basePrecision`, `quotePrecision`, `pricePrecision`=price_precision (from tick_size), `minPrice`, `maxPrice`.

    Change it through `conditions.services.pair_update` (the admin does), which records who changed what.
    """

    symbol = models.CharField(max_length=21, unique=True, help_text='"BASE-QUOTE", e.g. "BTC-USD".')
    base = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    quote = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    tick_size = AmountField(help_text="Price step (quote currency).")
    min_price = AmountField()
    max_price = AmountField()
    lot_size = AmountField(help_text="Amount step (base currency).")
    min_amount = AmountField(help_text="Minimum order amount in base.")
    max_amount = AmountField(help_text="Maximum order amount in base.")
    min_value = AmountField(help_text="Minimum order value (amount x price) in quote.")
    max_value = AmountField(help_text="Maximum order value (amount x price) in quote.")
    base_precision = models.PositiveSmallIntegerField()
    quote_precision = models.PositiveSmallIntegerField()
    fee_currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=PairStatus.choices, default=PairStatus.TRADING)
    order_types = models.JSONField(default=default_order_types)
    time_in_force = models.JSONField(default=default_time_in_force)

    class Meta:
        ordering = ("symbol",)
        constraints = [
            models.CheckConstraint(
                condition=~Q(base=F("quote")), name="pair_base_differs_from_quote"
            ),
            models.CheckConstraint(
                condition=Q(tick_size__gt=0, lot_size__gt=0), name="pair_steps_positive"
            ),
            models.CheckConstraint(
                condition=Q(min_price__gt=0, min_price__lte=F("max_price")), name="pair_price_band"
            ),
            models.CheckConstraint(
                condition=Q(min_amount__gt=0, min_amount__lte=F("max_amount")),
                name="pair_amount_band",
            ),
            models.CheckConstraint(
                condition=Q(min_value__gt=0, min_value__lte=F("max_value")), name="pair_value_band"
            ),
        ]

    def __str__(self) -> str:
        return self.symbol

    @property
    def price_precision(self) -> int:
        """The protocol's `pricePrecision`: decimals of the tick size (tick 0.1 -> 1, tick 5 -> 0)."""
        return places_of(self.tick_size)
