from django.contrib import admin
from django.http import HttpRequest

from activities.models import Activity


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """Read-only: rows are evidence, never edited or deleted here."""

    list_display = ("created_at", "user", "action", "outcome", "source", "ip", "api_key")
    list_filter = ("action", "outcome", "source", ("created_at", admin.DateFieldListFilter))
    search_fields = ("user__email", "ip", "api_key")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    show_full_result_count = False  # a COUNT(*) over millions of rows on every page is not worth it

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Activity | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Activity | None = None) -> bool:
        return False
