import pytest

from conditions.errors import CurrencyNotFoundError, PairNotFoundError
from conditions.selectors import currency_get, currency_list, pair_get, pair_list
from conditions.tests.factories import CurrencyFactory, NetworkFactory

pytestmark = pytest.mark.django_db


def test_currency_list_prefetches_networks(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    for code in ("BTC", "ETH", "USDT"):
        NetworkFactory(currency=CurrencyFactory(code=code))
    with django_assert_num_queries(2):
        rows = list(currency_list())
        assert {row.code: len(row.networks.all()) for row in rows} == {
            "BTC": 1,
            "ETH": 1,
            "USDT": 1,
        }
    assert [row.code for row in currency_list(codes=["usdt", "XXX"])] == ["USDT"]


def test_pair_list_joins_the_currencies(btc_usd, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(1):
        [pair] = pair_list(symbols=["btc-usd", "NOPE-USD"])
        assert (pair.base.code, pair.quote.code, pair.fee_currency.code) == ("BTC", "USD", "USD")


def test_pair_get_and_currency_get_raise_not_found(btc_usd) -> None:  # type: ignore[no-untyped-def]
    assert pair_get(symbol="btc-usd") == btc_usd
    with pytest.raises(PairNotFoundError, match="Unsupported pair ETH-USD"):
        pair_get(symbol="ETH-USD")
    assert currency_get(code="btc").code == "BTC"
    with pytest.raises(CurrencyNotFoundError, match="Unsupported currency XXX"):
        currency_get(code="XXX")
