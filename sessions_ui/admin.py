"""Support's view of sessions: see and end any user's sessions, never their keys."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sessions_ui.devices import snapshot_title
from sessions_ui.geo import location_label
from sessions_ui.models import Session
from sessions_ui.revocation import Reason, revoke_sessions_by_id

SHOWN = (
    "public_id",
    "user",
    "client",
    "device_kind",
    "browser",
    "os",
    "device_model",
    "app_version",
    "user_agent",
    "ip",
    "country_code",
    "city",
    "time_zone",
    "latitude",
    "longitude",
    "created_at",
    "last_activity",
    "expire_date",
)


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = (
        "user_email",
        "device",
        "location",
        "ip",
        "last_activity",
        "created_at",
        "client",
    )
    list_filter = ("client", "device_kind")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    ordering = ("-last_activity",)
    fields = SHOWN
    readonly_fields = SHOWN
    actions = ["end_sessions"]

    @admin.display(description=_("user"), ordering="user__email")
    def user_email(self, obj: Session) -> str:
        return obj.user.email if obj.user else "–"

    @admin.display(description=_("device"))
    def device(self, obj: Session) -> str:
        return snapshot_title(obj)

    @admin.display(description=_("location"))
    def location(self, obj: Session) -> str:
        return location_label(obj.country_code, obj.city)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deleting goes through revocation, below
        return actions

    @admin.action(description=_("End the selected sessions"), permissions=["delete"])
    def end_sessions(self, request, queryset) -> None:
        ended = revoke_sessions_by_id(queryset.values_list("id", flat=True), reason=Reason.STAFF)
        self.message_user(
            request,
            ngettext("%(count)d session was ended.", "%(count)d sessions were ended.", len(ended))
            % {"count": len(ended)},
            messages.SUCCESS,
        )

    def delete_model(self, request, obj: Session) -> None:
        revoke_sessions_by_id([obj.pk], reason=Reason.STAFF)

    def delete_queryset(self, request, queryset) -> None:
        revoke_sessions_by_id(queryset.values_list("id", flat=True), reason=Reason.STAFF)
