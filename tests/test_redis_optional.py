"""Redis is optional at the moment of a call: with the cache pointed at a Redis that is not there (a closed
port) or that never answers (a socket that accepts and stays silent, like a frozen Redis), signed reads and
writes keep working from the database, every call writes its activity row, the rate limiter keeps counting per
process, and /healthz says "degraded" with a 200."""

import socket
import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest
from channels_redis.utils import create_pool
from django.core.cache import caches

from activities.actor import Actor
from activities.models import Activity, ActivityType
from apikeys.services import api_key_deactivate
from common.cache import breaker, local_cache
from gateway.tests.conftest import Signer, issue
from ledger.tests.helpers import balance
from tests.helpers import two_sub_accounts

pytestmark = pytest.mark.django_db

TRANSFER = {"fromAccountId": "sub1", "toAccountId": "sub2", "currency": "USD", "amount": "10"}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers: what a SIGSTOPped Redis looks like to a client."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def use_redis_at(settings, port: int) -> None:  # type: ignore[no-untyped-def]
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "common.cache.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": settings.REDIS_TIMEOUT_S,
                "socket_timeout": settings.REDIS_TIMEOUT_S,
                "retry_on_timeout": False,
                "retry": Retry(NoBackoff(), 0),
            },
        }
    }
    breaker.reset()
    local_cache().clear()


@pytest.fixture
def funded(user):  # type: ignore[no-untyped-def]
    two_sub_accounts(user)
    key, secret = issue(user)
    yield user, key, Signer(public_id=key.public_id, secret=secret)
    breaker.reset()


@pytest.mark.parametrize("redis", ["stopped", "frozen"])
def test_signed_reads_and_transfers_work_and_are_logged_while_redis_is_away(
    settings, funded, silent_server, redis
):
    user, key, signer = funded
    use_redis_at(settings, closed_port() if redis == "stopped" else silent_server)

    read = signer.post("get_my_account_status_v3", {})
    transfer = signer.post("do_my_internal_transfer", TRANSFER)

    assert (read.status_code, transfer.status_code) == (200, 200), transfer.content
    assert balance(user, "sub2", "USD") == (Decimal("10"), 0)
    assert (
        Activity.objects.filter(action=ActivityType.GATEWAY_CALL, api_key=key.public_id).count()
        == 1
    )
    assert (
        Activity.objects.filter(
            action=ActivityType.TRANSFER_INTERNAL, api_key=key.public_id
        ).count()
        == 1
    )


def test_a_key_deactivated_while_redis_is_away_is_refused_at_once(settings, funded):
    user, key, signer = funded
    assert (
        signer.post("get_my_account_status_v3", {}).status_code == 200
    )  # cached while Redis was there
    use_redis_at(settings, closed_port())

    api_key_deactivate(key=key, actor=Actor.system())

    assert signer.post("get_my_account_status_v3", {}).status_code == 401


def test_the_rate_limit_holds_per_process_while_redis_is_away(settings, funded):
    user, key, signer = funded
    settings.GATEWAY_RATE_LIMIT_PRIVATE = 15  # three calls of cost 5
    use_redis_at(settings, closed_port())

    codes = [signer.post("get_my_account_status_v3", {}).status_code for _ in range(5)]

    assert codes == [200, 200, 200, 429, 429]


def test_redis_clients_time_out_within_250_ms(settings):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL not set")
    kwargs = caches["default"]._cache._get_connection_pool(True).connection_kwargs

    assert 0 < kwargs["socket_timeout"] <= 0.25
    assert 0 < kwargs["socket_connect_timeout"] <= 0.25
    transport = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert 0 < transport["socket_timeout"] <= 0.25
    assert 0 < transport["socket_connect_timeout"] <= 0.25
    (host,) = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"]
    layer_kwargs = create_pool(host).connection_kwargs
    assert 0 < layer_kwargs["socket_timeout"] <= 0.25
    assert 0 < layer_kwargs["socket_connect_timeout"] <= 0.25


def test_healthz_reports_redis_degraded_not_the_service_dead(settings, client, db):
    use_redis_at(settings, closed_port())

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "degraded"},
    }
    breaker.reset()
