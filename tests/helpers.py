"""Set-ups shared by the cross-app tests."""

import time
from typing import Any

from ledger.tests.helpers import make_currencies
from trading.tests.helpers import fund


def two_sub_accounts(user: Any) -> Any:
    """`user` with the ledger's test currencies, sub-account `sub1` holding 100 USD and an empty `sub2`."""
    make_currencies()
    fund(user, "sub1", USD="100")
    fund(user, "sub2")
    return user


def order_payload(**changes: object) -> dict[str, object]:
    """A signed `do_my_new_order` body: a small BTC-USD limit buy from `sub1` (price 1000, value 10)."""
    return {
        "currency1": "BTC",
        "currency2": "USD",
        "accountId": "sub1",
        "side": "BUY",
        "orderType": "Limit",
        "amountCcy1": "0.01",
        "price": "1000",
        "timestamp": int(time.time() * 1000),
        **changes,
    }
