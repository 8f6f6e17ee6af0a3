"""The security log: what happened to an account, when, and from which session.

Each event copies the session's public id, IP address, device and location *at that moment*:
sessions end and their rows are deleted, but the log must still say which device it was.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sessions_ui.models import ClientSnapshot


class EventKind(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in attempt")
    SIGN_OUT = "sign_out", _("Signed out")
    SESSION_ENDED = "session_ended", _("Device signed out")
    OTHER_SESSIONS_ENDED = "other_sessions_ended", _("All other devices signed out")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET = "password_reset", _("Password reset")
    EMAIL_CHANGED = "email_changed", _("Email address changed")
    TWO_FACTOR_ENABLED = "two_factor_enabled", _("Two-factor authentication turned on")
    TWO_FACTOR_DISABLED = "two_factor_disabled", _("Two-factor authentication turned off")
    BACKUP_CODE_USED = "backup_code_used", _("Backup code used")
    BACKUP_CODES_REGENERATED = "backup_codes_regenerated", _("New backup codes created")
    PASSKEY_ADDED = "passkey_added", _("Passkey added")
    PASSKEY_REMOVED = "passkey_removed", _("Passkey removed")
    PASSKEY_USED = "passkey_used", _("Passkey used")
    NEW_SIGN_IN_ALERT = "new_sign_in_alert", _("Alert about a new sign-in sent")
    # An app (Immich) could not be told that one of its sessions ended (immich.backchannel).
    APP_SIGN_OUT_FAILED = "app_sign_out_failed", _("An app could not be signed out")
    # Not a log entry: trusted sign-ins kept in summary when their events are pruned
    # (account_security.risk_summary); the Säkerhetslogg never lists it (LOG_HIDDEN_KINDS).
    SIGN_IN_SUMMARY = "sign_in_summary", _("Trusted sign-ins, summarised")


# Kinds stored with the events that are not events of the account: never listed as log entries.
LOG_HIDDEN_KINDS = frozenset({EventKind.SIGN_IN_SUMMARY})


# What an event keeps about the address beyond the client snapshot (see SecurityEvent).
PLACE_FIELDS = ("time_zone", "latitude", "longitude", "asn", "network")


class SecurityEvent(ClientSnapshot):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="security_events",
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=32, choices=EventKind.choices)
    # The session the event happened in (or, for "session ended", the session that ended).
    session_public_id = models.UUIDField(_("session"), null=True, blank=True)
    # Kind-specific facts: who ended a session and from where, how many devices, which method.
    details = models.JSONField(_("details"), default=dict, blank=True)
    # Where the address was, and its network, at that moment: the risk signals read the hours
    # of ended sessions in their own zone, measure travel from them, and know hosting networks.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    asn = models.PositiveIntegerField(_("autonomous system"), null=True, blank=True)
    network = models.CharField(_("network"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="securityevent_user_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d %H:%M})"
