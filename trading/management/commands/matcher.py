"""`manage.py matcher --shard 0/2` (or `--pairs BTC-USD,ETH-USD`): run the one writer of some pairs, fed by
Redis Streams at TRADING_MATCHER_URL (see trading/matcher/process.py). Several processes on disjoint shards
scale the matching tier by pair; the web tier needs TRADING_MATCHER=redis to send them its commands."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from trading.matcher import process


class Command(BaseCommand):
    help = "Run the matcher for a shard of the pairs (or the pairs named)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--shard", default="0/1", help="k/n: the k-th of n shards (default 0/1: all)"
        )
        parser.add_argument(
            "--pairs", default="", help="comma-separated symbols instead of a shard"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.TRADING_MATCHER_URL:
            raise CommandError(
                "The matcher needs TRADING_MATCHER_URL (or REDIS_URL): its commands come through Redis Streams."
            )
        try:
            shard, shards = (int(part) for part in options["shard"].split("/"))
        except ValueError:
            raise CommandError("--shard takes k/n, e.g. 0/2") from None
        if not 0 <= shard < shards:
            raise CommandError("--shard k/n needs 0 <= k < n")
        names = [name.strip().upper() for name in options["pairs"].split(",") if name.strip()]
        try:
            symbols = process.pairs_for(shard=shard, shards=shards, names=names)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        consumer = f"pairs-{'-'.join(names)}" if names else f"shard-{shard}-of-{shards}"
        self.stdout.write(f"matcher {consumer}: {', '.join(symbols) or 'no pairs'}", ending="\n")
        self.stdout.flush()
        done = process.serve(symbols=symbols, consumer=consumer, url=settings.TRADING_MATCHER_URL)
        self.stdout.write(
            f"matcher {consumer}: stopped after {done.commands} commands in {done.batches} batches"
        )
