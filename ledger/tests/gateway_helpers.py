"""Signed calls to the gateway for the ledger's action tests (signed with gateway.signing)."""

import json
import time
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from apikeys.tests.factories import issue_key
from gateway import signing


@dataclass
class Gateway:
    public_id: str
    secret: str
    client: Client = field(default_factory=Client)

    def call(self, action: str, payload: dict[str, Any] | None = None) -> tuple[int, Any]:
        """POST a signed call; returns (HTTP status, decoded body)."""
        body = json.dumps(payload or {}, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        signature = signing.sign(
            secret=self.secret.encode(), action=action, timestamp=timestamp, body=body
        )
        response = self.client.post(
            f"/api/spot/rest/{action}",
            data=body,
            content_type="application/json",
            headers={
                "X-AGGR-KEY": self.public_id,
                "X-AGGR-TIMESTAMP": timestamp,
                "X-AGGR-SIGNATURE": signature,
            },
        )
        return response.status_code, json.loads(response.content)

    def data(self, action: str, payload: dict[str, Any] | None = None) -> Any:
        status, body = self.call(action, payload)
        assert status == 200, body
        return body["data"]

    def error(self, action: str, payload: dict[str, Any] | None = None) -> tuple[int, str]:
        status, body = self.call(action, payload)
        assert "error" in body, body
        assert body["statusCode"] == status
        return status, body["error"]


def gateway_for(user: Any, permissions: tuple[str, ...] | None = None) -> Gateway:
    kwargs = {} if permissions is None else {"permissions": permissions}
    key, secret = issue_key(user=user, **kwargs)
    return Gateway(public_id=key.public_id, secret=secret)
