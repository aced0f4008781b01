"""Identical signed mutating requests at the same moment (PostgreSQL, real threads against the live server):
exactly one executes. The cache is flushed first, so only the database's unique constraint can decide."""

import json
import time
from collections import Counter
from decimal import Decimal

import pytest
import requests
from django.core.cache import cache

from gateway import signing
from gateway.tests.conftest import issue
from ledger.models import JournalTransaction
from ledger.tests.helpers import balance
from tests.concurrency.live import parallel
from tests.helpers import two_sub_accounts

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REQUESTS = 6


def test_parallel_copies_of_one_signed_transfer_move_money_once(live_server, user):
    two_sub_accounts(user)
    key, secret = issue(user)
    body = json.dumps(
        {"fromAccountId": "sub1", "toAccountId": "sub2", "currency": "USD", "amount": "10"}
    ).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-AGGR-KEY": key.public_id,
        "X-AGGR-TIMESTAMP": timestamp,
        "X-AGGR-SIGNATURE": signing.sign(
            secret=secret.encode(),
            action="do_my_internal_transfer",
            timestamp=timestamp,
            body=body,
        ),
    }
    cache.clear()
    url = f"{live_server.url}/api/spot/rest/do_my_internal_transfer"

    def send() -> int:
        session = requests.Session()
        session.trust_env = False
        return session.post(url, data=body, headers=headers, timeout=30).status_code

    results = parallel([send] * REQUESTS)

    assert Counter(results) == {200: 1, 409: REQUESTS - 1}
    assert balance(user, "sub2", "USD") == (Decimal("10"), 0)
    assert JournalTransaction.objects.filter(type="internal_transfer").count() == 1
