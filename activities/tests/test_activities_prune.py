"""Retention of system-generated activity rows: the service, the command, the Celery task, the admin's default
view, and the demo market maker's own pruning."""

import io
import random
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from activities.models import Activity, Source
from activities.services import activity_prune
from activities.tasks import activities_prune_task
from activities.tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def _rows(user):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return {
        "old_system": ActivityFactory(
            user=user, source=Source.SYSTEM, created_at=now - timedelta(days=91)
        ),
        "new_system": ActivityFactory(
            user=user, source=Source.SYSTEM, created_at=now - timedelta(days=89)
        ),
        "old_web": ActivityFactory(
            user=user, source=Source.WEB, created_at=now - timedelta(days=400)
        ),
        "old_gateway": ActivityFactory(
            user=user, source=Source.GATEWAY, created_at=now - timedelta(days=400)
        ),
    }


def _left() -> set[int]:
    return set(Activity.objects.values_list("id", flat=True))


def test_prune_deletes_only_system_rows_older_than_the_cutoff(user):
    rows = _rows(user)

    deleted = activity_prune(before=timezone.now() - timedelta(days=90), batch=1)

    assert deleted == 1
    assert _left() == {rows[k].id for k in ("new_system", "old_web", "old_gateway")}


def test_prune_can_be_limited_to_some_users(user, other_user):
    mine, theirs = _rows(user), _rows(other_user)

    activity_prune(before=timezone.now() - timedelta(days=90), user_ids=[other_user.pk])

    assert mine["old_system"].id in _left()
    assert theirs["old_system"].id not in _left()


def test_command_takes_an_age_like_90d(user):
    rows = _rows(user)
    out = io.StringIO()

    call_command("activities_prune", "--older-than", "90d", stdout=out)

    assert rows["old_system"].id not in _left()
    assert rows["new_system"].id in _left()
    assert "pruned 1 system activity rows" in out.getvalue()


def test_command_defaults_to_the_retention_setting(user, settings):
    rows = _rows(user)
    settings.ACTIVITIES_SYSTEM_RETENTION_DAYS = 30

    call_command("activities_prune", stdout=io.StringIO())

    assert {rows["old_system"].id, rows["new_system"].id} & _left() == set()


@pytest.mark.parametrize("age", ["90", "0d", "-1d", "90x", "d", "1.5d"])
def test_command_refuses_a_malformed_age_and_deletes_nothing(user, age):
    _rows(user)
    before = _left()

    with pytest.raises(CommandError, match="older-than"):
        call_command("activities_prune", "--older-than", age, stdout=io.StringIO())

    assert _left() == before


def test_task_applies_the_setting_and_zero_keeps_everything(user, settings):
    rows = _rows(user)
    settings.ACTIVITIES_SYSTEM_RETENTION_DAYS = 0
    assert activities_prune_task() == 0
    assert rows["old_system"].id in _left()

    settings.ACTIVITIES_SYSTEM_RETENTION_DAYS = 90
    assert activities_prune_task() == 1
    assert rows["old_system"].id not in _left()


def test_admin_activity_list_leaves_out_system_rows_by_default(admin_client, user):
    person = ActivityFactory(user=user, source=Source.WEB, details={"mark": "person-row"})
    system = ActivityFactory(user=user, source=Source.SYSTEM, details={"mark": "system-row"})

    default = admin_client.get("/admin/activities/activity/").content.decode()
    only_system = admin_client.get("/admin/activities/activity/?origin=system").content.decode()
    everything = admin_client.get("/admin/activities/activity/?origin=all").content.decode()

    assert f"/admin/activities/activity/{person.pk}/" in default
    assert f"/admin/activities/activity/{system.pk}/" not in default
    assert f"/admin/activities/activity/{system.pk}/" in only_system
    assert f"/admin/activities/activity/{person.pk}/" not in only_system
    assert f"/admin/activities/activity/{system.pk}/" in everything


def test_market_maker_prunes_its_own_old_rows_and_writes_them_as_system(user):
    from demo import market, market_maker

    market.seed(io.StringIO())
    market_maker.seed(io.StringIO())
    maker = market_maker._user(market_maker.MAKER_EMAIL, "Demo Market Maker")
    stale = ActivityFactory(
        user=maker, source=Source.SYSTEM, created_at=timezone.now() - timedelta(hours=2)
    )
    someone_elses = ActivityFactory(user=user, source=Source.SYSTEM, created_at=stale.created_at)

    market_maker.run(
        iterations=1,
        interval=0,
        trade_probability=1.0,
        rng=random.Random(3),
        stdout=io.StringIO(),
        sleep=lambda _: None,
    )

    assert stale.id not in _left()
    assert someone_elses.id in _left()
    assert set(Activity.objects.filter(user=maker).values_list("source", flat=True)) == {
        Source.SYSTEM
    }
