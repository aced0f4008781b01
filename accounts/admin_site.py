"""The admin behind two factors: password and TOTP code, through the same login service as the JSON API.

`AdminSite` is django-otp's `OTPAdminSite` (a staff session counts only once a device verified it) with a login
form that calls `accounts.services.user_authenticate(staff=True)`: the admin and the frontend API share one
failure limiter per account and per IP, one TOTP check, and the same activity rows (source "admin").
`accounts.admin_config.AdminConfig` makes it the default site, so every app's `@admin.register` lands on it.
"""

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from activities.actor import Actor
from activities.models import Source
from common.errors import DomainError


class AdminLoginForm(AdminAuthenticationForm):
    otp_token = forms.CharField(
        label="Authenticator code",
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is None or password is None:
            return self.cleaned_data
        request: HttpRequest | None = self.request
        try:
            user = services.user_authenticate(
                email=email,
                password=password,
                code=self.cleaned_data.get("otp_token") or None,
                actor=Actor.admin(request) if request is not None else Actor(None, Source.ADMIN),
                staff=True,
            )
        except DomainError as exc:
            # One message per refusal, never which of the factors was wrong beyond what the JSON login says.
            raise forms.ValidationError(exc.message, code=exc.code) from None
        # django-otp's login signal handler stores this device in the session: the session is then verified.
        user.otp_device = TOTPDevice.objects.filter(user=user, confirmed=True).first()  # type: ignore[attr-defined]
        self.user_cache = user
        return self.cleaned_data


class AdminSite(OTPAdminSite):
    login_form = AdminLoginForm
    login_template = "admin/accounts/login.html"
    site_header = "Exchange administration"
    site_title = "Exchange admin"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
