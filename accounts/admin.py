from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.forms import UserCreationForm as DjangoUserCreationForm
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

# django-otp's own admin for static devices lists the recovery codes themselves: secrets stay out of the admin.
if admin.site.is_registered(StaticDevice):
    admin.site.unregister(StaticDevice)


class UserCreationForm(DjangoUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "country")


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class TOTPDeviceInline(admin.TabularInline):
    """Devices are shown, and can be removed (a lost phone); their keys never are."""

    model = TOTPDevice
    fields = ("name", "confirmed", "last_used_at", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = True
    show_change_link = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    inlines = [TOTPDeviceInline]
    ordering = ("-date_joined",)
    list_display = (
        "email",
        "public_id",
        "full_name",
        "country",
        "verification_level",
        "is_staff",
        "is_active",
        "date_joined",
    )
    list_filter = ("verification_level", "is_staff", "is_active", "country")
    search_fields = ("email", "public_id", "full_name")
    readonly_fields = ("public_id", "date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password", "public_id")}),
        ("Profile", {"fields": ("full_name", "country", "verification_level")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("date_joined", "last_login")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "country", "password1", "password2"),
            },
        ),
    )

    def get_inlines(self, request, obj):  # type: ignore[no-untyped-def]
        return self.inlines if obj is not None else []  # a user being added has no devices yet

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change and not obj.public_id:
            from accounts.models import new_public_id

            # Admin-created users get their public id here; the unique column guards collisions.
            obj.public_id = new_public_id()
        super().save_model(request, obj, form, change)
