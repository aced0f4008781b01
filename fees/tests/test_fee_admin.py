"""The fee admin: tiers ascend from 0 with rates 0-100 % that never rise; schedules never overlap; a pair is in
one group at most; a saved change is published to every process."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from fees.models import FeeSchedule, FeeTier, PairGroup, PairGroupMembership
from fees.schedule import SCHEDULE_VERSION_KEY
from fees.tests.factories import FeeScheduleFactory, PairGroupFactory

pytestmark = pytest.mark.django_db


def schedule_form(tiers: list[tuple[str, str, str]], **fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Standard",
        "description": "",
        "pair_group": "",
        "weekday_mask": "",
        "is_active": "on",
        "tiers-TOTAL_FORMS": str(len(tiers)),
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "1000",
    }
    for index, (volume, maker, taker) in enumerate(tiers):
        data.update(
            {
                f"tiers-{index}-min_volume": volume,
                f"tiers-{index}-maker": maker,
                f"tiers-{index}-taker": taker,
            }
        )
    data.update(fields)
    return data


GOOD_TIERS = [("0", "0.15", "0.25"), ("10000", "0.13", "0.23"), ("100000", "0.1", "0.2")]


def test_a_schedule_with_tiers_is_saved_and_published(
    admin_client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    cache.set(SCHEDULE_VERSION_KEY, "before", timeout=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:fees_feeschedule_add"), schedule_form(GOOD_TIERS, weekdays=["5", "6"])
        )
    assert response.status_code == 302, response.content
    schedule = FeeSchedule.objects.get()
    assert schedule.weekdays == [5, 6]
    assert schedule.tiers.count() == 3
    assert cache.get(SCHEDULE_VERSION_KEY) != "before"


@pytest.mark.parametrize(
    "tiers",
    [
        pytest.param([], id="no tiers"),
        pytest.param([("100", "0.1", "0.2")], id="first tier not at 0"),
        pytest.param([("0", "0.1", "0.2"), ("0", "0.1", "0.1")], id="two tiers at one volume"),
        pytest.param([("0", "0.1", "0.2"), ("1000", "0.11", "0.2")], id="maker rises"),
        pytest.param([("0", "0.1", "0.2"), ("1000", "0.1", "0.21")], id="taker rises"),
        pytest.param([("0", "100.01", "0.2")], id="rate above 100"),
        pytest.param([("0", "-0.01", "0.2")], id="negative rate"),
        pytest.param([("0", "0.1", "0.2"), ("-5", "0.1", "0.2")], id="negative volume"),
    ],
)
def test_bad_tiers_are_refused(admin_client, tiers) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(reverse("admin:fees_feeschedule_add"), schedule_form(tiers))
    assert response.status_code == 200
    assert not FeeSchedule.objects.exists()
    assert not FeeTier.objects.exists()


def test_a_second_default_schedule_is_refused(admin_client) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(name="Existing")
    response = admin_client.post(reverse("admin:fees_feeschedule_add"), schedule_form(GOOD_TIERS))
    assert response.status_code == 200
    assert "already an active default schedule" in response.content.decode()
    assert FeeSchedule.objects.count() == 1


def test_an_inactive_second_default_is_allowed(admin_client) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(name="Existing")
    data = schedule_form(GOOD_TIERS)
    del data["is_active"]
    assert admin_client.post(reverse("admin:fees_feeschedule_add"), data).status_code == 302


def test_overlapping_weekday_schedules_are_refused(admin_client) -> None:  # type: ignore[no-untyped-def]
    FeeScheduleFactory(name="Weekend", days=(5, 6))
    response = admin_client.post(
        reverse("admin:fees_feeschedule_add"),
        schedule_form(GOOD_TIERS, name="Sunday", weekdays=["6"]),
    )
    assert response.status_code == 200
    assert "Overlaps with schedule “Weekend” on Sunday" in response.content.decode()
    assert FeeSchedule.objects.count() == 1


def test_weekday_schedules_of_different_groups_may_share_days(admin_client) -> None:  # type: ignore[no-untyped-def]
    group = PairGroupFactory()
    FeeScheduleFactory(name="Weekend", days=(5, 6))
    response = admin_client.post(
        reverse("admin:fees_feeschedule_add"),
        schedule_form(
            GOOD_TIERS, name="Group weekend", weekdays=["5", "6"], pair_group=str(group.pk)
        ),
    )
    assert response.status_code == 302


def test_a_pair_can_be_in_only_one_group(admin_client, btc_usd) -> None:  # type: ignore[no-untyped-def]
    PairGroupFactory(code="majors", members=[btc_usd])
    data = {
        "code": "stable",
        "name": "Stable",
        "description": "",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-pair": str(btc_usd.pk),
    }
    response = admin_client.post(reverse("admin:fees_pairgroup_add"), data)
    assert response.status_code == 200
    assert PairGroup.objects.count() == 1
    assert PairGroupMembership.objects.count() == 1


def test_admin_pages_render(admin_client, btc_usd) -> None:  # type: ignore[no-untyped-def]
    group = PairGroupFactory(members=[btc_usd])
    schedule = FeeScheduleFactory(pair_group=group, days=(5, 6))
    for name, obj in (("feeschedule", schedule), ("pairgroup", group)):
        assert admin_client.get(reverse(f"admin:fees_{name}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:fees_{name}_add")).status_code == 200
        page = admin_client.get(reverse(f"admin:fees_{name}_change", args=[obj.pk]))
        assert page.status_code == 200
    html = admin_client.get(
        reverse("admin:fees_feeschedule_change", args=[schedule.pk])
    ).content.decode()
    assert 'value="5" id="id_weekdays_5" checked' in html
    assert 'value="4" id="id_weekdays_4">' in html


def test_schedule_changes_need_the_permission_and_are_recorded_with_the_rates(staff_user) -> None:  # type: ignore[no-untyped-def]
    from accounts.tests.factories import staff_client
    from activities.models import Activity, ActivityType

    _, viewer = staff_client("fees.view_feeschedule", email="viewer@example.com")
    clerk, client = staff_client(
        "fees.view_feeschedule",
        "fees.add_feeschedule",
        "fees.change_feeschedule",
        "fees.delete_feeschedule",
        "fees.add_feetier",
        "fees.change_feetier",
        "fees.delete_feetier",
        "fees.view_feetier",
    )
    refused = viewer.post(reverse("admin:fees_feeschedule_add"), schedule_form(GOOD_TIERS))
    assert refused.status_code == 403
    assert not FeeSchedule.objects.exists()

    client.post(reverse("admin:fees_feeschedule_add"), schedule_form(GOOD_TIERS))
    schedule = FeeSchedule.objects.get()
    client.post(reverse("admin:fees_feeschedule_delete", args=[schedule.pk]), {"post": "yes"})

    rows = list(Activity.objects.filter(action=ActivityType.FEE_SCHEDULE_CHANGED).order_by("id"))
    assert [(row.user, row.source, row.details["change"]) for row in rows] == [
        (clerk, "admin", "created"),
        (clerk, "admin", "deleted"),
    ]
    assert rows[0].details["tiers"][1] == {"min_volume": "10000", "maker": "0.13", "taker": "0.23"}
    assert not FeeSchedule.objects.exists()
