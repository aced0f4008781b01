"""Trading conditions on the wire: pairs, currencies and their blockchains (public, and the signed twins)."""

from typing import Any

from common.money import step
from conditions.models import Currency, Network, Pair
from conditions.selectors import currency_list, pair_list
from gateway.errors import ParameterError
from gateway.params import CurrencyParam, ListParam, PairParam, Params
from gateway.registry import Call, action
from gateway.wire import trimmed


class PairsInfoParams(Params):
    pairs = ListParam(child=PairParam(), required=False)
    pair = ListParam(child=PairParam(), required=False)  # one docs example spells it so


def pair_info(pair: Pair) -> dict[str, Any]:
    return {
        "base": pair.base_id,
        "quote": pair.quote_id,
        "baseMin": trimmed(pair.min_amount),
        "baseMax": trimmed(pair.max_amount),
        "baseLotSize": trimmed(pair.lot_size),
        "quoteMin": trimmed(pair.min_value),
        "quoteMax": trimmed(pair.max_value),
        "quoteLotSize": trimmed(step(pair.quote_precision)),
        "basePrecision": pair.base_precision,
        "quotePrecision": pair.quote_precision,
        "pricePrecision": pair.price_precision,
        "minPrice": trimmed(pair.min_price),
        "maxPrice": trimmed(pair.max_price),
    }


@action("get_pairs_info", public=True, cost=1, params=PairsInfoParams)
def get_pairs_info(params: dict[str, Any], call: Call) -> list[dict[str, Any]]:
    """Always an array (ccxt reads a list), unknown pairs dropped; no filter means every pair."""
    wanted = params.get("pairs") or params.get("pair")
    return [pair_info(pair) for pair in pair_list(symbols=wanted or None)]


class CurrenciesParams(Params):
    currencies = ListParam(child=CurrencyParam(), allow_empty=False, required=False)


def currency_info(currency: Currency) -> dict[str, Any]:
    return {
        "currency": currency.code,
        "fiat": currency.is_fiat,
        "precision": currency.precision,
        "walletPrecision": currency.wallet_precision,
        "walletDeposit": currency.wallet_deposit_enabled,
        "walletWithdrawal": currency.wallet_withdrawal_enabled,
    }


@action("get_currencies_info", public=True, cost=1, params=CurrenciesParams)
def get_currencies_info(params: dict[str, Any], call: Call) -> list[dict[str, Any]]:
    """Every currency, or those asked for (unknown ones dropped)."""
    return [currency_info(currency) for currency in currency_list(codes=params.get("currencies"))]


class ProcessingParams(Params):
    currencies = ListParam(child=CurrencyParam(), required=False)


def _enabled(flag: bool) -> str:
    return "enabled" if flag else "disabled"


def blockchain_info(network: Network) -> dict[str, Any]:
    return {
        "type": network.type,
        "deposit": _enabled(network.deposit_enabled),
        "minDeposit": trimmed(network.min_deposit),
        "withdrawal": _enabled(network.withdrawal_enabled),
        "minWithdrawal": trimmed(network.min_withdrawal),
        "withdrawalFee": trimmed(network.withdrawal_fee),
        "withdrawalFeePercent": trimmed(network.withdrawal_fee_percent),
        "depositConfirmations": network.confirmations,
    }


@action("get_processing_info", public=True, cost=10, params=ProcessingParams)
def get_processing_info(params: dict[str, Any], call: Call) -> dict[str, Any]:
    """Blockchains per crypto currency. Every key is also a `currency` of `get_currencies_info` (ccxt merges
    the two by currency); a currency without blockchains is left out. Fiat or unknown currencies asked for by
    name are refused (the docs' text)."""
    wanted = params.get("currencies") or None
    currencies = [c for c in currency_list(codes=wanted)]
    if wanted:
        crypto = {c.code for c in currencies if not c.is_fiat}
        unsupported = [code for code in wanted if code not in crypto]
        if unsupported:
            raise ParameterError(
                f"Request contains unsupported currencies: {', '.join(unsupported)}."
            )
    data: dict[str, Any] = {}
    for currency in currencies:
        networks = list(currency.networks.all())
        if currency.is_fiat or not networks:
            continue
        data[currency.code] = {
            "name": currency.name,
            "blockchains": {network.code: blockchain_info(network) for network in networks},
        }
    return data
