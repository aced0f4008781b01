"""The server clock (public, and its signed twin)."""

from typing import Any

from gateway.params import iso_ms, ms_timestamp
from gateway.registry import Call, action


@action("get_server_time", public=True, cost=1)
def get_server_time(params: dict[str, Any], call: Call) -> dict[str, Any]:
    return {"timestamp": ms_timestamp(call.now), "ISODate": iso_ms(call.now)}
