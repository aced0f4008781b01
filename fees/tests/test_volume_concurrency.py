"""Concurrent fills for one user and day: the bucket row lock makes every fill count exactly once."""

import threading
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from django.db import connection, transaction

from fees.models import VolumeBucket
from fees.services import volume_record_fill

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_fills_all_count(user) -> None:  # type: ignore[no-untyped-def]
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def fill() -> None:
        try:
            start.wait()
            with transaction.atomic():
                for _ in range(5):
                    volume_record_fill(user=user, usd_value=D("1.25"), at=AT)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=fill) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert VolumeBucket.objects.get(user=user).usd_volume == D("50")
