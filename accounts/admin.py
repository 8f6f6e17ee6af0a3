"""Staff's view of the security log (read-only), and the admin's sign-in through allauth.

The admin's own login form is replaced by allauth's sign-in page (``secure_admin_login``), so
the admin gets the same rate limits, the same 2FA code step and the same security log as every
other sign-in. A session still owing its 2FA code is anonymous in the admin as everywhere
(``accounts.middleware.TwoFactorMiddleware``).
"""

from __future__ import annotations

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.models import SecurityEvent
from sessions_ui.devices import snapshot_title
from sessions_ui.geo import location_label
from sessions_ui.models import SNAPSHOT_FIELDS

admin.site.login = secure_admin_login(admin.site.login)

SHOWN = (
    "created_at",
    "user",
    "kind",
    "session_public_id",
    *SNAPSHOT_FIELDS,
    "details",
)


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user_email", "kind", "device", "location", "ip")
    list_filter = ("kind", "created_at")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    fields = SHOWN
    readonly_fields = SHOWN
    show_full_result_count = False

    @admin.display(description=_("user"), ordering="user__email")
    def user_email(self, obj: SecurityEvent) -> str:
        return obj.user.email or obj.user.get_username()

    @admin.display(description=_("device"))
    def device(self, obj: SecurityEvent) -> str:
        return snapshot_title(obj)

    @admin.display(description=_("location"))
    def location(self, obj: SecurityEvent) -> str:
        return location_label(obj.country_code, obj.city)

    # The log is evidence: nobody adds, edits or deletes events by hand (pruning is a command).
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
