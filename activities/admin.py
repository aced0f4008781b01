from django.contrib import admin
from django.http import HttpRequest

from activities.models import Activity, Source


class OriginFilter(admin.SimpleListFilter):
    """By default the list leaves out what the system wrote by itself (the demo market maker's quoting, the
    resting side of fills, expiries), so people's actions are not buried; "System" or "All" shows them."""

    title = "origin"
    parameter_name = "origin"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("system", "System-generated"), ("all", "All")]

    def choices(self, changelist):  # type: ignore[no-untyped-def]
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "People (default)",
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value() == "all":
            return queryset
        if self.value() == "system":
            return queryset.filter(source=Source.SYSTEM)
        return queryset.exclude(source=Source.SYSTEM)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """Read-only: rows are evidence, never edited or deleted here."""

    list_display = ("created_at", "user", "action", "outcome", "source", "ip", "api_key")
    list_filter = (
        OriginFilter,
        "action",
        "outcome",
        "source",
        ("created_at", admin.DateFieldListFilter),
    )
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
