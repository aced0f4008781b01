"""The replay guard is durable: a signed mutating request executes at most once, even when the cache (Redis)
forgets everything between the two copies; idempotent actions may repeat and every repeat is logged."""

import time
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from activities.models import Activity, ActivityType
from conditions.tests.factories import PairFactory
from fees.tests.factories import FeeScheduleFactory
from gateway.models import SignedRequest
from gateway.tests.conftest import Signer, issue
from ledger.models import JournalTransaction
from ledger.tests.helpers import balance
from tests.helpers import order_payload, two_sub_accounts
from trading.models import Order
from trading.tests.helpers import fund

pytestmark = pytest.mark.django_db

TRANSFER = {"fromAccountId": "sub1", "toAccountId": "sub2", "currency": "USD", "amount": "10"}


@pytest.fixture
def signer(user) -> Signer:  # type: ignore[no-untyped-def]
    two_sub_accounts(user)
    key, secret = issue(user)
    return Signer(public_id=key.public_id, secret=secret)


def test_transfer_without_client_tx_id_replayed_after_a_cache_flush_moves_money_once(signer, user):
    now = int(time.time())
    first = signer.post("do_my_internal_transfer", TRANSFER, timestamp=now)
    cache.clear()  # what a Redis restart (no persistence) or FLUSHALL does
    replay = signer.post("do_my_internal_transfer", TRANSFER, timestamp=now)

    assert first.status_code == 200
    assert replay.status_code == 409
    assert balance(user, "sub2", "USD") == (Decimal("10"), 0)
    assert JournalTransaction.objects.filter(client_tx_id="", type="internal_transfer").count() == 1
    refused = Activity.objects.get(action=ActivityType.GATEWAY_REFUSED)
    assert refused.details["reason"] == "replay"


def test_the_fingerprint_is_stored_hashed_with_the_transfer(signer, user):
    signer.post("do_my_internal_transfer", TRANSFER)

    row = SignedRequest.objects.get()
    assert row.action == "do_my_internal_transfer"
    assert len(row.fingerprint) == 64
    assert row.expires_at > timezone.now()


def test_a_refused_transfer_cannot_be_replayed_into_success(signer, user):
    now = int(time.time())
    too_much = {**TRANSFER, "amount": "500"}
    assert signer.post("do_my_internal_transfer", too_much, timestamp=now).status_code == 400
    fund(user, "sub1", USD="500")

    replay = signer.post("do_my_internal_transfer", too_much, timestamp=now)

    assert replay.status_code == 409
    assert balance(user, "sub2", "USD") == (Decimal("0"), 0)


def test_order_replayed_after_a_cache_flush_is_refused(signer, user):
    PairFactory()
    FeeScheduleFactory(name="Standard", tiers=[("0", "0.1", "0.2")])
    now = int(time.time())
    order = order_payload(timestamp=now * 1000)
    first = signer.post("do_my_new_order", order, timestamp=now)
    cache.clear()
    replay = signer.post("do_my_new_order", order, timestamp=now)

    assert first.status_code == 200, first.content
    assert replay.status_code == 409
    assert Order.objects.filter(user=user).count() == 1


def test_cancel_all_with_nothing_to_cancel_is_logged_and_may_repeat_the_same_bytes(signer, user):
    now = int(time.time())
    first = signer.post("do_cancel_all_orders", {}, timestamp=now)
    again = signer.post("do_cancel_all_orders", {}, timestamp=now)

    assert (first.status_code, again.status_code) == (200, 200)
    rows = Activity.objects.filter(action=ActivityType.GATEWAY_CALL)
    assert [row.details["action"] for row in rows] == ["do_cancel_all_orders"] * 2


def test_expired_fingerprints_are_pruned_by_the_command(signer, user):
    signer.post("do_my_internal_transfer", TRANSFER)
    signer.post("do_my_internal_transfer", {**TRANSFER, "amount": "1"})
    SignedRequest.objects.filter(pk=SignedRequest.objects.first().pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    out = StringIO()

    call_command("gateway_replay_prune", stdout=out)

    assert SignedRequest.objects.count() == 1
    assert "pruned 1 " in out.getvalue()
