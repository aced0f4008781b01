"""Admin for fee schedules, their tiers and pair groups.

Validation: tiers start at volume 0, ascend strictly, rates are 0-100 % and never rise with volume; one active
every-day schedule per group (and one default); weekday schedules of one group never share a weekday; a pair is in
at most one group. Every save or delete publishes a new schedule version after commit, so every process reloads.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from activities.actor import Actor
from common.admin import MoneyTabularInline
from fees.models import WEEKDAYS, FeeSchedule, FeeTier, PairGroup, PairGroupMembership, weekday_mask
from fees.services import fee_schedule_change_record


class FeeTierInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        tiers = sorted(
            (
                form.cleaned_data["min_volume"],
                form.cleaned_data["maker"],
                form.cleaned_data["taker"],
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        if not tiers:
            raise forms.ValidationError(
                "A schedule needs at least one tier (one tier at volume 0 is a flat fee)."
            )
        if tiers[0][0] != 0:
            raise forms.ValidationError("The first tier must start at volume 0.")
        for (volume, maker, taker), (next_volume, next_maker, next_taker) in zip(
            tiers, tiers[1:], strict=False
        ):
            if next_volume == volume:
                raise forms.ValidationError(
                    f"Two tiers start at volume {volume}; volumes must ascend."
                )
            if next_maker > maker or next_taker > taker:
                raise forms.ValidationError(
                    f"The tier from {next_volume} has a higher rate than the tier below it; rates must not "
                    "rise with volume."
                )


class FeeTierInline(MoneyTabularInline):
    model = FeeTier
    formset = FeeTierInlineFormSet
    extra = 0
    fields = ("min_volume", "maker", "taker")
    ordering = ("min_volume",)


class FeeScheduleAdminForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        choices=list(enumerate(WEEKDAYS)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="UTC weekdays it applies on; none ticked = every day. Saturday+Sunday = weekend fees.",
    )
    # Filled from `weekdays` in clean(): being a form field, the model's constraints on it are validated.
    weekday_mask = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = FeeSchedule
        fields = ("name", "description", "pair_group", "weekdays", "weekday_mask", "is_active")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["weekdays"] = self.instance.weekdays

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        mask = weekday_mask(cleaned.get("weekdays") or [])
        cleaned["weekday_mask"] = mask
        if mask and cleaned.get("is_active"):
            others = FeeSchedule.objects.filter(
                is_active=True, pair_group=cleaned.get("pair_group"), weekday_mask__gt=0
            ).exclude(pk=self.instance.pk)
            for other in others:
                shared = [WEEKDAYS[day] for day in other.weekdays if mask & (1 << day)]
                if shared:
                    self.add_error(
                        "weekdays", f"Overlaps with schedule “{other.name}” on {', '.join(shared)}."
                    )
        return cleaned


class _RecordsChanges(admin.ModelAdmin):
    """Every save or delete is recorded for the staff member (with the tiers and rates) and published."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        fee_schedule_change_record(
            by=request.user,
            actor=Actor.admin(request),
            target=form.instance,
            change="changed" if change else "created",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        fee_schedule_change_record(
            by=request.user, actor=Actor.admin(request), target=obj, change="deleted"
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            fee_schedule_change_record(
                by=request.user, actor=Actor.admin(request), target=obj, change="deleted"
            )
        super().delete_queryset(request, queryset)


@admin.register(FeeSchedule)
class FeeScheduleAdmin(_RecordsChanges):
    form = FeeScheduleAdminForm
    inlines = [FeeTierInline]
    list_display = ("name", "pair_group", "days", "is_active", "tier_count", "updated_at")
    list_filter = ("is_active", "pair_group")
    search_fields = ("name",)

    @admin.display(description="Days (UTC)")
    def days(self, obj: FeeSchedule) -> str:
        return ", ".join(WEEKDAYS[day][:3] for day in obj.weekdays) or "every day"

    @admin.display(description="Tiers")
    def tier_count(self, obj: FeeSchedule) -> int:
        return obj.tiers.count()


class PairGroupMembershipInline(admin.TabularInline):
    model = PairGroupMembership
    extra = 0
    autocomplete_fields = ("pair",)


@admin.register(PairGroup)
class PairGroupAdmin(_RecordsChanges):
    inlines = [PairGroupMembershipInline]
    list_display = ("code", "name", "description")
    search_fields = ("code", "name")
    prepopulated_fields = {"code": ("name",)}
