"""The order actions on the signed gateway: shapes ccxt parses, rejections as HTTP 200, protocol error texts."""

import json
import time
from decimal import Decimal as D
from typing import Any

import pytest

from activities.models import Activity, ActivityType, Source
from gateway.tests.conftest import Signer, issue
from trading.models import Order, OrderStatus
from trading.tests.helpers import balance, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def signer(alice, signed_client) -> Signer:  # type: ignore[no-untyped-def]
    return signed_client(alice)


def now_ms() -> int:
    return int(time.time() * 1000)


def new_order(**overrides: Any) -> dict[str, Any]:
    body = {
        "clientOrderId": f"c-{time.monotonic_ns()}",
        "currency1": "BTC",
        "currency2": "USD",
        "accountId": "sub1",
        "orderType": "Limit",
        "side": "BUY",
        "timestamp": now_ms(),
        "amountCcy1": "0.1",
        "price": "40000",
        "timeInForce": "GTC",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def data(response: Any) -> Any:
    assert response.status_code == 200, response.content
    payload = json.loads(response.content)
    assert payload["ok"] == "ok"
    return payload["data"]


def error(response: Any, status: int) -> str:
    assert response.status_code == status, response.content
    return str(json.loads(response.content)["error"])


def test_a_resting_limit_order_answers_an_execution_report(signer, alice) -> None:  # type: ignore[no-untyped-def]
    body = new_order(clientOrderId="ec1211dc-ee32-4849-89a6-d36ea7f1060c")
    report = data(signer.post("do_my_new_order", body))
    assert report["messageType"] == "executionReport"
    assert report["executionType"] == "New"
    assert report["orderId"].isdigit()
    assert report["clientOrderId"] == body["clientOrderId"]
    assert report["status"] == "NEW"
    assert report["statusIsFinal"] is False
    assert report["rejectReason"] is None
    assert report["rejectCode"] is None
    assert (report["currency1"], report["currency2"], report["side"]) == ("BTC", "USD", "BUY")
    assert report["requestedAmountCcy1"] == "0.10000000"
    assert report["executedAmountCcy1"] == "0.00000000"
    assert report["price"] == "40000.0"
    assert report["initialOnHoldAmountCcy2"] == "4008.00"
    assert report["feeCurrency"] == "USD"
    assert isinstance(report["serverCreateTimestamp"], int)
    assert report["clientCreateTimestamp"] == body["timestamp"]
    assert report["accountId"] == "sub1"
    placed = Activity.objects.get(user=alice, action=ActivityType.ORDER_PLACED)
    assert placed.source == Source.GATEWAY
    assert placed.api_key == signer.public_id
    # A mutating call that succeeded: its service wrote the row, the gateway wrote none.
    assert not Activity.objects.filter(action=ActivityType.GATEWAY_CALL).exists()


def test_a_crossing_order_reports_the_trade(signer, bob) -> None:  # type: ignore[no-untyped-def]
    place(bob, "SELL", "0.1", "40000")
    report = data(signer.post("do_my_new_order", new_order()))
    assert report["executionType"] == "Trade"
    assert report["status"] == "FILLED"
    assert report["statusIsFinal"] is True
    assert report["executedAmountCcy1"] == "0.10000000"
    assert report["executedAmountCcy2"] == "4000.00"
    assert report["averagePrice"] == "40000.0"
    assert report["feeAmount"] == "8.00"
    assert report["lastPrice"] == "40000.0"


def test_a_market_order_without_time_in_force_is_immediate_or_cancel(signer, bob) -> None:  # type: ignore[no-untyped-def]
    place(bob, "SELL", "0.05", "40000")
    body = new_order(orderType="Market", price=None, timeInForce=None)
    report = data(signer.post("do_my_new_order", body))
    assert report["timeInForce"] == "IOC"
    assert report["status"] == "CANCELLED"
    assert report["executedAmountCcy1"] == "0.05000000"


def test_insufficient_funds_is_a_rejected_order_on_http_200(signer, alice) -> None:  # type: ignore[no-untyped-def]
    report = data(signer.post("do_my_new_order", new_order(amountCcy1="10")))
    assert report["status"] == "REJECTED"
    assert report["executionType"] == "Rejected"
    assert report["rejectCode"] == 403
    assert report["rejectReason"] == "Insufficient funds"
    assert json.loads(report["orderRejectReason"]) == {"code": 403, "reason": "Insufficient funds"}
    assert balance(alice, "USD") == (D("100000"), D("0"))
    assert Activity.objects.filter(user=alice, action=ActivityType.ORDER_REJECTED).count() == 1


def test_a_trading_rule_failure_is_rejected_with_check_failed(signer) -> None:  # type: ignore[no-untyped-def]
    report = data(signer.post("do_my_new_order", new_order(amountCcy1="0.00001")))
    assert report["status"] == "REJECTED"
    assert "check failed" in report["rejectReason"]


@pytest.mark.parametrize(
    ("overrides", "status", "text"),
    [
        ({"price": None}, 422, "Mandatory parameter price is missing"),
        ({"side": "HOLD"}, 422, "Mandatory parameter side should be one of BUY,SELL"),
        ({"side": None}, 422, "Mandatory parameter side should be one of BUY,SELL"),
        ({"accountId": ""}, 400, "API orders from Main account are not allowed"),
        ({"accountId": None}, 400, "API orders from Main account are not allowed"),
        (
            {"orderType": "Market", "price": None, "stopPrice": "30000"},
            422,
            "Market Trigger orders are not allowed",
        ),
        ({"currency2": "XYZ"}, 422, "Unsupported pair BTC-XYZ"),
        (
            {"amountCcy1": "1e-3"},
            422,
            "Parameter amountCcy1 should be written without exponent notation",
        ),
        ({"timestamp": None}, 422, "Mandatory parameter timestamp is missing"),
    ],
)
def test_malformed_orders_get_the_protocols_error_and_nothing_is_placed(
    signer, overrides, status, text
) -> None:  # type: ignore[no-untyped-def]
    assert error(signer.post("do_my_new_order", new_order(**overrides)), status) == text
    assert not Order.objects.exists()


def test_ccxts_stop_limit_spelling_places_a_stop_order(signer) -> None:  # type: ignore[no-untyped-def]
    body = new_order(side="SELL", price="30000", type="Stop Limit", stopPrice="31000")
    report = data(signer.post("do_my_new_order", body))
    assert report["orderType"] == "Stop Limit"
    assert report["stopPrice"] == "31000.0"
    assert report["status"] == "NEW"


def test_a_repeated_client_order_id_returns_the_same_order(signer) -> None:  # type: ignore[no-untyped-def]
    body = new_order(clientOrderId="same-id")
    first = data(signer.post("do_my_new_order", body))
    again = data(signer.post("do_my_new_order", {**body, "timestamp": now_ms() + 1}))
    assert again["orderId"] == first["orderId"]
    other = signer.post("do_my_new_order", {**body, "amountCcy1": "0.2", "timestamp": now_ms() + 2})
    assert "already used with different parameters" in error(other, 422)
    assert Order.objects.count() == 1


def test_a_read_only_key_cannot_place_orders(alice) -> None:  # type: ignore[no-untyped-def]
    key, secret = issue(alice, permissions=("read",), name="reader")
    reader = Signer(public_id=key.public_id, secret=secret)
    assert "Permission denied" in error(reader.post("do_my_new_order", new_order()), 403)
    assert not Order.objects.exists()


def test_cancel_by_order_id_releases_the_hold(signer, alice) -> None:  # type: ignore[no-untyped-def]
    report = data(signer.post("do_my_new_order", new_order()))
    body = {"orderId": int(report["orderId"]), "cancelRequestId": "c_1", "timestamp": now_ms()}
    assert data(signer.post("do_cancel_my_order", body)) == {}
    assert Order.objects.get().status == OrderStatus.CANCELLED
    assert balance(alice, "USD") == (D("100000"), D("0"))
    again = signer.post("do_cancel_my_order", {**body, "timestamp": now_ms() + 1})
    assert error(again, 422) == "Order is already in final state"


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"orderId": 999999}, "Order not found"),
        ({}, "ClientOrderId or orderId should be specified"),
        (
            {"orderId": 1, "clientOrderId": "x"},
            "Only one of the fields ClientOrderId or orderId should be specified, not both",
        ),
    ],
)
def test_cancel_refusals(signer, body, text) -> None:  # type: ignore[no-untyped-def]
    payload = {**body, "cancelRequestId": "c_2", "timestamp": now_ms()}
    assert error(signer.post("do_cancel_my_order", payload), 422) == text


def test_cancel_all_answers_the_client_order_ids(signer) -> None:  # type: ignore[no-untyped-def]
    data(signer.post("do_my_new_order", new_order(clientOrderId="a")))
    data(signer.post("do_my_new_order", new_order(clientOrderId="b", price="39000")))
    result = data(signer.post("do_cancel_all_orders", {}))
    assert sorted(result["clientOrderIds"]) == ["a", "b"]
    assert data(signer.post("do_cancel_all_orders", {"timestamp": 1}))["clientOrderIds"] == []


def test_get_my_orders_open_archived_and_by_id(signer, bob) -> None:  # type: ignore[no-untyped-def]
    resting = data(signer.post("do_my_new_order", new_order(clientOrderId="rest")))
    place(bob, "SELL", "0.1", "41000")
    filled = data(signer.post("do_my_new_order", new_order(clientOrderId="fill", price="41000")))
    open_rows = data(signer.post("get_my_orders", {"pair": "BTC-USD"}))
    assert [row["orderId"] for row in open_rows] == [resting["orderId"]]
    since = now_ms() - 3_600_000
    closed = data(
        signer.post("get_my_orders", {"archived": True, "serverCreateTimestampFrom": since})
    )
    assert [row["orderId"] for row in closed] == [filled["orderId"]]
    assert closed[0]["status"] == "FILLED"
    one = data(
        signer.post("get_my_orders", {"pair": "BTC-USD", "orderId": int(resting["orderId"])})
    )
    assert one[0]["clientOrderId"] == "rest"
    by_client = data(signer.post("get_my_orders", {"clientOrderId": "fill"}))
    assert by_client[0]["orderId"] == filled["orderId"]
    assert (
        data(signer.post("get_my_orders", {"pair": "BTC-USD", "pageSize": 1, "pageNumber": 1}))
        == []
    )


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"archived": "true"}, "Archived parameter should be boolean"),
        ({"archived": True}, "Mandatory parameter serverCreateTimestampFrom is missing"),
        ({"pageSize": 1001}, "Page size is limited to 1000 items"),
    ],
)
def test_get_my_orders_refusals(signer, body, text) -> None:  # type: ignore[no-untyped-def]
    assert error(signer.post("get_my_orders", body), 422) == text


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("timeInForce", "GTCX", "timeInForce check failed: Time in force GTCX is not supported"),
        ("timeInForce", "GT", "timeInForce check failed: Time in force GT is not supported"),
        ("orderType", "Limitless", "orderType check failed: Order type Limitless is not supported"),
    ],
)
def test_an_unknown_kind_is_refused_before_anything_is_stored(  # type: ignore[no-untyped-def]
    signer, alice, field, value, text
) -> None:
    """`GTCX` was once cut to the column's three letters and taken as GTC: now it is refused whole."""
    status, message = signer.error("do_my_new_order", new_order(**{field: value}))
    assert status == 422
    assert message.startswith(text)
    assert not Order.objects.exists()
    assert balance(alice, "USD") == (D("100000"), D("0"))
    refused = Activity.objects.get(action=ActivityType.GATEWAY_REFUSED)
    assert refused.details["reason"] == (
        "time_in_force_not_allowed" if field == "timeInForce" else "order_type_not_allowed"
    )


@pytest.mark.parametrize(
    ("kind", "tif", "stored"),
    [
        ({"orderType": "limit"}, " gtc ", ("Limit", "GTC")),
        (
            {"orderType": "Limit", "type": "stop_limit", "stopPrice": "41000"},
            "GTC",
            ("Stop Limit", "GTC"),
        ),
        ({"orderType": "Limit"}, None, ("Limit", "GTC")),
    ],
)
def test_client_spellings_of_a_kind_are_read_as_the_protocols(signer, kind, tif, stored) -> None:  # type: ignore[no-untyped-def]
    report = data(signer.post("do_my_new_order", new_order(timeInForce=tif, **kind)))
    assert report["status"] == "NEW"
    assert (report["orderType"], report["timeInForce"]) == stored
    order = Order.objects.get()
    assert (order.order_type, order.time_in_force) == stored
