"""What the Immich integration keeps: Immich's authorizations, the link to Immich's sessions,
and the outbox of back-channel logouts.

The session itself is a row of ``sessions_ui.Session`` (client ``immich``): its public id is the
``sid`` of the ID token, which Immich stores on its own session as ``oauthSid``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Authorization(models.Model):
    """One "Logga in med PixelUnion" from Immich: the authorization code allauth issued (its
    ``grant_id``), who approved it from which browser, and the session it became.

    Written when the code is issued (the user's own request, so the browser, place and second
    factor are known); completed at the token exchange, when Immich turns it into a session.
    """

    grant_id = models.CharField(_("grant"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="immich_authorizations",
    )
    authorized_at = models.DateTimeField(_("authorized"), default=timezone.now)
    # The browser that approved it (for the mobile app: the phone's in-app browser).
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    # django-otp's persistent id of the device that verified the approving session, if any.
    otp_device = models.CharField(_("second factor"), max_length=255, blank=True)
    # RFC 8176 methods of the approving session's sign-in (accounts.sign_in.AMR); empty for
    # authorizations written before they were kept (then told from ``otp_device``).
    amr = models.JSONField(_("authentication methods"), default=list, blank=True)
    # Redirected to the Immich app (app.immich:///oauth-callback or /api/oauth/mobile-redirect).
    mobile = models.BooleanField(_("mobile app"), default=False)
    # Set at the token exchange: the session row (= sid) and when.
    session_public_id = models.UUIDField(_("session"), null=True, blank=True, unique=True)
    exchanged_at = models.DateTimeField(_("exchanged"), null=True, blank=True)
    # Immich's own session id, once the sync has linked it (immich.linking).
    immich_session_id = models.CharField(
        _("Immich session"), max_length=64, null=True, blank=True, unique=True
    )
    # The SHA-256 of the session's Immich token, once the gate has seen it (immich.gate): the
    # session row is keyed by it from then on. Never the token itself.
    token_hash = models.CharField(_("token hash"), max_length=64, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("Immich authorization")
        verbose_name_plural = _("Immich authorizations")
        indexes = [models.Index(fields=["user", "exchanged_at"], name="immich_auth_user_exch")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.session_public_id or self.grant_id}"

    @property
    def second_factor(self) -> bool:
        return bool(self.otp_device)

    @property
    def methods(self) -> list[str]:
        """The ``amr`` claim: as kept, or (older rows) what ``otp_device`` implies."""
        if self.amr:
            return list(self.amr)
        return ["pwd", "otp", "mfa"] if self.second_factor else ["pwd"]


class ImmichAccount(models.Model):
    """Which Immich user is ours (Immich's ``oauthId`` is our ``sub``), found once and kept."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="immich_account",
    )
    immich_user_id = models.CharField(_("Immich user"), max_length=64)
    synced_at = models.DateTimeField(_("synced"), null=True, blank=True)

    class Meta:
        verbose_name = _("Immich account")
        verbose_name_plural = _("Immich accounts")

    def __str__(self) -> str:
        return self.immich_user_id


class LogoutDelivery(models.Model):
    """The outbox: one back-channel logout to deliver to Immich for one ended session.

    The logout token is minted afresh at every attempt (Immich accepts tokens at most two
    minutes old), so the row keeps only what goes into it.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    sid = models.UUIDField(_("session"))
    sub = models.CharField(_("subject"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=9, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("back-channel logout")
        verbose_name_plural = _("back-channel logouts")

    def __str__(self) -> str:
        return f"{self.sid} ({self.state})"


class EndedImmichSession(models.Model):
    """An Immich session ended here, remembered so the gate refuses its token at once, on
    every app server and whatever the back-channel delivery is doing (immich.gate).

    Kept for ``IMMICH_SESSION_ABSOLUTE_LIFETIME`` (no token outlives it), then pruned by
    ``manage.py immich_sync``.
    """

    token_hash = models.CharField(_("token hash"), max_length=64, null=True, blank=True, unique=True)
    immich_session_id = models.CharField(
        _("Immich session"), max_length=64, null=True, blank=True, unique=True
    )
    ended_at = models.DateTimeField(_("ended"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("ended Immich session")
        verbose_name_plural = _("ended Immich sessions")

    def __str__(self) -> str:
        return self.immich_session_id or (self.token_hash or "")[:12]
