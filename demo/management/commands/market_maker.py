"""Keep the demo market moving: re-quote every pair around a drifting price, with some trades."""

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from activities.management.commands.activities_prune import parse_age
from demo import market_maker


class Command(BaseCommand):
    help = "Run the demo market maker (Ctrl-C to stop; --iterations bounds it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--iterations", type=int, default=0, help="Rounds to run; 0 = forever.")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between rounds.")
        parser.add_argument(
            "--trade-probability",
            type=float,
            default=0.5,
            help="Chance per pair and round that the noise trader takes liquidity.",
        )
        parser.add_argument("--seed", type=int, default=None, help="Random seed (repeatable runs).")
        parser.add_argument(
            "--activity-keep",
            default="1h",
            help="Prune the market maker's own activity rows older than this (e.g. 1h, 2d; 0 keeps them).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        trades = market_maker.run(
            iterations=options["iterations"],
            interval=options["interval"],
            trade_probability=options["trade_probability"],
            rng=random.Random(options["seed"]),  # noqa: S311 - a demo's price walk
            stdout=self.stdout,
            activity_keep=None
            if options["activity_keep"] == "0"
            else parse_age(options["activity_keep"]),
        )
        self.stdout.write(f"market maker stopped after {trades} trades")
