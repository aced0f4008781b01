"""The server clock (public, and its signed twin)."""

from typing import Any

from gateway.registry import Call, action
from gateway.wire import epoch_ms, iso_ms


@action("get_server_time", public=True, cost=1)
def get_server_time(params: dict[str, Any], call: Call) -> dict[str, Any]:
    return {"timestamp": epoch_ms(call.now), "ISODate": iso_ms(call.now)}
