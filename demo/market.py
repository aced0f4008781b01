"""Currencies with their networks, the demo pairs, a pair group and the fee schedules.

Idempotent and respectful of the admin: a row is created only when missing (a currency's networks, a schedule's
tiers only with their parent), so changes made in the admin survive the next `make run`.
"""

from decimal import Decimal as D
from typing import TextIO

from django.db import transaction

from conditions.models import Currency, Network, NetworkType, Pair
from fees.models import WEEKEND_MASK, FeeSchedule, FeeTier, PairGroup, PairGroupMembership
from fees.services import fee_schedule_changed

# code: (name, fiat, precision, wallet precision, USD rate)
CURRENCIES = {
    "BTC": ("Bitcoin", False, 8, 8, D("97250")),
    "ETH": ("Ethereum", False, 8, 8, D("3410.50")),
    "SOL": ("Solana", False, 8, 8, D("238.40")),
    "XRP": ("XRP", False, 6, 6, D("1.12")),
    "LTC": ("Litecoin", False, 8, 8, D("96.30")),
    "USDT": ("Tether", False, 8, 6, D("1")),
    "USD": ("US Dollar", True, 2, 2, D("1")),
    "EUR": ("Euro", True, 2, 2, D("1.0820")),
}

# currency: [(network, type, default, min deposit, min withdrawal, withdrawal fee, confirmations)]
NETWORKS = {
    "BTC": [("bitcoin", NetworkType.COIN, True, D("0.0001"), D("0.001"), D("0.0002"), 2)],
    "ETH": [
        ("ERC20", NetworkType.COIN, True, D("0.005"), D("0.01"), D("0.0015"), 12),
        ("binancesmartchain", NetworkType.TOKEN, False, D("0.005"), D("0.01"), D("0.0005"), 15),
    ],
    "SOL": [("solana", NetworkType.COIN, True, D("0.01"), D("0.05"), D("0.01"), 1)],
    "XRP": [("ripple", NetworkType.COIN, True, D("1"), D("20"), D("0.25"), 1)],
    "LTC": [("litecoin", NetworkType.COIN, True, D("0.001"), D("0.01"), D("0.001"), 6)],
    "USDT": [
        ("tron", NetworkType.TOKEN, True, D("1"), D("10"), D("1"), 20),
        ("ERC20", NetworkType.TOKEN, False, D("10"), D("20"), D("5"), 12),
        ("solana", NetworkType.TOKEN, False, D("1"), D("10"), D("1"), 1),
    ],
}

# symbol: (tick, min price, max price, lot, min amount, max amount, min value, max value, base/quote precision)
PAIRS = {
    "BTC-USD": ("0.1", "100", "1000000", "0.00000001", "0.00001", "100", "5", "5000000", 8, 2),
    "ETH-USD": ("0.01", "10", "100000", "0.000001", "0.0001", "1000", "5", "5000000", 8, 2),
    "BTC-USDT": ("0.1", "100", "1000000", "0.00000001", "0.00001", "100", "5", "5000000", 8, 8),
    "ETH-USDT": ("0.01", "10", "100000", "0.000001", "0.0001", "1000", "5", "5000000", 8, 8),
    "ETH-BTC": ("0.00001", "0.001", "1", "0.0001", "0.001", "1000", "0.0001", "100", 8, 8),
    "SOL-USD": ("0.01", "0.1", "10000", "0.001", "0.01", "10000", "5", "1000000", 8, 2),
    "XRP-USD": ("0.0001", "0.0001", "100", "0.1", "1", "1000000", "5", "1000000", 6, 2),
    "LTC-USD": ("0.01", "1", "10000", "0.0001", "0.001", "10000", "5", "1000000", 8, 2),
    "BTC-EUR": ("0.1", "100", "1000000", "0.00000001", "0.00001", "100", "5", "5000000", 8, 2),
}

# (30-day USD volume from, maker %, taker %)
STANDARD_TIERS = [
    ("0", "0.15", "0.25"),
    ("10000", "0.13", "0.23"),
    ("100000", "0.11", "0.20"),
    ("500000", "0.09", "0.18"),
    ("1000000", "0.07", "0.16"),
    ("2500000", "0.05", "0.14"),
    ("5000000", "0.03", "0.12"),
    ("10000000", "0.01", "0.10"),
    ("20000000", "0", "0.08"),
]
WEEKEND_TIERS = [("0", "0.10", "0.20"), ("100000", "0.05", "0.15"), ("1000000", "0", "0.10")]
STABLECOIN_TIERS = [("0", "0.05", "0.10"), ("1000000", "0", "0.05")]


def _schedule(
    name: str,
    description: str,
    tiers: list[tuple[str, str, str]],
    *,
    group: PairGroup | None = None,
    mask: int = 0,
) -> None:
    schedule, created = FeeSchedule.objects.get_or_create(
        name=name, defaults={"description": description, "pair_group": group, "weekday_mask": mask}
    )
    if created:
        FeeTier.objects.bulk_create(
            FeeTier(schedule=schedule, min_volume=D(volume), maker=D(maker), taker=D(taker))
            for volume, maker, taker in tiers
        )


@transaction.atomic
def seed(stdout: TextIO) -> None:
    for code, (name, fiat, precision, wallet_precision, usd_rate) in CURRENCIES.items():
        currency, created = Currency.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "is_fiat": fiat,
                "precision": precision,
                "wallet_precision": wallet_precision,
                "usd_rate": usd_rate,
            },
        )
        if created:
            for (
                network,
                kind,
                default,
                min_deposit,
                min_withdrawal,
                fee,
                confirmations,
            ) in NETWORKS.get(code, []):
                Network.objects.create(
                    currency=currency,
                    code=network,
                    type=kind,
                    is_default=default,
                    min_deposit=min_deposit,
                    min_withdrawal=min_withdrawal,
                    withdrawal_fee=fee,
                    confirmations=confirmations,
                )

    for symbol, row in PAIRS.items():
        tick, min_price, max_price, lot, min_amount, max_amount, min_value, max_value, bp, qp = row
        base, quote = symbol.split("-")
        Pair.objects.get_or_create(
            symbol=symbol,
            defaults={
                "base_id": base,
                "quote_id": quote,
                "fee_currency_id": quote,
                "tick_size": D(tick),
                "min_price": D(min_price),
                "max_price": D(max_price),
                "lot_size": D(lot),
                "min_amount": D(min_amount),
                "max_amount": D(max_amount),
                "min_value": D(min_value),
                "max_value": D(max_value),
                "base_precision": bp,
                "quote_precision": qp,
            },
        )

    stablecoins, created = PairGroup.objects.get_or_create(
        code="stablecoin",
        defaults={"name": "Stablecoin pairs", "description": "Pairs quoted in USDT"},
    )
    if created:
        for pair in Pair.objects.filter(symbol__in=["BTC-USDT", "ETH-USDT"]):
            PairGroupMembership.objects.get_or_create(pair=pair, defaults={"group": stablecoins})
    _schedule("Standard", "Default fees by 30-day volume", STANDARD_TIERS)
    _schedule(
        "Weekend",
        "Lower fees on Saturday and Sunday (UTC), every pair",
        WEEKEND_TIERS,
        mask=WEEKEND_MASK,
    )
    _schedule(
        "Stablecoin pairs", "USDT-quoted pairs on weekdays", STABLECOIN_TIERS, group=stablecoins
    )
    fee_schedule_changed()
    stdout.write(
        f"market: {Currency.objects.count()} currencies, {Pair.objects.count()} pairs, "
        f"{FeeSchedule.objects.count()} fee schedules"
    )
