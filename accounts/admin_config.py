"""`django.contrib.admin` whose default site (every `@admin.register`) requires 2FA (see admin_site.py).

Its own module, apart from apps.py: a second AppConfig there would change which one Django picks for accounts,
and admin_site.py imports models, which an INSTALLED_APPS entry must not.
"""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "accounts.admin_site.AdminSite"
