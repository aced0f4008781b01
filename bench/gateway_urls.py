"""The benchmark's URLs: the whole project, plus `POST /bench/unsigned/<action>`, which does the same work as a
signed call (parse, validate, the action's read, one activity row, the envelope) with no authentication, IP
check, permission, rate limit or key stamp. Mounted only by bench/gateway_settings.py: it is never served in
production."""

import os
import time
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from activities.models import ActivityType
from activities.services import record
from common.client_ip import client_ip
from config.urls import urlpatterns as project_urlpatterns
from gateway import audit, envelope
from gateway.params import parse_body, validate_params
from gateway.registry import Call, get_action
from gateway.views import read_body

_USER_ID = int(os.environ.get("BENCH_USER_ID", "0"))


@csrf_exempt
def unsigned_action(request: HttpRequest, action: str) -> HttpResponse:
    now = datetime.fromtimestamp(time.time(), UTC)
    entry = get_action(action, public=False)
    if entry is None:
        return envelope.error(400, "Bad Request")
    ip = client_ip(request)
    params = validate_params(entry.params, parse_body(read_body(request)))
    call = Call(action=entry, user_id=_USER_ID, key=None, ip=ip, now=now)
    response = envelope.ok(entry.handler(params, call))
    details: dict[str, Any] = {"action": action, "params": audit.summarize(entry, params)}
    record(
        user=get_user_model()(pk=_USER_ID),
        action=ActivityType.GATEWAY_CALL,
        actor=call.actor,
        details=details,
        at=now,
    )
    return response


urlpatterns = [
    *project_urlpatterns,
    path("bench/unsigned/<str:action>", unsigned_action),
]
