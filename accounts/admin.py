from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.forms import UserCreationForm as DjangoUserCreationForm
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.levels import verification_level_set
from accounts.models import User
from activities.actor import Actor

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


TOTP_FIELDS = ("user", "name", "confirmed", "last_used_at", "created_at")


class TOTPDeviceInline(admin.TabularInline):
    """Devices are shown, never their keys; nothing here adds, edits or removes one (that is the user's own
    2FA flow, with its code and activity rows)."""

    model = TOTPDevice
    fields = TOTP_FIELDS[1:]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


# django-otp's own TOTP admin shows every secret (key, QR code) and edits devices: replaced by a read-only one.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    fields = TOTP_FIELDS
    readonly_fields = TOTP_FIELDS
    list_display = TOTP_FIELDS
    list_filter = ("confirmed",)
    search_fields = ("user__email", "user__public_id", "name")
    list_select_related = ("user",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
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

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        if request.user.has_perm("accounts.change_verification_level"):
            return self.readonly_fields
        return (*self.readonly_fields, "verification_level")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        new_level = None
        if change and "verification_level" in form.changed_data:
            # The level sets the user's limits: it changes only through the service, which records who did it.
            new_level = obj.verification_level
            obj.verification_level = form.initial["verification_level"]
        if not change and not obj.public_id:
            from accounts.models import new_public_id

            # Admin-created users get their public id here; the unique column guards collisions.
            obj.public_id = new_public_id()
        super().save_model(request, obj, form, change)
        if new_level is not None:
            saved = verification_level_set(
                user=obj, level=new_level, actor=Actor.admin(request), by=request.user
            )
            obj.verification_level = saved.verification_level
