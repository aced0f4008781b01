"""The key's IP whitelist (IPv4, IPv6, CIDR) against the client IP, which comes from X-Forwarded-For only when
the peer is a trusted proxy."""

import pytest

from gateway.tests.conftest import ORDER, Signer, body_of, gateway_rows, issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def whitelisted(user) -> Signer:
    key, secret = issue(user, ip_whitelist=("203.0.113.0/24", "2001:db8::/32", "198.51.100.7"))
    return Signer(key.public_id, secret)


@pytest.mark.parametrize(
    "address", ["203.0.113.9", "198.51.100.7", "2001:db8::1", "::ffff:203.0.113.5"]
)
def test_address_inside_the_whitelist_is_served(whitelisted: Signer, address: str):
    assert whitelisted.post("get_server_time", remote_addr=address).status_code == 200


@pytest.mark.parametrize("address", ["203.0.114.1", "198.51.100.8", "2001:db9::1", "::1"])
def test_address_outside_the_whitelist_is_403_and_logged(
    whitelisted: Signer, test_actions, address: str
):
    response = whitelisted.post("do_test_trade", ORDER, remote_addr=address)
    assert response.status_code == 403
    assert body_of(response) == {
        "error": f"Access denied: IP address {address} is not in this API key's whitelist",
        "statusCode": 403,
    }
    row = gateway_rows().get()
    assert (row.action, row.ip, row.details["reason"]) == (
        "gateway.refused",
        address,
        "ip_not_whitelisted",
    )


def test_forwarded_for_from_an_untrusted_peer_is_ignored(whitelisted: Signer, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    response = whitelisted.post(
        "get_server_time", remote_addr="192.0.2.50", headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert response.status_code == 403
    assert "192.0.2.50" in body_of(response)["error"]
    assert gateway_rows().get().ip == "192.0.2.50"


def test_forwarded_for_from_a_trusted_proxy_is_believed(whitelisted: Signer, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    response = whitelisted.post(
        "get_server_time",
        remote_addr="10.0.0.1",
        headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.9"},
    )
    assert response.status_code == 200
    assert gateway_rows().get().ip == "203.0.113.9"


def test_spoofed_left_hop_behind_a_trusted_proxy_does_not_help(whitelisted: Signer, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    response = whitelisted.post(
        "get_server_time",
        remote_addr="10.0.0.1",
        headers={"X-Forwarded-For": "203.0.113.9, 192.0.2.66"},
    )
    assert response.status_code == 403


def test_key_without_whitelist_accepts_any_address(signer: Signer):
    assert signer.post("get_server_time", remote_addr="2001:db8:ffff::1").status_code == 200
