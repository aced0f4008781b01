"""Fees: maker and taker rates in force at placement, in the pair's fee currency, into the fees account."""

from decimal import Decimal as D

import pytest

from fees.models import FeeTier, VolumeBucket
from fees.schedule import publish_new_version
from ledger.models import JournalTransaction, TransactionType
from trading.models import Trade
from trading.tests.helpers import balance, currency_sum, fees_collected, fund, place

pytestmark = pytest.mark.django_db


def test_maker_and_taker_pay_their_rates_in_the_quote_currency(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "0.5", "50000")  # maker
    result = place(bob, "BUY", "0.5", "50000")  # taker
    trade = result.trades[0]
    assert trade.fee_currency_id == "USD"
    assert trade.maker_fee == D("25")  # 0.1 % of 25000
    assert trade.taker_fee == D("50")  # 0.2 % of 25000
    assert fees_collected("USD") == D("75")
    assert balance(alice, "USD") == (D("100000") + D("25000") - D("25"), D("0"))
    assert balance(bob, "USD") == (D("100000") - D("25000") - D("50"), D("0"))
    assert balance(alice, "BTC") == (D("9.5"), D("0"))
    assert balance(bob, "BTC") == (D("10.5"), D("0"))
    commissions = JournalTransaction.objects.filter(type=TransactionType.COMMISSION)
    assert commissions.count() == 2


def test_the_quote_is_cut_and_fees_round_up_to_the_currency_precision(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "0.0003", "50000.1")  # value 15.00003 USD
    trade = place(bob, "BUY", "0.0003", "50000.1").trades[0]
    assert trade.quote_amount == D("15.00")  # cut to cents: the 0.00003 enters no balance
    assert trade.maker_fee == D("0.02")  # 0.015 rounded up to cents
    assert trade.taker_fee == D("0.03")  # 0.03 exactly
    assert balance(alice, "USD") == (D("100000") + D("15.00") - D("0.02"), D("0"))
    assert balance(bob, "USD") == (D("100000") - D("15.00") - D("0.03"), D("0"))


def test_fees_in_the_base_currency_are_charged_in_base(eth_btc, alice, bob) -> None:  # type: ignore[no-untyped-def]
    fund(alice, ETH="100")
    fund(bob, ETH="100")
    place(
        alice, "BUY", "10", "0.05", pair="ETH-BTC"
    )  # maker buyer: holds 0.5 BTC (fee in ETH, none held)
    assert balance(alice, "BTC")[1] == D("0.5")
    result = place(
        bob, "SELL", "10", "0.05", pair="ETH-BTC"
    )  # taker seller: holds 10 ETH + 0.02 ETH fee
    trade = result.trades[0]
    assert trade.fee_currency_id == "ETH"
    assert trade.maker_fee == D("0.01")
    assert trade.taker_fee == D("0.02")
    assert balance(alice, "ETH") == (D("100") + D("10") - D("0.01"), D("0"))
    assert balance(bob, "ETH") == (D("100") - D("10") - D("0.02"), D("0"))
    assert balance(bob, "BTC") == (D("10.5"), D("0"))
    assert fees_collected("ETH") == D("0.03")
    for currency in ("ETH", "BTC"):
        assert currency_sum(currency) == 0


def test_the_rate_in_force_at_placement_is_what_a_resting_order_pays(alice, bob, flat_fees) -> None:  # type: ignore[no-untyped-def]
    maker = place(alice, "SELL", "1", "50000").order
    assert (maker.maker_rate, maker.taker_rate) == (D("0.1"), D("0.2"))
    FeeTier.objects.update(maker=D("0.5"), taker=D("0.6"))
    publish_new_version()
    trade = place(bob, "BUY", "1", "50000").trades[0]
    assert trade.maker_fee == D("50")  # still 0.1 %, as when the order was placed
    assert trade.taker_fee == D("300")  # the taker placed at 0.6 %


def test_each_fill_records_30_day_volume_for_both_traders(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "0.1", "50000")
    place(bob, "BUY", "0.1", "50000")
    place(bob, "BUY", "0.1", "40000")  # rests: no volume
    # USD's usd_rate is 1: the fill's value, 5000 USD, for each side.
    volumes = dict(VolumeBucket.objects.values_list("user_id", "usd_volume"))
    assert volumes == {alice.pk: D("5000"), bob.pk: D("5000")}
    assert Trade.objects.count() == 1
