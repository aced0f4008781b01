from celery import shared_task

from apikeys.services import api_key_activation_email_send


@shared_task(autoretry_for=(OSError,), max_retries=3, retry_backoff=True)
def api_key_activation_email_send_task(activation_id: int, sealed_code: str) -> bool:
    """Email an activation code. `sealed_code` is the code encrypted for this challenge (never plaintext in the
    broker); sending again after a retry is harmless (the same code)."""
    return api_key_activation_email_send(activation_id=activation_id, sealed_code=sealed_code)
