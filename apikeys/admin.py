from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from activities.actor import Actor
from apikeys.models import ApiKey
from apikeys.services import api_key_deactivate


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Read-only list, search and filter; the one change is "deactivate", through the service.

    The secret's ciphertext is not a field here (and the secret itself exists nowhere to show). Creation needs
    the owner's 2FA and deletion theirs too, so the admin does neither.
    """

    fields = (
        "user",
        "name",
        "public_id",
        "is_active",
        "can_trade",
        "can_funds_internal",
        "can_funds_wallet",
        "ip_whitelist",
        "created_at",
        "updated_at",
        "last_used_at",
        "last_used_ip",
    )
    readonly_fields = fields
    list_display = (
        "name",
        "public_id",
        "user",
        "is_active",
        "can_trade",
        "can_funds_internal",
        "can_funds_wallet",
        "updated_at",
        "last_used_at",
    )
    list_filter = (
        "is_active",
        "can_trade",
        "can_funds_internal",
        "can_funds_wallet",
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("public_id", "name", "user__email", "user__public_id")
    list_select_related = ("user",)
    actions = ("deactivate",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    @admin.action(description="Deactivate selected API keys", permissions=("change",))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = 0
        for key in queryset:
            if key.is_active:
                api_key_deactivate(
                    key=key,
                    actor=Actor.admin(request),
                    by=request.user,  # type: ignore[arg-type]
                )
                count += 1
        self.message_user(request, f"Deactivated {count} API key(s).", messages.SUCCESS)
