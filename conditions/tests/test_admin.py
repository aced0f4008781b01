"""The admin: pair edits go through `pair_update` (validated, recorded, history shown); bad input is refused."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from activities.models import Activity, ActivityType
from conditions.models import Currency, Network, Pair
from conditions.tests.factories import CurrencyFactory

pytestmark = pytest.mark.django_db


def pair_form(pair: Pair, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "status": pair.status,
        "fee_currency": pair.fee_currency_id,
        "tick_size": "0.1",
        "min_price": "100",
        "max_price": "1000000",
        "lot_size": "0.00001",
        "min_amount": "0.0001",
        "max_amount": "100",
        "min_value": "10",
        "max_value": "1000000",
        "base_precision": "8",
        "quote_precision": "2",
        "order_types": ["Limit", "Market", "Stop Limit"],
        "time_in_force": ["GTC", "IOC", "FOK", "GTD"],
    }
    data.update(overrides)
    return data


def test_a_pair_edit_is_saved_recorded_and_shown_in_the_history(
    admin_client, btc_usd, staff_user
) -> None:  # type: ignore[no-untyped-def]
    url = reverse("admin:conditions_pair_change", args=[btc_usd.pk])
    response = admin_client.post(
        url, pair_form(btc_usd, min_amount="0.001", time_in_force=["GTC", "IOC"])
    )
    assert response.status_code == 302, response.content
    stored = Pair.objects.get(pk=btc_usd.pk)
    assert stored.min_amount == D("0.001")
    assert stored.time_in_force == ["GTC", "IOC"]
    row = Activity.objects.get(action=ActivityType.PAIR_CHANGED)
    assert row.user == staff_user
    assert row.source == "admin"
    assert row.details["changes"] == {
        "min_amount": {"old": "0.0001", "new": "0.001"},
        "time_in_force": {"old": ["GTC", "IOC", "FOK", "GTD"], "new": ["GTC", "IOC"]},
    }
    page = admin_client.get(url).content.decode()
    assert "Change history" in page
    assert "staff@example.com" in page
    assert "min_amount: 0.0001 → 0.001" in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tick_size": "0"}, "tick_size"),
        ({"lot_size": "-1"}, "lot_size"),
        ({"min_price": "2000000"}, "min_price"),
        ({"min_amount": "1000"}, "min_amount"),
        ({"min_value": "2000000"}, "min_value"),
        ({"max_amount": "100.000001"}, "max_amount"),
        ({"lot_size": "0.000000001"}, "lot_size"),
        ({"base_precision": "9"}, "base_precision"),
        ({"order_types": []}, "order_types"),
    ],
)
def test_bad_pair_input_is_refused_and_changes_nothing(
    admin_client, btc_usd, overrides, field
) -> None:  # type: ignore[no-untyped-def]
    url = reverse("admin:conditions_pair_change", args=[btc_usd.pk])
    response = admin_client.post(url, pair_form(btc_usd, **overrides))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    stored = Pair.objects.get(pk=btc_usd.pk)
    assert (stored.tick_size, stored.lot_size, stored.min_amount, stored.min_price) == (
        D("0.1"),
        D("0.00001"),
        D("0.0001"),
        D("100"),
    )
    assert not Activity.objects.exists()


def test_a_pair_added_in_the_admin_gets_its_symbol_and_a_history_row(admin_client) -> None:  # type: ignore[no-untyped-def]
    CurrencyFactory(code="ETH")
    CurrencyFactory(code="USD", fiat=True)
    data = pair_form(
        Pair(status="trading", fee_currency_id="USD"), base="ETH", quote="USD", min_price="100"
    )
    response = admin_client.post(reverse("admin:conditions_pair_add"), data)
    assert response.status_code == 302, response.content
    assert Pair.objects.get().symbol == "ETH-USD"
    assert Activity.objects.get().details["created"] is True


def test_the_admin_actions_change_status_through_the_service(admin_client, btc_usd) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(
        reverse("admin:conditions_pair_changelist"),
        {"action": "halt", "_selected_action": [btc_usd.pk]},
    )
    assert response.status_code == 302
    assert Pair.objects.get().status == "halted"
    assert Activity.objects.get().details["changes"] == {
        "status": {"old": "trading", "new": "halted"}
    }


def currency_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "DOGE",
        "name": "Dogecoin",
        "precision": "8",
        "wallet_precision": "8",
        "usd_rate": "0.4",
        "wallet_deposit_enabled": "on",
        "wallet_withdrawal_enabled": "on",
        "networks-TOTAL_FORMS": "1",
        "networks-INITIAL_FORMS": "0",
        "networks-MIN_NUM_FORMS": "0",
        "networks-MAX_NUM_FORMS": "1000",
        "networks-0-code": "dogecoin",
        "networks-0-type": "coin",
        "networks-0-is_default": "on",
        "networks-0-deposit_enabled": "on",
        "networks-0-withdrawal_enabled": "on",
        "networks-0-min_deposit": "1",
        "networks-0-min_withdrawal": "10",
        "networks-0-withdrawal_fee": "2",
        "networks-0-withdrawal_fee_percent": "0",
        "networks-0-confirmations": "6",
    }
    data.update(overrides)
    return data


def test_a_currency_with_its_network_is_added(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(reverse("admin:conditions_currency_add"), currency_form())
    assert response.status_code == 302, response.content
    assert Network.objects.get().currency_id == "DOGE"


@pytest.mark.parametrize(
    "overrides",
    [
        {"precision": "13"},
        {"wallet_precision": "9"},
        {"usd_rate": "0"},
        {"networks-0-withdrawal_fee_percent": "101"},
        {"networks-0-min_withdrawal": "-1"},
        {
            "networks-TOTAL_FORMS": "2",
            "networks-1-code": "dogecoin",
            "networks-1-type": "coin",
            "networks-1-min_deposit": "1",
            "networks-1-min_withdrawal": "1",
            "networks-1-withdrawal_fee": "1",
            "networks-1-withdrawal_fee_percent": "0",
            "networks-1-confirmations": "1",
        },
        {
            "networks-TOTAL_FORMS": "2",
            "networks-1-code": "bsc",
            "networks-1-type": "token",
            "networks-1-is_default": "on",
            "networks-1-min_deposit": "1",
            "networks-1-min_withdrawal": "1",
            "networks-1-withdrawal_fee": "1",
            "networks-1-withdrawal_fee_percent": "0",
            "networks-1-confirmations": "1",
        },
    ],
    ids=[
        "precision",
        "wallet-precision",
        "usd-rate",
        "fee-percent",
        "negative-min",
        "duplicate-network",
        "two-defaults",
    ],
)
def test_bad_currency_input_is_refused(admin_client, overrides) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(
        reverse("admin:conditions_currency_add"), currency_form(**overrides)
    )
    assert response.status_code == 200
    assert not Currency.objects.exists()
    assert not Network.objects.exists()


@pytest.mark.parametrize("name", ["currency", "pair"])
def test_admin_pages_render(admin_client, btc_usd, name) -> None:  # type: ignore[no-untyped-def]
    assert admin_client.get(reverse(f"admin:conditions_{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:conditions_{name}_add")).status_code == 200
    obj_id = btc_usd.pk if name == "pair" else "BTC"
    assert (
        admin_client.get(reverse(f"admin:conditions_{name}_change", args=[obj_id])).status_code
        == 200
    )


def test_halting_a_pair_needs_the_change_permission_and_is_recorded_for_the_clerk(btc_usd) -> None:  # type: ignore[no-untyped-def]
    from accounts.tests.factories import staff_client

    _, viewer = staff_client("conditions.view_pair", email="viewer@example.com")
    clerk, client = staff_client("conditions.view_pair", "conditions.change_pair")
    form = {"action": "halt", "_selected_action": [btc_usd.pk]}

    viewer.post(reverse("admin:conditions_pair_changelist"), form)
    assert Pair.objects.get().status == "trading"
    client.post(reverse("admin:conditions_pair_changelist"), form)

    assert Pair.objects.get().status == "halted"
    row = Activity.objects.get(action=ActivityType.PAIR_CHANGED)
    assert (row.user, row.source, row.details["pair"]) == (clerk, "admin", btc_usd.symbol)
