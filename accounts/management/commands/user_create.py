from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.errors import UserExistsError
from accounts.services import user_create


class Command(BaseCommand):
    help = "Create a user non-interactively: user_create EMAIL --password PASSWORD [--full-name] [--country] [--staff]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--password", required=True)
        parser.add_argument("--full-name", default="")
        parser.add_argument("--country", default="", help="ISO 3166-1 alpha-2 code")
        parser.add_argument(
            "--staff", action="store_true", help="staff and superuser (admin access)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = user_create(
                email=options["email"],
                password=options["password"],
                full_name=options["full_name"],
                country=options["country"],
                is_staff=options["staff"],
                is_superuser=options["staff"],
            )
        except (UserExistsError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"created {user.email} public_id={user.public_id}")
