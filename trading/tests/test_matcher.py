"""The matcher's batch (`trading.matcher.runner`) and its embedded transport: group commit, one bad command
sinking nothing else, redelivered commands answered from the database, abandoned commands never run, the
pair's sequence, and the bounded wait."""

import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from activities.actor import Actor
from activities.models import Activity
from activities.services import record
from trading.errors import OrderNotFoundError, TradingUnavailableError
from trading.matcher.commands import (
    CancelOrder,
    ExpireDue,
    PlaceOrder,
    Reply,
    decode_command,
    decode_reply,
    encode,
    to_data,
)
from trading.matcher.runner import Runner, matcher_commands_prune
from trading.matcher.transport import EmbeddedTransport
from trading.models import MatcherCommand, Order, OrderStatus, Trade
from trading.tests.helpers import SUB, balance, place


def _order(user: Any, side: str, amount: str, price: str, **extra: Any) -> PlaceOrder:
    return PlaceOrder(
        symbol="BTC-USD",
        at=timezone.now(),
        actor=Actor.system(),
        user_id=user.pk,
        account=SUB,
        side=side,
        order_type="Limit",
        time_in_force="GTC",
        client_order_id=extra.pop("client_order_id", ""),
        fingerprint="",
        amount=Decimal(amount),
        price=Decimal(price),
        **extra,
    )


def test_commands_cross_the_wire_unchanged(alice: Any) -> None:
    command = _order(alice, "BUY", "0.10000", "50000.1", expire_at=timezone.now())
    assert decode_command(encode(command)) == command
    reply = Reply("x", order_ids=(1, 2), trade_ids=(3,), error=("a.B", "text", {"k": 1}))
    assert decode_reply(encode(reply)) == reply


def test_a_batch_commits_every_command_and_a_bad_one_sinks_nothing_else(
    alice: Any, bob: Any
) -> None:
    sell = _order(alice, "SELL", "0.5", "50000")
    stray = CancelOrder(
        symbol="BTC-USD", at=timezone.now(), actor=Actor.system(), user_id=bob.pk, order_id=999999
    )
    buy = _order(bob, "BUY", "0.2", "50000")
    replies = Runner().run([sell, stray, buy])

    assert [reply.command_id for reply in replies] == [sell.id, stray.id, buy.id]
    with pytest.raises(OrderNotFoundError):
        replies[1].raise_error()
    taker = Order.objects.get(pk=replies[2].order_ids[0])
    assert taker.status == OrderStatus.FILLED
    assert len(replies[2].trade_ids) == 1
    assert Order.objects.get(pk=replies[0].order_ids[0]).status == OrderStatus.PARTIALLY_FILLED
    # The refused command is numbered too: it is in the pair's sequence, and answered again if redelivered.
    rows = list(MatcherCommand.objects.order_by("seq").values_list("id", "seq"))
    assert rows == [(sell.id, 1), (stray.id, 2), (buy.id, 3)]
    # The activity rows of the commands that stand, in command order; none of the refused one (rolled back).
    orders = Activity.objects.filter(action__startswith="order.").order_by("id")
    assert list(orders.values_list("action", "details__order_id")) == [
        ("order.placed", replies[0].order_ids[0]),
        ("order.placed", taker.pk),
        ("order.filled", replies[0].order_ids[0]),
        ("order.filled", taker.pk),
    ]
    # Orders and trades carry the number of the command that made them.
    assert Order.objects.get(pk=replies[0].order_ids[0]).seq == 1
    assert taker.seq == 3
    assert list(Trade.objects.values_list("seq", flat=True)) == [3]


def test_a_redelivered_command_runs_once_and_gets_the_same_reply(alice: Any) -> None:
    command = _order(alice, "BUY", "0.1", "40000")
    first = Runner().run([command])
    again = Runner().run([command, command])
    assert again == first * 2
    assert Order.objects.count() == 1
    assert balance(alice, "USD")[1] == Decimal("4008.00")  # one hold, not two


def test_a_command_its_door_abandoned_never_runs(alice: Any, btc_usd: Any) -> None:
    command = _order(alice, "BUY", "0.1", "40000")
    unavailable = Reply(command.id, unavailable=True)
    MatcherCommand.objects.create(
        id=command.id,
        pair=btc_usd,
        kind=command.kind,
        reply=to_data(unavailable),
        abandoned=True,
        created_at=timezone.now(),
    )
    assert Runner().run([command]) == [unavailable]
    assert not Order.objects.exists()
    assert balance(alice, "USD") == (Decimal("100000"), Decimal("0"))


def test_a_trade_that_reaches_a_stop_triggers_it_in_the_same_command(alice: Any, bob: Any) -> None:
    place(alice, "SELL", "0.1", "50000")
    stop = place(
        alice, "BUY", "0.1", "51000", order_type="Stop Limit", stop_price=Decimal("50000")
    ).order  # waits: no trade yet
    place(bob, "SELL", "0.1", "51000")
    assert stop.is_triggered is False
    place(
        bob, "BUY", "0.1", "50000"
    )  # the trade at 50000 reaches the stop, which then buys at 51000
    stop.refresh_from_db()
    assert stop.is_triggered is True
    assert stop.status == OrderStatus.FILLED
    # The core's cascade: the stop's fill carries the number of the order that triggered it.
    last = MatcherCommand.objects.order_by("-seq").first()
    assert last is not None
    assert last.kind == "place"
    assert set(stop.maker_trades.values_list("seq", flat=True)) | set(
        stop.taker_trades.values_list("seq", flat=True)
    ) == {last.seq}


def test_timed_commands_that_found_nothing_leave_no_row(alice: Any) -> None:
    (reply,) = Runner().run([ExpireDue(symbol="BTC-USD", at=timezone.now())])
    assert reply.count == 0
    assert not MatcherCommand.objects.exists()


def test_the_embedded_writer_refuses_in_bounded_time_and_runs_nothing_later(alice: Any) -> None:
    transport = EmbeddedTransport()
    queue = transport._queue("BTC-USD")
    queue.writer.acquire()  # another door is the pair's writer and does not come back
    try:
        with pytest.raises(
            TradingUnavailableError, match="Trading is temporarily unavailable for BTC-USD"
        ):
            transport.submit(_order(alice, "BUY", "0.1", "40000"), wait=0.05)
    finally:
        queue.writer.release()
    assert not queue.pending  # withdrawn: the next writer will not run it
    transport.submit(_order(alice, "BUY", "0.2", "40000"), wait=1)
    assert list(Order.objects.values_list("amount", flat=True)) == [Decimal("0.2")]


@pytest.mark.django_db(transaction=True)
def test_waiting_doors_are_answered_by_the_writer_in_one_batch(alice: Any) -> None:
    transport = EmbeddedTransport()
    queue = transport._queue("BTC-USD")
    queue.writer.acquire()
    answers: list[Reply] = []

    def door(n: int) -> None:
        try:
            answers.append(transport.submit(_order(alice, "BUY", f"0.{n}", "40000"), wait=5))
        finally:
            connection.close()  # the thread that became the writer opened one

    doors = [threading.Thread(target=door, args=(n,)) for n in range(1, 4)]
    for door in doors:
        door.start()
    while len(queue.pending) < 3:
        threading.Event().wait(0.01)
    queued = [slot.command.id for slot in queue.pending]
    queue.writer.release()
    for door in doors:
        door.join()
    assert sorted(reply.command_id for reply in answers) == sorted(queued)
    # One writer ran all three, in the order they queued: consecutive numbers.
    assert list(MatcherCommand.objects.order_by("seq").values_list("id", flat=True)) == queued


def test_pruning_keeps_each_pairs_last_command(alice: Any) -> None:
    commands = [_order(alice, "BUY", "0.1", "40000") for _ in range(3)]
    Runner().run(commands)
    old = timezone.now() + timedelta(days=30)
    assert matcher_commands_prune(now=old) == 2
    assert list(MatcherCommand.objects.values_list("seq", flat=True)) == [3]
    Runner().run([_order(alice, "BUY", "0.1", "40000")])
    assert sorted(MatcherCommand.objects.values_list("seq", flat=True)) == [3, 4]
    # A shorter window on demand (the embedded matcher's: nothing is redelivered there).
    assert matcher_commands_prune(now=timezone.now() + timedelta(minutes=11), keep_s=600) == 1
    assert list(MatcherCommand.objects.values_list("seq", flat=True)) == [4]


def test_a_command_that_meets_a_bug_fails_alone_and_never_runs_again(
    alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trading import persistence

    poison = CancelOrder(
        symbol="BTC-USD", at=timezone.now(), actor=Actor.system(), user_id=alice.pk, order_id=1
    )
    good = _order(alice, "BUY", "0.1", "40000")

    run = persistence.Batch.run

    def broken(self: Any, command: Any, seq: Any) -> Any:
        if command.id != poison.id:
            return run(self, command, seq)
        record(user=alice, action="order.cancelled", actor=Actor.system(), details={"order_id": 1})
        raise ZeroDivisionError

    monkeypatch.setattr(persistence.Batch, "run", broken)
    replies = Runner().run([poison, good])
    assert replies[0] == Reply(poison.id, failed=True)
    assert Order.objects.get(pk=replies[1].order_ids[0]).status == OrderStatus.NEW
    # What the failed command recorded went with its rollback; the good one's row is there.
    assert not Activity.objects.filter(action="order.cancelled").exists()
    assert Activity.objects.filter(action="order.placed").count() == 1
    monkeypatch.undo()
    # Redelivered after the fix: answered from the log, not run again.
    assert Runner().run([poison]) == [Reply(poison.id, failed=True)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_command_that_meets_a_held_lock_is_tried_again_alone_and_placed(
    alice: Any, settings: Any
) -> None:
    from django.db import transaction

    from ledger.models import Balance

    settings.TRADING_LOCK_TIMEOUT_MS = 200
    held, release = threading.Event(), threading.Event()

    def hold() -> (
        None
    ):  # a transfer that keeps alice's USD row locked for a while (twice the lock timeout)
        try:
            with transaction.atomic():
                list(
                    Balance.objects.select_for_update().filter(
                        account__user=alice, currency_id="USD"
                    )
                )
                held.set()
                release.wait(0.5)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait()
    command = _order(alice, "BUY", "0.1", "40000")
    (reply,) = Runner().run(
        [command]
    )  # the batch and the first try time out; a later try gets the lock
    holder.join()
    assert not reply.unavailable
    assert Order.objects.get(pk=reply.order_ids[0]).status == OrderStatus.NEW
    assert MatcherCommand.objects.filter(pk=command.id).count() == 1


def test_a_kept_book_serves_the_next_batch_and_is_rebuilt_once_the_database_moved_on(
    alice: Any, bob: Any
) -> None:
    """A matcher process keeps each pair's book between batches; its check is the pair's last command number.
    Here a second writer (as after a failover) commits an order meanwhile: the first one's next batch sees the
    number moved, rebuilds the book from the database, and its crossing order fills against that order."""
    kept = Runner(keep_books=True)
    (first,) = kept.run([_order(alice, "SELL", "0.1", "50000")])
    book = kept.books._books[Order.objects.get(pk=first.order_ids[0]).pair_id]
    assert set(book.rows) == {first.order_ids[0]}
    (other,) = Runner().run([_order(alice, "SELL", "0.1", "49000")])
    (cross,) = kept.run([_order(bob, "BUY", "0.2", "50000")])
    assert kept.books._books[book.pair.pk] is not book  # rebuilt
    trades = Trade.objects.filter(pk__in=cross.trade_ids).order_by("id")
    assert [(t.maker_order_id, t.price) for t in trades] == [
        (other.order_ids[0], Decimal("49000")),
        (first.order_ids[0], Decimal("50000")),
    ]
    # And kept again: the next batch reuses the rebuilt book.
    rebuilt = kept.books._books[book.pair.pk]
    kept.run([_order(bob, "BUY", "0.1", "40000")])
    assert kept.books._books[book.pair.pk] is rebuilt
    statuses = Order.objects.filter(pk__in=[first.order_ids[0], other.order_ids[0]])
    assert set(statuses.values_list("status", flat=True)) == {OrderStatus.FILLED}


def test_a_rejected_order_binds_no_client_order_id_even_inside_one_batch(alice: Any) -> None:
    too_big = _order(alice, "BUY", "100", "40000", client_order_id="x-1", dedupe_key="x-1")
    retry = _order(alice, "BUY", "0.1", "40000", client_order_id="x-1", dedupe_key="x-1")
    first, second = Runner().run([too_big, retry])
    assert Order.objects.get(pk=first.order_ids[0]).status == OrderStatus.REJECTED
    assert second.error is None
    placed = Order.objects.get(pk=second.order_ids[0])
    assert (placed.status, placed.dedupe_key) == (OrderStatus.NEW, "x-1")
