from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from activities.actor import Actor
from common.errors import DomainError
from ledger.services import wallet_credit


class Command(BaseCommand):
    help = "Credit outside money to a user's wallet, through the journal: credit_wallet EMAIL CURRENCY AMOUNT"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("currency")
        parser.add_argument("amount")
        parser.add_argument("--note", default="", help="shown in the journal and the activity row")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"no user with email {options['email']}")
        try:
            amount = Decimal(options["amount"])
        except InvalidOperation:
            raise CommandError(f"not a decimal amount: {options['amount']}") from None
        try:
            journal_tx = wallet_credit(
                user=user,
                currency=options["currency"].upper(),
                amount=amount,
                note=options["note"],
                actor=Actor.operator(),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"credited {format(amount, 'f')} {options['currency'].upper()} to the wallet of {user.email} "
            f"(transaction {journal_tx.pk})"
        )
