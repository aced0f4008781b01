import pytest
from django.urls import reverse

from activities.models import Activity
from apikeys.models import ApiKey
from apikeys.tests.factories import issue_key, totp_code


@pytest.fixture
def foreign_key(other_user):  # type: ignore[no-untyped-def]
    key, _ = issue_key(user=other_user, active=True, name="Not yours")
    return key


def test_the_list_shows_only_my_keys(api_client, user, foreign_key):
    mine, _ = issue_key(user=user, name="Mine")
    assert [row["key_id"] for row in api_client.get(reverse("api-keys")).json()] == [mine.public_id]


@pytest.mark.parametrize(
    ("method", "route", "data"),
    [
        ("get", "api-key", None),
        ("patch", "api-key", {"name": "Hijacked", "permissions": ["read"]}),
        ("post", "api-key-activation", None),
        ("post", "api-key-activation-confirm", {"code": "12345678"}),
        ("post", "api-key-deactivate", None),
        ("post", "api-key-delete", "totp"),
    ],
)
def test_another_users_key_is_404_and_untouched(
    api_client, totp_user, foreign_key, method, route, data
):
    if data == "totp":
        data = {"code": totp_code(totp_user)}
    before = Activity.objects.count()

    response = getattr(api_client, method)(
        reverse(route, args=[foreign_key.public_id]), data, format="json"
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    after = ApiKey.objects.get(pk=foreign_key.pk)
    assert (after.name, after.is_active, after.permissions) == (
        "Not yours",
        True,
        ["read", "trade", "funds_internal", "funds_wallet"],
    )
    assert Activity.objects.count() == before


def test_anonymous_users_get_nothing(anon_client, foreign_key):
    assert anon_client.get(reverse("api-keys")).status_code == 403
    assert anon_client.get(reverse("api-key", args=[foreign_key.public_id])).status_code == 403
