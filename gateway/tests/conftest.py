"""Gateway test helpers: keys issued through the real service, the one signed client (`Signer`, made by the
`signed_client` fixture), the gateway's clock held still (`frozen_clock`), and test-only actions.

The ledger's and trading's fixtures that the action tests here build on are re-exported at the bottom.
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from activities.models import Activity, ActivityType
from activities.services import record
from apikeys.models import ApiKey, Permission
from apikeys.tests.factories import issue_key
from common.errors import DomainError
from gateway import signing, views
from gateway.params import AccountIdParam, DecimalParam, PairParam, Params, StringParam
from gateway.registry import PRIVATE, PUBLIC, Call, action

ALL_PERMISSIONS = ("read", "trade", "funds_internal", "funds_wallet")


def issue(
    user: Any,
    *,
    permissions: tuple[str, ...] = ALL_PERMISSIONS,
    active: bool = True,
    ip_whitelist: tuple[str, ...] = (),
    name: str = "bot",
) -> tuple[ApiKey, str]:
    """A key and its plaintext secret, through the real service."""
    return issue_key(
        user=user, permissions=permissions, active=active, ip_whitelist=ip_whitelist, name=name
    )


@dataclass
class Signer:
    """Posts signed requests the way a client would (gateway.signing; e2e tests use ccxt instead)."""

    public_id: str
    secret: str
    remote_addr: str = "127.0.0.1"
    client: Client = field(default_factory=Client)

    def post(
        self,
        action: str,
        payload: Any = None,
        *,
        body: bytes | None = None,
        timestamp: int | str | None = None,
        secret: str | None = None,
        signed_action: str | None = None,
        signed_body: bytes | None = None,
        headers: dict[str, str] | None = None,
        remote_addr: str | None = None,
        public_id: str | None = None,
    ) -> Any:
        if body is None:
            body = json.dumps({} if payload is None else payload, separators=(",", ":")).encode()
        ts = str(int(views.clock()) if timestamp is None else timestamp)
        signature = signing.sign(
            secret=(secret or self.secret).encode(),
            action=signed_action or action,
            timestamp=ts,
            body=body if signed_body is None else signed_body,
        )
        sent = {
            "X-AGGR-KEY": public_id or self.public_id,
            "X-AGGR-TIMESTAMP": ts,
            "X-AGGR-SIGNATURE": signature,
            **(headers or {}),
        }
        return self.client.post(
            f"/api/spot/rest/{action}",
            data=body,
            content_type="application/json",
            headers=sent,
            REMOTE_ADDR=remote_addr or self.remote_addr,
        )

    def call(self, action: str, payload: Any = None) -> tuple[int, Any]:
        """A signed call; (HTTP status, decoded body)."""
        response = self.post(action, payload)
        return response.status_code, body_of(response)

    def data(self, action: str, payload: Any = None) -> Any:
        """The `data` of a call that must succeed."""
        status, body = self.call(action, payload)
        assert status == 200, body
        return body["data"]

    def error(self, action: str, payload: Any = None) -> tuple[int, str]:
        """(status, protocol text) of a call that must fail, checked to be in the envelope."""
        status, body = self.call(action, payload)
        assert set(body) == {"error", "statusCode"}, body
        assert body["statusCode"] == status
        return status, body["error"]


@pytest.fixture
def signed_client() -> Callable[..., Signer]:
    """`signed_client(user, permissions=..., ...)`: a key issued to `user` and a client that signs with it."""

    def make(user: Any, **key_options: Any) -> Signer:
        key, secret = issue(user, **key_options)
        return Signer(public_id=key.public_id, secret=secret)

    return make


@pytest.fixture
def key_and_secret(user: Any) -> tuple[ApiKey, str]:
    return issue(user)


@pytest.fixture
def signer(key_and_secret: tuple[ApiKey, str]) -> Signer:
    key, secret = key_and_secret
    return Signer(public_id=key.public_id, secret=secret)


NOW = 1_795_000_000  # 2026-11-18T11:06:40Z: a fixed second for time-window tests


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> int:
    """The gateway's clock (and the signer's default timestamp) held at `NOW`; returns it."""
    monkeypatch.setattr(views, "clock", lambda: float(NOW))
    return NOW


def gateway_rows() -> Any:
    """The activity rows the gateway (or a test action) wrote, not those of issuing keys."""
    return Activity.objects.exclude(action__startswith="apikey.")


def body_of(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


class SampleRefusalError(DomainError):
    code = "test_action_refused"
    default_message = "The test action refuses."


class OrderLikeParams(Params):
    accountId = AccountIdParam()
    pair = PairParam()
    amount = DecimalParam(positive=True)
    price = DecimalParam(required=False)
    comment = StringParam(required=False)


@pytest.fixture
def test_actions() -> Iterator[None]:
    """Test-only actions for permissions, replay, errors and activity rows; removed afterwards."""

    def mutating(params: dict[str, Any], call: Call) -> dict[str, Any]:
        # Like a real mutating service: its own activity row, inside its own work.
        record(
            user=call.user,
            action=ActivityType.ORDER_PLACED,
            details={"pair": params["pair"]},
            actor=call.actor,
        )
        return {"accepted": True, "amount": params["amount"]}

    def read(params: dict[str, Any], call: Call) -> dict[str, Any]:
        return {"userId": call.user_id, "params": params}

    def boom(params: dict[str, Any], call: Call) -> None:
        raise RuntimeError("secret internals that must not leak")

    def refuse(params: dict[str, Any], call: Call) -> None:
        raise SampleRefusalError()

    names = []
    for name, kwargs, handler in [
        (
            "do_test_trade",
            {"permission": Permission.TRADE, "mutates": True, "params": OrderLikeParams},
            mutating,
        ),
        (
            "do_test_internal",
            {"permission": Permission.FUNDS_INTERNAL, "mutates": True, "params": OrderLikeParams},
            mutating,
        ),
        (
            "do_test_wallet",
            {"permission": Permission.FUNDS_WALLET, "mutates": True, "params": OrderLikeParams},
            mutating,
        ),
        ("get_test_read", {"params": OrderLikeParams, "cost": 5}, read),
        ("get_test_boom", {}, boom),
        ("get_test_refuse", {}, refuse),
        ("get_test_public_boom", {"public": True, "private": False}, boom),
    ]:
        action(name, **kwargs)(handler)
        names.append(name)
    yield
    for name in names:
        PRIVATE.pop(name, None)
        PUBLIC.pop(name, None)


ORDER = {"accountId": "sub1", "pair": "BTC-USD", "amount": "0.5", "price": "30000"}


# The order, ledger and fee action tests stand on the trading, ledger and fees fixtures (traders with funds, pairs
# and a fee schedule, a user with sub-accounts): the same ones, not copies.
from fees.tests.conftest import eth_usd  # noqa: E402
from ledger.tests.conftest import currencies, funded_user  # noqa: E402
from trading.tests.conftest import alice, bob, btc_usd, flat_fees  # noqa: E402

__all__ = ["alice", "bob", "btc_usd", "currencies", "eth_usd", "flat_fees", "funded_user"]
