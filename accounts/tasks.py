from celery import shared_task

from accounts.mail import open_sealed


@shared_task(autoretry_for=(OSError,), max_retries=3, retry_backoff=True)
def email_send_task(sealed_message: str) -> bool:
    """Send one account e-mail (sign-up confirmation, password reset, notices). `sealed_message` is encrypted
    (accounts/mail.py); False, sending nothing, when it cannot be opened."""
    message = open_sealed(sealed_message)
    if message is None:
        return False
    message.send()
    return True
