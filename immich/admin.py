from django.contrib import admin

from immich.models import Authorization, ImmichAccount, LogoutDelivery


@admin.register(Authorization)
class AuthorizationAdmin(admin.ModelAdmin):
    list_display = ("user", "authorized_at", "exchanged_at", "mobile", "session_public_id")
    readonly_fields = [f.name for f in Authorization._meta.fields]
    search_fields = ("user__email", "session_public_id", "immich_session_id")


@admin.register(ImmichAccount)
class ImmichAccountAdmin(admin.ModelAdmin):
    list_display = ("user", "immich_user_id", "synced_at")
    readonly_fields = ("user", "immich_user_id", "synced_at")


@admin.register(LogoutDelivery)
class LogoutDeliveryAdmin(admin.ModelAdmin):
    list_display = ("sid", "user", "state", "attempts", "next_attempt_at", "last_error")
    list_filter = ("state",)
    readonly_fields = [f.name for f in LogoutDelivery._meta.fields]
