"""Exactly one activity row per signed call with a known key: reads and refusals by the gateway, successful
mutations by their own service. Details are whitelisted; key use is stamped at most once a minute."""

import pytest

from apikeys.models import ApiKey
from gateway import authentication
from gateway.tests.conftest import ORDER, Signer, gateway_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_touches():
    authentication._last_touch.clear()


def test_successful_read_writes_one_call_row(signer: Signer, key_and_secret, test_actions):
    key, _ = key_and_secret
    assert signer.post("get_test_read", ORDER, remote_addr="192.0.2.10").status_code == 200
    row = gateway_rows().get()
    assert (row.action, row.outcome, row.source, row.api_key, row.ip) == (
        "gateway.call",
        "ok",
        "gateway",
        key.public_id,
        "192.0.2.10",
    )
    assert row.details == {
        "action": "get_test_read",
        "params": {"accountId": "sub1", "pair": "BTC-USD", "amount": "0.5", "price": "30000"},
    }


def test_successful_mutation_leaves_only_the_services_row(signer: Signer, test_actions):
    assert signer.post("do_test_trade", ORDER).status_code == 200
    assert list(gateway_rows().values_list("action", flat=True)) == ["order.placed"]


def test_refused_mutation_writes_one_refused_row_and_no_service_row(signer: Signer, test_actions):
    response = signer.post("do_test_trade", {**ORDER, "amount": "1e3"})
    assert response.status_code == 422
    row = gateway_rows().get()
    assert (row.action, row.outcome, row.details["reason"]) == (
        "gateway.refused",
        "refused",
        "invalid_params",
    )
    assert row.details["params"]["amount"] == "1e3"


def test_details_never_carry_the_signature_secret_or_undeclared_params(
    signer: Signer, key_and_secret, test_actions
):
    _, secret = key_and_secret
    signer.post(
        "get_test_read", {**ORDER, "secret": secret, "junk": "x" * 500, "comment": "y" * 500}
    )
    row = gateway_rows().get()
    text = str(row.details)
    assert secret not in text
    assert "junk" not in text
    assert len(row.details["params"]["comment"]) == 64


def test_refusal_is_written_even_when_the_action_fails(signer: Signer, test_actions):
    assert signer.post("get_test_boom").status_code == 500
    assert gateway_rows().get().outcome == "failed"


def test_key_use_is_stamped_without_a_write_per_request(
    signer: Signer, key_and_secret, django_assert_max_num_queries
):
    key, _ = key_and_secret
    signer.post("get_server_time", remote_addr="192.0.2.77")
    key.refresh_from_db()
    first_use = key.last_used_at
    assert (first_use is not None, key.last_used_ip) == (True, "192.0.2.77")
    # Warm: the key comes from the cache, the stamp is skipped; one INSERT for the activity row.
    with django_assert_max_num_queries(1):
        signer.post("get_server_time", remote_addr="192.0.2.78")
    assert ApiKey.objects.get(pk=key.pk).last_used_ip == "192.0.2.77"
