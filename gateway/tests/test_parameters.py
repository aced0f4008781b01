"""Parameters are validated before anything runs, with the protocol's texts; numbers become Decimal."""

from decimal import Decimal

import pytest

from gateway.errors import ParameterError
from gateway.params import (
    BoolParam,
    CurrencyParam,
    DateTimeParam,
    DecimalParam,
    IntParam,
    ListParam,
    Params,
    parse_body,
    validate_params,
)
from gateway.tests.conftest import ORDER, Signer, body_of, gateway_rows


class AmountParams(Params):
    amount = DecimalParam(positive=True, max_places=8)
    fee = DecimalParam(required=False)


def _check(body: bytes, params=AmountParams):
    return validate_params(params, parse_body(body))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"amount":"0.00036666"}', Decimal("0.00036666")),
        (b'{"amount":0.5}', Decimal("0.5")),
        (b'{"amount":30000}', Decimal("30000")),
        (b'{"amount":"30000"}', Decimal("30000")),
        (b'{"amount":"0.10000000"}', Decimal("0.10000000")),
    ],
)
def test_numbers_come_as_json_numbers_or_numeric_strings_and_become_decimal(body, expected):
    value = _check(body)["amount"]
    assert isinstance(value, Decimal)
    assert value == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{}", "Mandatory parameter amount is missing"),
        (b'{"amount":null}', "Mandatory parameter amount is missing"),
        (b'{"amount":"abc"}', "Parameter amount should be a number"),
        (b'{"amount":true}', "Parameter amount should be a number"),
        (b'{"amount":[1]}', "Parameter amount should be a number"),
        (b'{"amount":""}', "Parameter amount should be a number"),
        (b'{"amount":" 1"}', "Parameter amount should be a number"),
        (b'{"amount":NaN}', "Parameter amount should be a finite number"),
        (b'{"amount":"NaN"}', "Parameter amount should be a finite number"),
        (b'{"amount":Infinity}', "Parameter amount should be a finite number"),
        (b'{"amount":-Infinity}', "Parameter amount should be a finite number"),
        (b'{"amount":"inf"}', "Parameter amount should be a finite number"),
        (b'{"amount":1e5}', "Parameter amount should be written without exponent notation"),
        (b'{"amount":"1E-8"}', "Parameter amount should be written without exponent notation"),
        (b'{"amount":1.5e-3}', "Parameter amount should be written without exponent notation"),
        (b'{"amount":-1}', "Amount should be greater than zero"),
        (b'{"amount":"-0.5"}', "Amount should be greater than zero"),
        (b'{"amount":0}', "Amount should be greater than zero"),
        (b'{"amount":"0.000000001"}', "Parameter amount has more than 8 decimal places"),
        (b'{"amount":"1000000000000000000"}', "Parameter amount is too large"),
        (b'{"amount":"1","fee":"-0.1"}', "Parameter fee should not be negative"),
    ],
)
def test_bad_numbers_get_the_protocol_text(body, message):
    with pytest.raises(ParameterError) as refused:
        _check(body)
    assert (refused.value.message, refused.value.status) == (message, 422)


def test_zero_is_allowed_where_positive_is_not_required():
    assert _check(b'{"amount":"1","fee":0}')["fee"] == 0


class ListsParams(Params):
    currencies = ListParam(child=CurrencyParam(), allow_empty=False, unique=True, required=False)
    archived = BoolParam(required=False)
    pageSize = IntParam(min_value=1, max_value=1000, required=False)
    toISO = DateTimeParam(required=False)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"currencies":[]}', "Parameter currencies should be Array of Strings"),
        (b'{"currencies":"BTC"}', "Parameter currencies should be Array of Strings"),
        (b'{"currencies":["btc"]}', "Unsupported currency btc"),
        (b'{"currencies":["BTC","BTC"]}', "Parameter currencies should not contain duplicates"),
        (b'{"archived":"true"}', "Archived parameter should be boolean"),
        (b'{"pageSize":0}', "Parameter pageSize should be at least 1"),
        (b'{"pageSize":1001}', "Parameter pageSize should be at most 1000"),
        (b'{"pageSize":1.5}', "Parameter pageSize should be an integer"),
        (
            b'{"toISO":"yesterday"}',
            "Parameter toISO should be an ISO 8601 date or a timestamp in milliseconds",
        ),
    ],
)
def test_other_fields_get_protocol_texts(body, message):
    with pytest.raises(ParameterError) as refused:
        _check(body, ListsParams)
    assert refused.value.message == message


def test_dates_accept_iso_text_and_milliseconds():
    iso = _check(b'{"toISO":"2026-11-23T20:13:48.786Z"}', ListsParams)["toISO"]
    ms = _check(b'{"toISO":1795464828786}', ListsParams)["toISO"]
    text = _check(b'{"toISO":"1795464828786"}', ListsParams)["toISO"]
    assert iso == ms == text
    assert iso.utcoffset().total_seconds() == 0


def test_unknown_parameters_are_ignored():
    assert _check(b'{"amount":"1","type":"Stop Limit"}') == {"amount": Decimal("1")}


@pytest.mark.django_db
def test_invalid_parameters_are_refused_before_the_action_runs(signer: Signer, test_actions):
    response = signer.post("do_test_trade", {**ORDER, "pair": None})
    assert (response.status_code, body_of(response)) == (
        422,
        {"error": "Mandatory parameter pair is missing", "statusCode": 422},
    )
    assert not gateway_rows().filter(action="order.placed").exists()
