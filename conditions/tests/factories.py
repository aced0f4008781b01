from decimal import Decimal

import factory

from conditions.models import Currency, Network, NetworkType, Pair


class CurrencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Currency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"C{n}")
    name = factory.LazyAttribute(lambda o: f"Coin {o.code}")
    is_fiat = False
    precision = 8
    wallet_precision = 8
    usd_rate = Decimal("1")

    class Params:
        fiat = factory.Trait(is_fiat=True, precision=2, wallet_precision=2)


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    currency = factory.SubFactory(CurrencyFactory)
    code = factory.Sequence(lambda n: f"chain{n}")
    type = NetworkType.COIN
    min_deposit = Decimal("0.0001")
    min_withdrawal = Decimal("0.001")
    withdrawal_fee = Decimal("0.0002")
    confirmations = 2


class PairFactory(factory.django.DjangoModelFactory):
    """BTC-USD with round limits: tick 0.1, price 100..1000000, lot 0.00001, amount 0.0001..100,
    value 10..1000000."""

    class Meta:
        model = Pair
        django_get_or_create = ("symbol",)

    base = factory.SubFactory(
        CurrencyFactory, code="BTC", name="Bitcoin", usd_rate=Decimal("50000")
    )
    quote = factory.SubFactory(CurrencyFactory, code="USD", name="US Dollar", fiat=True)
    symbol = factory.LazyAttribute(lambda o: f"{o.base.code}-{o.quote.code}")
    fee_currency = factory.SelfAttribute("quote")
    tick_size = Decimal("0.1")
    min_price = Decimal("100")
    max_price = Decimal("1000000")
    lot_size = Decimal("0.00001")
    min_amount = Decimal("0.0001")
    max_amount = Decimal("100")
    min_value = Decimal("10")
    max_value = Decimal("1000000")
    base_precision = 8
    quote_precision = 2
