from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and profiles"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed, password_reset

        from accounts import allauth

        # allauth's flows (headless views) tell us what happened; the receivers write the activity rows.
        email_confirmed.connect(allauth.on_email_confirmed, dispatch_uid="accounts.email_confirmed")
        password_reset.connect(allauth.on_password_reset, dispatch_uid="accounts.password_reset")
