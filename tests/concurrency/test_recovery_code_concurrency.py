"""A recovery code works once, also when many requests spend it at the same moment (PostgreSQL only)."""

from collections import Counter

import pytest
from django.test import override_settings

from accounts.services import totp_enrol_confirm, totp_enrol_start, totp_require
from accounts.tests.factories import fresh_totp_code
from activities.actor import Actor
from activities.models import Activity, ActivityType
from tests.concurrency.test_ledger_concurrency import outcome, run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


@override_settings(TOTP_FAILURES_PER_USER=100, TOTP_FAILURES_PER_IP=100)
def test_one_recovery_code_spent_by_many_threads_at_once_passes_once(user):
    totp_enrol_start(user=user)
    codes = totp_enrol_confirm(
        user=user, code=fresh_totp_code(user.totpdevice_set.get()), actor=Actor.system()
    )

    results = run_concurrently(
        [
            lambda: totp_require(
                user=user,
                code=codes[0],
                actor=Actor(ip="192.0.2.1", source="web"),
                purpose="apikey_create",
            )
            for _ in range(THREADS)
        ]
    )

    assert Counter(outcome(r) for r in results) == {"ok": 1, "invalid_2fa_code": THREADS - 1}
    assert Activity.objects.filter(action=ActivityType.RECOVERY_CODE_USED).count() == 1
