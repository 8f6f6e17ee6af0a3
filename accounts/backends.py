"""Authentication backends that load a session's user and its 2FA status in one query.

``TwoFactorMiddleware`` asks on every signed-in request whether the account has a confirmed
authenticator or passkey (the answer can change in another session at any moment, so it is never cached
across requests). These backends answer it inside the query that loads the user anyway, so
2FA enforcement costs no extra query. That query runs on every signed-in request, so it is
compiled once per connection (:mod:`sessions_ui.prepared_query`): built as a queryset each time,
it cost about as much as the rest of the request. Behaviour is otherwise Django's and
allauth's own.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.two_factor import remember_two_factor_status
from sessions_ui.prepared_query import PreparedQuery

# No user has this primary key; it marks where the requested one goes in the compiled SQL.
_PK_PLACEHOLDER = -2_000_000_017


def _columns() -> list[str]:
    """The user's columns in ``Model.from_db`` order."""
    return [field.attname for field in get_user_model()._meta.concrete_fields]


def _user_and_two_factor(pk) -> QuerySet:
    user_model = get_user_model()
    confirmed = TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
    passkeys = WebAuthnCredential.objects.filter(user_id=OuterRef("pk"), confirmed=True)
    return (
        user_model._default_manager.annotate(_two_factor_on=Exists(confirmed) | Exists(passkeys))
        .filter(pk=pk)
        .values_list(*_columns(), "_two_factor_on")
    )


_QUERY = PreparedQuery(
    "accounts_user_and_two_factor",
    _user_and_two_factor,
    {"pk": (get_user_model()._meta.pk, _PK_PLACEHOLDER)},
)


def load_user_with_two_factor_status(user_id):
    """The user with ``user_id`` and whether it has a confirmed authenticator, in one query;
    ``None`` for an unknown or malformed id."""
    user_model = get_user_model()
    try:
        pk = user_model._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    if pk is None:
        return None
    using = router.db_for_read(user_model)
    rows = _QUERY.rows(using, pk=pk)
    if not rows:
        return None
    *values, two_factor_on = rows[0]
    user = user_model.from_db(using, _columns(), values)
    remember_two_factor_status(user, two_factor_on)
    return user


class TwoFactorStatusMixin:
    def get_user(self, user_id):
        user = load_user_with_two_factor_status(user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        return user

    async def aget_user(self, user_id):
        return await sync_to_async(self.get_user)(user_id)


class ModelBackend(TwoFactorStatusMixin, DjangoModelBackend):
    """Django's username/password backend (the admin's ``force_login``, tests)."""


class AuthenticationBackend(TwoFactorStatusMixin, AllauthBackend):
    """allauth's email/password backend, used by the sign-in page and the API."""
