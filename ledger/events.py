"""Balance changes, published after commit (`common.events`): the protocol's `account_update`.

`posting.post` and `posting.Journal` are the only code that changes a balance, so they are the
only emitters. Several changes of one balance row inside one transaction make one event: the event holds the
locked row object and is read at delivery, after commit, when the row carries its final values.
"""

from dataclasses import dataclass
from typing import Any

from common.events import emit
from ledger.models import Balance, TransactionType

# The protocol's `action` for each kind of journal transaction (holds and their releases are "order").
ACTIONS = {
    TransactionType.TRADE: "order",
    TransactionType.COMMISSION: "order",
    TransactionType.INTERNAL_TRANSFER: "internalTransfer",
    TransactionType.WALLET_DEPOSIT: "deposit",
    TransactionType.WALLET_WITHDRAWAL: "withdraw",
    TransactionType.EXTERNAL_CREDIT: "deposit",
}


@dataclass(frozen=True, slots=True)
class BalanceEvent:
    balance: (
        Balance  # the row object: total and on_hold are final once the transaction has committed
    )

    @property
    def action(self) -> str:
        return getattr(self.balance, "_event_action", "order")

    @property
    def cause_id(self) -> str:
        """The id of what changed the balance last: the order's id, else the journal transaction's."""
        cause = getattr(self.balance, "_event_cause", None)
        return "" if cause is None else str(getattr(cause, "pk", cause))


def balance_changed(balance: Balance, *, action: str, cause: Any) -> None:
    """Note a change of `balance` by `cause` (an order, a journal transaction or an id)."""
    balance._event_action = action  # type: ignore[attr-defined]
    balance._event_cause = cause  # type: ignore[attr-defined]
    if not getattr(balance, "_event_pending", False):
        balance._event_pending = True  # type: ignore[attr-defined]
        emit(BalanceEvent(balance))


def posted(balances: list[Balance], *, type: str, reference: str, journal_tx: Any) -> None:  # noqa: A002
    """Note the balances one journal transaction changed."""
    action = ACTIONS.get(TransactionType(type), "order")
    cause: Any = journal_tx
    if reference.startswith("order:"):
        cause = reference.removeprefix("order:")
    for balance in balances:
        balance_changed(balance, action=action, cause=cause)
