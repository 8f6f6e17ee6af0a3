"""Support's read-only view of the answers people gave about flagged sign-ins."""

from __future__ import annotations

from django.contrib import admin

from account_security.models import SignInReview


@admin.register(SignInReview)
class SignInReviewAdmin(admin.ModelAdmin):
    """Support can see what a user answered about a flagged sign-in ("Det var jag" or not)."""

    list_display = ("user", "session_public_id", "verdict", "reviewed_at")
    list_filter = ("verdict",)
    search_fields = ("user__email", "session_public_id")
    readonly_fields = ("user", "session_public_id", "verdict", "reviewed_at")

    def has_add_permission(self, request) -> bool:
        return False
