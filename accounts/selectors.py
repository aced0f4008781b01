from dataclasses import dataclass

from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


@dataclass(frozen=True, slots=True)
class TotpStatus:
    enabled: bool
    pending_enrolment: bool


def totp_status(*, user: User) -> TotpStatus:
    confirmed = set(TOTPDevice.objects.filter(user=user).values_list("confirmed", flat=True))
    return TotpStatus(
        enabled=True in confirmed, pending_enrolment=False in confirmed and True not in confirmed
    )
