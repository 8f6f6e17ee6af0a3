"""allauth's adapter, the seam where allauth asks the project how to do things."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse

from sessions_ui.client import client_from_request


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The same client IP as every session row (``TRUSTED_PROXIES`` rules).

        allauth's own reading ignores ``TRUSTED_PROXIES``: behind our proxy every visitor
        would share the proxy's address and so one rate-limit budget, letting one attacker
        lock everybody out of signing in.
        """
        ip = client_from_request(request).ip
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        """Back to Kontosäkerhet, where allauth's "Lösenordet har ändrats" message shows
        (allauth's default is the password form again, which reads as if nothing happened)."""
        return reverse("account_security")
