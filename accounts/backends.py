"""Authentication backends that load a session's user and its 2FA status in one query.

``TwoFactorMiddleware`` asks on every signed-in request whether the account has a confirmed
authenticator (the answer can change in another session at any moment, so it is never cached
across requests). These backends answer it inside the query that loads the user anyway, so
2FA enforcement costs no extra query. Behaviour is otherwise Django's and allauth's own.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import remember_two_factor_status


class TwoFactorStatusMixin:
    def get_user(self, user_id):
        user_model = get_user_model()
        confirmed = TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
        user = (
            user_model._default_manager.annotate(_two_factor_on=Exists(confirmed))
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        remember_two_factor_status(user, user._two_factor_on)
        return user

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)


class ModelBackend(TwoFactorStatusMixin, DjangoModelBackend):
    """Django's username/password backend (the admin's ``force_login``, tests)."""


class AuthenticationBackend(TwoFactorStatusMixin, AllauthBackend):
    """allauth's email/password backend, used by the sign-in page and the API."""
