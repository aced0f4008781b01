from django.urls import reverse

from accounts.tests.factories import otp_login
from activities.models import Activity, ActivityType, Source
from apikeys.models import ApiKey
from apikeys.tests.factories import issue_key


def test_staff_can_list_search_and_filter_keys(client, staff_user, user, other_user):
    mine, _ = issue_key(user=user, name="Alpha", active=True)
    theirs, _ = issue_key(user=other_user, name="Beta", active=False)
    otp_login(client, staff_user)
    url = reverse("admin:apikeys_apikey_changelist")

    assert {mine.public_id, theirs.public_id} <= set(
        client.get(url).context["cl"].result_list.values_list("public_id", flat=True)
    )
    assert list(client.get(url, {"q": "other@example.com"}).context["cl"].result_list) == [theirs]
    assert list(client.get(url, {"is_active__exact": "1"}).context["cl"].result_list) == [mine]


def test_the_deactivate_action_goes_through_the_service(client, staff_user, user):
    key, _ = issue_key(user=user, active=True)
    otp_login(client, staff_user)

    response = client.post(
        reverse("admin:apikeys_apikey_changelist"),
        {"action": "deactivate", "_selected_action": [key.pk]},
    )

    assert response.status_code == 302
    assert not ApiKey.objects.get(pk=key.pk).is_active
    row = Activity.objects.get(action=ActivityType.APIKEY_DEACTIVATED)
    assert row.source == Source.ADMIN
    assert row.user == user


def test_the_admin_can_neither_add_nor_delete_keys(client, staff_user, user):
    key, _ = issue_key(user=user)
    otp_login(client, staff_user)
    assert client.get(reverse("admin:apikeys_apikey_add")).status_code == 403
    assert client.get(reverse("admin:apikeys_apikey_delete", args=[key.pk])).status_code == 403


def test_deactivating_needs_the_change_permission_and_names_the_clerk(user):
    from accounts.tests.factories import staff_client

    key, _ = issue_key(user=user, active=True)
    _, viewer = staff_client("apikeys.view_apikey", email="viewer@example.com")
    clerk, client = staff_client("apikeys.view_apikey", "apikeys.change_apikey")
    form = {"action": "deactivate", "_selected_action": [key.pk]}

    viewer.post(reverse("admin:apikeys_apikey_changelist"), form)
    assert ApiKey.objects.get(pk=key.pk).is_active
    client.post(reverse("admin:apikeys_apikey_changelist"), form)

    assert not ApiKey.objects.get(pk=key.pk).is_active
    row = Activity.objects.get(action=ActivityType.APIKEY_DEACTIVATED)
    assert (row.user, row.api_key, row.details["by"]) == (user, key.public_id, clerk.email)
