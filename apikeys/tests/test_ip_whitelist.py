import pytest
from django.urls import reverse

from apikeys.models import ApiKey
from apikeys.selectors import api_key_get_for_auth, api_key_ip_allowed
from apikeys.tests.factories import issue_key, totp_code

URL = reverse("api-keys")


@pytest.mark.parametrize("entry", ["300.1.1.1", "10.0.0.0/33", "abc", "", "2001:db8::/129"])
def test_an_invalid_entry_gets_400_naming_it(api_client, totp_user, entry):
    response = api_client.post(
        URL,
        {
            "name": "k",
            "permissions": [],
            "code": totp_code(totp_user),
            "ip_whitelist": ["10.0.0.1", entry],
        },
        format="json",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert f"'{entry}'" in error["message"]
    assert "ip_whitelist" in error["details"]
    assert not ApiKey.objects.exists()


def test_thirty_one_entries_get_400(api_client, totp_user):
    entries = [f"10.0.0.{n}" for n in range(31)]
    response = api_client.post(
        URL,
        {"name": "k", "permissions": [], "code": totp_code(totp_user), "ip_whitelist": entries},
        format="json",
    )

    assert response.status_code == 400
    assert "at most 30" in response.json()["error"]["message"]
    assert not ApiKey.objects.exists()


def test_thirty_entries_are_fine(api_client, totp_user):
    entries = [f"10.0.0.{n}" for n in range(30)]
    response = api_client.post(
        URL,
        {"name": "k", "permissions": [], "code": totp_code(totp_user), "ip_whitelist": entries},
        format="json",
    )
    assert response.status_code == 201


def test_entries_are_normalised_and_deduplicated(db):
    key, _ = issue_key(
        ip_whitelist=[
            " 2001:DB8::1 ",
            "10.1.2.3/8",
            "192.168.0.1/32",
            "::ffff:1.2.3.4",
            "2001:db8::1",
            "2001:DB8:0:0::/64",
        ]
    )
    assert key.ip_whitelist == [
        "2001:db8::1",
        "10.0.0.0/8",
        "192.168.0.1",
        "1.2.3.4",
        "2001:db8::/64",
    ]


def test_edit_validates_the_whitelist_too(api_client, user):
    key, _ = issue_key(user=user)
    response = api_client.patch(
        reverse("api-key", args=[key.public_id]), {"ip_whitelist": ["10.0.0.0/33"]}, format="json"
    )
    assert response.status_code == 400
    assert "'10.0.0.0/33'" in response.json()["error"]["message"]
    key.refresh_from_db()
    assert key.ip_whitelist == []
    assert key.is_active


@pytest.mark.parametrize(
    ("whitelist", "ip", "allowed"),
    [
        ([], "8.8.8.8", True),
        ([], None, True),
        (["10.0.0.0/8"], "10.200.3.4", True),
        (["10.0.0.0/8"], "11.0.0.1", False),
        (["10.0.0.0/8"], None, False),
        (["10.0.0.0/8"], "garbage", False),
        (["10.0.0.0/8"], "::ffff:10.1.1.1", True),
        (["1.2.3.4"], "1.2.3.4", True),
        (["1.2.3.4"], "1.2.3.5", False),
        (["2001:db8::/32"], "2001:db8:1::5", True),
        (["2001:db8::/32"], "2001:db9::5", False),
        (["2001:db8::1", "10.0.0.1"], "10.0.0.1", True),
    ],
)
def test_ip_allowed_matches_addresses_and_ranges(db, whitelist, ip, allowed):
    key, _ = issue_key(ip_whitelist=whitelist)
    auth = api_key_get_for_auth(public_id=key.public_id)
    assert api_key_ip_allowed(key=auth, ip=ip) is allowed
