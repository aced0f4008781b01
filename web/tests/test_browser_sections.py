"""Profile, Trading Conditions, Fee Schedule and Account Activities in a real browser against the live server, and
the accessibility and layout checks over every section at 1400 and 390 px."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import user_create
from activities.actor import Actor
from activities.models import Activity
from activities.services import record
from conditions.models import Pair
from fees.selectors import fee_overview
from web.tests.browser import Tab

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL, PASSWORD = "linus@example.com", "a-Penguin-on-ice-1991"
SECTIONS = ["/profile", "/security", "/api-keys", "/trading-conditions", "/fees", "/activities"]


@pytest.fixture
def market() -> None:
    from demo import market

    market.seed(io.StringIO())


@pytest.fixture
def customer():  # type: ignore[no-untyped-def]
    # A new customer's level: name and country may still be changed.
    return user_create(
        email=EMAIL,
        password=PASSWORD,
        full_name="Linus T.",
        country="FI",
        verification_level="none",
    )


def test_profile_shows_who_i_am_and_saves_name_and_country(tab: Tab, customer) -> None:  # type: ignore[no-untyped-def]
    tab.login(EMAIL, PASSWORD)
    page = tab.page
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(customer.public_id)
    expect(facts).to_contain_text("Finland")
    expect(facts).to_contain_text("Not verified")
    tab.shot("profile")

    page.get_by_label("Full name").fill("Linus Torvalds")
    page.get_by_label("Country of residence").select_option("US")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(facts).to_contain_text("Linus Torvalds")
    expect(facts).to_contain_text("United States")
    customer.refresh_from_db()
    assert (customer.full_name, customer.country.code) == ("Linus Torvalds", "US")


def test_trading_conditions_lists_every_pair_and_searches(tab: Tab, customer, market) -> None:  # type: ignore[no-untyped-def]
    tab.login(EMAIL, PASSWORD)
    page = tab.go("/trading-conditions")
    tab.settled()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(Pair.objects.count())
    eth_usd = Pair.objects.get(symbol="ETH-USD")
    row = page.locator("tr[data-pair='ETH-USD']")
    expect(row).to_contain_text("ETH/USD")
    expect(row).to_contain_text(f"{eth_usd.tick_size.normalize():f} USD")
    expect(row).to_contain_text(f"{eth_usd.min_amount.normalize():f} ETH")
    tab.shot("trading-conditions")

    page.get_by_label("Search pairs").fill("eth")
    expect(rows).to_have_count(Pair.objects.filter(symbol__contains="ETH").count())
    expect(page.get_by_role("status").filter(has_text="pairs")).to_have_text(
        f"{Pair.objects.filter(symbol__contains='ETH').count()} of {Pair.objects.count()} pairs"
    )
    page.get_by_label("Search pairs").fill("doge")
    expect(page.get_by_text("No pair matches “doge”.")).to_be_visible()


def test_fee_schedule_shows_my_tier_rates_and_the_way_to_the_next(
    tab: Tab, customer, market
) -> None:  # type: ignore[no-untyped-def]
    tab.login(EMAIL, PASSWORD)
    page = tab.go("/fees")
    tab.settled()
    overview = fee_overview(user=customer)
    current = overview.current
    stats = page.locator(".stats")
    expect(stats).to_contain_text(f"Tier {current.tier}")
    expect(stats).to_contain_text("0.00 USD")  # no volume yet
    expect(stats).to_contain_text(f"{_percent(current.maker)} / {_percent(current.taker)}")
    tiers = page.get_by_role("region", name=f"Tiers of {current.schedule}")
    expect(tiers.locator("tr.mine")).to_contain_text(f"Tier {current.tier}")
    expect(tiers.locator("tbody tr")).to_have_count(len(current_schedule_tiers(overview)))
    expect(page.get_by_role("heading", name="Weekend")).to_be_visible()
    expect(page.get_by_text("Weekends (Saturday and Sunday, UTC)")).to_be_visible()
    expect(page.get_by_text("To the next tier")).to_be_visible()
    tab.shot("fees")


def _percent(rate) -> str:  # type: ignore[no-untyped-def]
    whole, _, fraction = f"{rate.normalize():f}".partition(".")
    return f"{whole}.{fraction.ljust(2, '0')} %"


def current_schedule_tiers(overview):  # type: ignore[no-untyped-def]
    return next(s.tiers for s in overview.schedules if s.name == overview.current.schedule)


def test_activities_filter_by_period_and_type_page_on_and_download_the_same_csv(
    tab: Tab, customer
) -> None:  # type: ignore[no-untyped-def]
    actor = Actor(ip="198.51.100.4", source="web")
    now = timezone.now()
    for minute in range(60):
        record(
            user=customer, action="auth.login", actor=actor, at=now - timedelta(minutes=minute + 5)
        )
    record(
        user=customer,
        action="2fa.failed",
        actor=actor,
        details={"purpose": "login"},
        outcome="refused",
    )
    record(user=customer, action="auth.login", actor=actor, at=now - timedelta(days=3))
    record(
        user=customer,
        action="gateway.call",
        actor=Actor.gateway(ip="203.0.113.9", api_key="k" * 32),
        details={"action": "get_my_wallet_balance"},
    )

    tab.login(EMAIL, PASSWORD)
    page = tab.go("/activities")
    tab.settled()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(50)  # the first keyset page
    expect(page.get_by_role("button", name="Load more")).to_be_visible()
    tab.shot("activities", full_page=False)

    page.get_by_label("Period").select_option("24h")
    page.get_by_label("Action").select_option("auth.login")
    expect(page).to_have_url(re.compile(r"/activities\?period=24h&action=auth.login$"))
    expect(rows).to_have_count(50)
    page.get_by_role("button", name="Load more").click()
    in_24h = Activity.objects.filter(
        user=customer, action="auth.login", created_at__gte=now - timedelta(hours=24)
    ).count()
    assert in_24h == 61  # 60 made above and the login of this test
    expect(rows).to_have_count(in_24h)
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    expect(page.get_by_text(f"{in_24h} shown — that is all")).to_be_visible()
    assert set(
        page.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.action)")
    ) == {"auth.login"}

    # Times: the browser's zone on the page, UTC on hover.
    first = (
        Activity.objects.filter(user=customer, action="auth.login")
        .order_by("-created_at", "-id")
        .first()
    )
    stamp = rows.first.locator("time")
    assert stamp.get_attribute("title") == first.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    local = first.created_at.astimezone(timezone.get_fixed_timezone(0)).astimezone(
        __import__("zoneinfo").ZoneInfo("America/New_York")
    )
    expect(stamp).to_contain_text(local.strftime("%-I:%M:%S"))

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    table = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert len(table) == in_24h
    assert {row["action"] for row in table} == {"auth.login"}

    page.get_by_label("Action").select_option("gateway.call")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Trading API call")
    expect(rows.first).to_contain_text("k" * 32)
    expect(rows.first).to_contain_text("203.0.113.9")
    page.get_by_label("Action").select_option("2fa.failed")
    expect(rows.first).to_contain_text("refused")
    expect(rows.first).to_contain_text("purpose: login")


@pytest.mark.parametrize("screen", ["tab", "phone"])  # 1400 and 390 px wide
def test_every_section_is_labelled_passes_axe_and_fits_the_screen(
    request, customer, market, screen
) -> None:  # type: ignore[no-untyped-def]
    tab: Tab = request.getfixturevalue(screen)
    problems: dict[str, object] = {}
    for path in ["/login", "/signup", "/password-reset"]:
        tab.go(path)
        tab.settled()
        problems.update(_check(tab, path))
    tab.login(EMAIL, PASSWORD)
    for path in SECTIONS:
        tab.go(path)
        tab.settled()
        problems.update(_check(tab, path))
        if (
            screen == "phone" and path != "/api-keys"
        ):  # that one is shot with keys in it (keys test)
            tab.shot(f"{path.strip('/')}-phone", full_page=False)
    assert problems == {}


def _check(tab: Tab, path: str) -> dict[str, object]:
    found: dict[str, object] = {}
    unlabelled = tab.unlabelled_controls()
    if unlabelled:
        found[f"{path}: unlabelled"] = unlabelled
    critical = tab.axe_serious()
    if critical:
        found[f"{path}: axe"] = critical
    # The document never scrolls sideways; wide tables scroll inside their own region.
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    if width > tab.page.viewport_size["width"]:
        found[f"{path}: overflow"] = width
    return found
