"""The one session table: every browser and app session of every account.

The session key itself is never stored, only its SHA-256 hash, so a copy of this table yields no
usable cookie or token. URLs, pages and the API name a session by its random ``public_id``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sessions_ui.client import USER_AGENT_MAX


class ClientKind(models.TextChoices):
    WEB = "web", _("Browser")
    APP = "app", _("Mobile app")
    # A session of the Immich server (web or app) signed in through our OpenID Connect provider;
    # its public id is the ``sid`` Immich keeps (immich/).
    IMMICH = "immich", _("Immich")


class DeviceKind(models.TextChoices):
    DESKTOP = "desktop", _("Computer")
    MOBILE = "mobile", _("Mobile")
    TABLET = "tablet", _("Tablet")
    APP = "app", _("Mobile app")
    UNKNOWN = "unknown", _("Unknown device")


class SessionQuerySet(models.QuerySet):
    def active(self) -> SessionQuerySet:
        from django.utils import timezone

        return self.filter(expire_date__gt=timezone.now())

    def of_user(self, user) -> SessionQuerySet:
        return self.filter(user=user).active()


class ClientSnapshot(models.Model):
    """Who a client was at one moment: kept live on a session, frozen on a security event."""

    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    device_kind = models.CharField(
        _("device type"), max_length=8, choices=DeviceKind.choices, default=DeviceKind.UNKNOWN
    )
    browser = models.CharField(_("browser"), max_length=64, blank=True)
    os = models.CharField(_("operating system"), max_length=64, blank=True)
    device_model = models.CharField(_("device model"), max_length=64, blank=True)
    app_version = models.CharField(_("app version"), max_length=32, blank=True)
    country_code = models.CharField(_("country"), max_length=2, blank=True)
    city = models.CharField(_("city"), max_length=128, blank=True)

    class Meta:
        abstract = True


SNAPSHOT_FIELDS = tuple(field.name for field in ClientSnapshot._meta.fields)
# What a list of sessions shows (the API's, the admin's): no key hash, no session data.
LIST_FIELDS = ("public_id", "client", "created_at", "last_activity", *SNAPSHOT_FIELDS)


class Session(ClientSnapshot):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    session_data = models.TextField(_("session data"), editable=False)
    expire_date = models.DateTimeField(_("expires"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tracked_sessions",
    )
    client = models.CharField(
        _("client"), max_length=8, choices=ClientKind.choices, default=ClientKind.WEB
    )
    created_at = models.DateTimeField(_("signed in"))
    last_activity = models.DateTimeField(_("last activity"))

    # The client as last seen (ClientSnapshot's fields, plus these); parsed and located only
    # when the IP or user agent changes.
    user_agent = models.CharField(_("user agent"), max_length=USER_AGENT_MAX, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["user", "-last_activity"], name="session_user_activity")]

    def __str__(self) -> str:
        return str(self.public_id)


class RevokedKey(models.Model):
    """A session key hash that was ended, kept while a cache could still hold its old row.

    Written in the same transaction as the DELETE that ends the session, so the debt survives
    the process that made it (a worker that exits, a cache that is away and comes back with its
    data); every process reads the new rows now and then (``sessions_ui.revoked_keys``).
    """

    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), db_index=True)

    class Meta:
        verbose_name = _("revoked key")
        verbose_name_plural = _("revoked keys")

    def __str__(self) -> str:
        return f"revoked at {self.revoked_at:%Y-%m-%d %H:%M:%S}"
