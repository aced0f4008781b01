from typing import Any

from django.core.management.base import BaseCommand

from apikeys.services import api_key_secrets_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every API secret under the first key of API_KEY_ENCRYPTION_KEYS (rotation: prepend the new "
        "key, run this, then remove the old key)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed, total = api_key_secrets_reencrypt()
        self.stdout.write(
            f"re-encrypted {changed} of {total} API key secret(s) under the current key"
        )
