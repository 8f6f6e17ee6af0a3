"""What the account has said about its own sign-ins ("Det var jag" / "Det var inte jag")."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Verdict(models.TextChoices):
    MINE = "mine", _("It was me")
    NOT_MINE = "not_mine", _("It wasn't me")


class SignInReview(models.Model):
    """The user's answer about one sign-in: "Det var jag" or "Det var inte jag".

    Keyed by the session's public id rather than a foreign key, because the answer must outlive
    the session row: the security log keeps the sign-in after the session ended, and the risk
    signals (``account_security.risk``) read both together. A "mine" answer stops the session's flags
    and teaches its place, device and hour; a "not mine" answer keeps that sign-in out of the
    history, so an intruder's place never becomes familiar.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="sign_in_reviews",
    )
    session_public_id = models.UUIDField(_("session"))
    verdict = models.CharField(_("answer"), max_length=8, choices=Verdict.choices)
    reviewed_at = models.DateTimeField(_("answered"))

    class Meta:
        # Created by the sessions app before the pages had an app of their own; the table kept
        # its name when the model moved (migrations: sessions_ui 0003, account_security 0001).
        db_table = "sessions_ui_signinreview"
        verbose_name = _("sign-in review")
        verbose_name_plural = _("sign-in reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "session_public_id"], name="signinreview_user_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_public_id}: {self.verdict}"


class ReviewReminder(models.Model):
    """An account that asked for the monthly email "Granska dina inloggade enheter" (the help
    article: "Månadsvis – som en regelbunden säkerhetsrutin"). The row is the opt-in; deleting
    it is the opt-out. ``token`` is the secret of the one-click unsubscribe link, so the link
    works without signing in and says nothing about the account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="review_reminder",
    )
    token = models.UUIDField(_("unsubscribe token"), unique=True, default=uuid.uuid4)
    created_at = models.DateTimeField(_("asked for"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("monthly review reminder")
        verbose_name_plural = _("monthly review reminders")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.last_sent_at or '-'}"
