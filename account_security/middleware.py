"""Tell a signed-out device so: "Du har loggats ut från den här enheten".

A device signed out from elsewhere (Enhetsaktivitet on another device, a password change,
support) comes back with a cookie whose session is gone, and used to land on a bare login page,
as if it had been forgotten. Revocation leaves the key's hash behind (``sessions_ui.EndedKey``);
the first request that brings that key back finds it, deletes it and adds the message, which
the next page shows (the login page, after the redirect). Django deletes the dead cookie in the
same response, so the lookup happens once per ended session, and never for signed-in requests.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from sessions_ui.keys import hash_key, is_valid_key
from sessions_ui.middleware import is_token_request
from sessions_ui.models import EndedKey


def was_signed_out_elsewhere(request: HttpRequest) -> bool:
    """True once for a request that brings back the key of a session ended from elsewhere."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key or is_token_request(request) or not is_valid_key(key):
        return False
    if request.user.is_authenticated:
        return False
    # The key still names a live session (an anonymous one: a sign-in or passkey ceremony in
    # progress): nothing ended, no query. Loading a missing key leaves the store without one.
    if request.session.session_key is not None:
        return False
    deleted, _rows = EndedKey.objects.filter(key_hash=hash_key(key)).delete()
    return bool(deleted)


class SignedOutNoticeMiddleware:
    """After ``MessageMiddleware`` (and authentication): the message for a signed-out device."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if was_signed_out_elsewhere(request):
            messages.info(request, _("You have been signed out of this device."))
        return self.get_response(request)
