"""Demo money: the demo trader's wallet is credited once (through the journal, like any outside money), the
sub-account "bot1" exists and holds part of it (orders run on sub-accounts only), and the deposit address pool
has a few demo addresses. Idempotent: runs on every `make run`."""

from decimal import Decimal as D
from typing import TextIO

from activities.actor import Actor
from conditions.models import Currency, Network
from demo.users import demo_user
from ledger import services
from ledger.models import Account, AccountKind, DepositAddress, JournalTransaction, TransactionType

WALLET = {
    "USD": D("100000"),
    "EUR": D("50000"),
    "USDT": D("50000"),
    "BTC": D("2"),
    "ETH": D("30"),
    "SOL": D("500"),
    "XRP": D("20000"),
    "LTC": D("200"),
}
SUB_ACCOUNT = "bot1"
# Moved from the wallet into bot1, so the demo key can place orders at once.
BOT1 = {"USD": D("20000"), "USDT": D("10000"), "BTC": D("0.5"), "ETH": D("5")}
NOTE = "Demo funds"
ADDRESSES_PER_NETWORK = 5


def seed(stdout: TextIO) -> None:
    user = demo_user()
    known = set(Currency.objects.filter(code__in=WALLET).values_list("code", flat=True))
    credited = set(
        JournalTransaction.objects.filter(
            user=user, type=TransactionType.EXTERNAL_CREDIT, description=NOTE
        ).values_list("details__currency", flat=True)
    )
    fresh = [code for code in WALLET if code in known and code not in credited]
    for code, amount in WALLET.items():
        if code in fresh:
            services.wallet_credit(
                user=user, currency=code, amount=amount, note=NOTE, actor=Actor.system()
            )
    if not Account.objects.filter(user=user, kind=AccountKind.SPOT, name=SUB_ACCOUNT).exists():
        services.account_create(user=user, name=SUB_ACCOUNT, actor=Actor.system())
    moved = set(
        JournalTransaction.objects.filter(
            user=user, type=TransactionType.WALLET_DEPOSIT, client_tx_id__startswith="demo-seed-"
        ).values_list("client_tx_id", flat=True)
    )
    for code, amount in BOT1.items():
        if code in known and f"demo-seed-{code}" not in moved:
            services.transfer_from_wallet(
                user=user,
                account=SUB_ACCOUNT,
                currency=code,
                amount=amount,
                client_tx_id=f"demo-seed-{code}",
                actor=Actor.system(),
            )
    for network in Network.objects.filter(is_default=True).select_related("currency"):
        if not DepositAddress.objects.filter(
            currency=network.currency, network=network.code
        ).exists():
            prefix = f"demo{network.currency_id.lower()}{network.code.lower()}"
            services.deposit_addresses_load(
                currency=network.currency_id,
                network=network.code,
                addresses=[(f"{prefix}{n:04d}x", "") for n in range(1, ADDRESSES_PER_NETWORK + 1)],
            )
    stdout.write(
        f"demo funds:  wallet of {user.email} "
        + (f"credited ({', '.join(fresh)})" if fresh else "already credited")
        + f"; sub-account {SUB_ACCOUNT!r} holds part of it "
        f"({', '.join(f'{v} {k}' for k, v in BOT1.items())} when seeded)"
    )
