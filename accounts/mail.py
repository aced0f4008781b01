"""Account e-mails leave through Celery (`accounts.tasks.email_send_task`), after the transaction commits.

A rendered message can hold a one-time link (password reset, address confirmation), so the broker carries it
sealed (Fernet under a key derived from SECRET_KEY), never in plaintext; the worker opens and sends it.
"""

import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils.crypto import salted_hmac


def _fernet() -> Fernet:
    digest = salted_hmac("accounts.mail", "broker-seal", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(message: EmailMessage) -> str:
    payload = {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "html": [
            content
            for content, mimetype in getattr(message, "alternatives", [])
            if mimetype == "text/html"
        ],
    }
    return _fernet().encrypt(json.dumps(payload).encode()).decode()


def open_sealed(sealed: str) -> EmailMessage | None:
    """The message, or None when it was sealed under another SECRET_KEY (nothing to send)."""
    try:
        payload = json.loads(_fernet().decrypt(sealed.encode()))
    except InvalidToken:
        return None
    message = EmailMultiAlternatives(
        payload["subject"], payload["body"], payload["from_email"], payload["to"]
    )
    for html in payload["html"]:
        message.attach_alternative(html, "text/html")
    return message


def send_after_commit(message: EmailMessage) -> None:
    sealed = seal(message)

    def send() -> None:
        from accounts.tasks import email_send_task

        email_send_task.delay(sealed)

    transaction.on_commit(send)
