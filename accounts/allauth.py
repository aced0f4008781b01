"""How django-allauth plugs into accounts.

allauth serves sign-up, e-mail verification and password reset over its headless JSON API (mounted in
accounts/api/urls.py, without its login view: the login door stays `accounts.api.views.LoginApi`). This module
is the seam: the adapter creates users through `accounts.selfservice.user_signup`, resolves the client IP the
project's way, sends every allauth e-mail through Celery, and the signal receivers write the activity rows.
"""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import EmailMessage
from django.http import HttpRequest
from django_countries import countries

from accounts import selfservice
from accounts.mail import send_after_commit
from activities.actor import Actor
from common.client_ip import client_ip


class SignupExtraForm(forms.Form):
    """The fields sign-up takes besides e-mail and password (ACCOUNT_SIGNUP_FORM_CLASS)."""

    full_name = forms.CharField(max_length=150)
    country = forms.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code, e.g. DE.")

    def clean_full_name(self) -> str:
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError("Enter your full name.", code="required")
        return name

    def clean_country(self) -> str:
        code = self.cleaned_data["country"].strip().upper()
        if len(code) != 2 or code not in countries:
            raise forms.ValidationError(
                f"'{code}' is not an ISO 3166-1 alpha-2 country code.", code="invalid_country"
            )
        return code

    def signup(self, request: HttpRequest, user: Any) -> None:
        """Nothing left to do: `AccountAdapter.save_user` stored these fields with the user."""


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.SIGNUP_OPEN)

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        data = form.cleaned_data
        return selfservice.user_signup(
            email=data["email"],
            password=data.get("password1") or data["password"],
            full_name=data["full_name"],
            country=data["country"],
            actor=Actor.web(request),
        )

    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request) or super().get_client_ip(request)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = self.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        message: EmailMessage = self.render_mail(template_prefix, email, ctx)
        send_after_commit(message)

    def send_password_reset_mail(self, user: Any, email: str, context: dict[str, Any]) -> None:
        selfservice.password_reset_requested(user=user, actor=Actor.web(self.request))
        super().send_password_reset_mail(user, email, context)


def on_email_confirmed(
    sender: Any, request: HttpRequest, email_address: Any, **kwargs: Any
) -> None:
    selfservice.email_verified(
        user=email_address.user, email=email_address.email, actor=Actor.web(request)
    )


def on_password_reset(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    selfservice.password_reset_done(user=user, actor=Actor.web(request))


def verification_email_send(*, user: Any) -> bool:
    """E-mail a fresh confirmation link for the user's login address (allauth's rate limit applies: at most
    one per address every few minutes). False when nothing was sent."""
    from allauth.account.internal.flows.email_verification import (
        send_verification_email_to_address,
    )
    from allauth.account.models import EmailAddress
    from allauth.core import context

    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None or address.verified or context.request is None:
        return False
    return bool(send_verification_email_to_address(context.request, address))
