"""Verification levels on orders: below the trading level an order is refused before anything is written (not a
REJECTED order), by the frontend API and the signed gateway alike, naming the level needed."""

import json
import time

import pytest
from rest_framework.test import APIClient

from accounts.levels import verification_level_set
from activities.actor import Actor
from trading.models import Order
from trading.tests.helpers import balance

pytestmark = pytest.mark.django_db

ORDER = {
    "account": "sub1",
    "pair": "BTC-USD",
    "side": "BUY",
    "order_type": "Limit",
    "amount": "0.1",
    "price": "40000",
}


@pytest.fixture
def web(alice) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_login(alice)
    return client


def test_level_none_cannot_place_an_order_on_the_frontend(web, alice):
    verification_level_set(user=alice, level="none", actor=Actor.system())
    before = balance(alice, "sub1", "USD")

    response = web.post("/api/v1/trading/orders/", ORDER, format="json")

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "verification_required"
    assert error["details"]["required_level"] == "basic"
    assert "Trading needs verification level" in error["message"]
    assert not Order.objects.exists()
    assert balance(alice, "sub1", "USD") == before


def test_level_none_cannot_place_an_order_through_the_gateway(alice, signed_client):
    signer = signed_client(alice)
    verification_level_set(user=alice, level="none", actor=Actor.system())

    response = signer.post(
        "do_my_new_order",
        {
            "clientOrderId": "lvl-1",
            "currency1": "BTC",
            "currency2": "USD",
            "accountId": "sub1",
            "orderType": "Limit",
            "side": "BUY",
            "timestamp": int(time.time() * 1000),
            "amountCcy1": "0.1",
            "price": "40000",
        },
    )

    assert response.status_code == 403, response.content
    body = json.loads(response.content)
    assert body["statusCode"] == 403
    assert "needs verification level" in body["error"]
    assert "(basic)" in body["error"]
    assert not Order.objects.exists()


def test_basic_may_trade(web, alice):
    verification_level_set(user=alice, level="basic", actor=Actor.system())

    response = web.post("/api/v1/trading/orders/", ORDER, format="json")

    assert response.status_code == 201, response.json()


def test_cancelling_is_allowed_at_any_level(web, alice):
    order_id = web.post("/api/v1/trading/orders/", ORDER, format="json").json()["id"]
    verification_level_set(user=alice, level="none", actor=Actor.system())

    response = web.post(f"/api/v1/trading/orders/{order_id}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "CANCELLED"
