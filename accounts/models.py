import secrets
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django_countries.fields import CountryField

PUBLIC_ID_PREFIX = "up"


def new_public_id() -> str:
    """`up` and six random digits; uniqueness is enforced by the column (see `user_create`)."""
    return f"{PUBLIC_ID_PREFIX}{secrets.randbelow(900_000) + 100_000}"


class VerificationLevel(models.TextChoices):
    NONE = "none", "Not verified"
    BASIC = "basic", "Basic"
    VERIFIED = "verified", "Verified"
    ADVANCED = "advanced", "Advanced"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        from accounts.services import (
            user_create,
        )  # the service owns the rules (public id, normalising)

        return user_create(email=email, password=password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An exchange account holder. Email is the login; `public_id` is what the user and support quote."""

    email = models.EmailField(unique=True)
    public_id = models.CharField(max_length=16, unique=True, editable=False)
    full_name = models.CharField(max_length=150, blank=True)
    country = CountryField(blank=True, help_text="Country of residence (ISO 3166-1 alpha-2).")
    verification_level = models.CharField(
        max_length=10, choices=VerificationLevel.choices, default=VerificationLevel.NONE
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        permissions = [
            ("change_verification_level", "Can change a user's verification level (and limits)")
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.public_id})"
