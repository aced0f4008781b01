import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from activities.actor import Actor
from apikeys.services import api_key_issue
from common.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create an API key for a user and print one JSON object with the key id and the secret (shown only "
        "here). apikey_create EMAIL --name NAME --permissions read,trade,funds_internal,funds_wallet "
        "[--ip ADDRESS_OR_CIDR ...] [--active]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--permissions",
            default="read",
            help="comma-separated: read,trade,funds_internal,funds_wallet (read is always on)",
        )
        parser.add_argument(
            "--ip",
            action="append",
            default=[],
            dest="ips",
            help="an address or CIDR range for the whitelist; repeat for more",
        )
        parser.add_argument(
            "--active",
            action="store_true",
            help="active at once (otherwise inactive, like any new key)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"no user with email {options['email']!r}")
        permissions = [part.strip() for part in options["permissions"].split(",") if part.strip()]
        try:
            issued = api_key_issue(
                user=user,
                name=options["name"],
                permissions=permissions,
                ip_whitelist=options["ips"],
                active=options["active"],
                actor=Actor.operator(),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        key = issued.key
        self.stdout.write(
            json.dumps(
                {
                    "key": key.public_id,
                    "secret": issued.secret,
                    "name": key.name,
                    "user": user.email,
                    "permissions": key.permissions,
                    "ip_whitelist": key.ip_whitelist,
                    "active": key.is_active,
                }
            )
        )
