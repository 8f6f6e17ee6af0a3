"""allauth's adapter, the seam where allauth asks the project how to do things."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from sessions_ui.client import client_from_request


def site_link(url: str) -> str:
    """``url`` (absolute or a path) on ``SITE_URL``: its path, query and fragment, our scheme
    and host. The request's Host header is the client's to choose (any port of an allowed host
    passes ``ALLOWED_HOSTS``): an emailed link built from it could point elsewhere."""
    parts = urlsplit(url)
    return settings.SITE_URL + urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


def site() -> SimpleNamespace:
    """What allauth's email templates call ``current_site`` (name, domain), from ``SITE_URL``."""
    host = urlsplit(settings.SITE_URL).netloc
    return SimpleNamespace(name=host, domain=host)


class AccountAdapter(DefaultAccountAdapter):
    # --- every emailed link is built from SITE_URL, never from the request's Host ---------------
    def get_reset_password_from_key_url(self, key: str) -> str:
        return site_link(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation) -> str:
        return site_link(super().get_email_confirmation_url(request, emailconfirmation))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's mails, with every ``*_url`` in the context (the sign-up and password reset
        links of "unknown account" mails too) and ``current_site`` taken from SITE_URL."""
        context = {
            **context,
            "current_site": site(),
            **{
                name: site_link(value)
                for name, value in context.items()
                if name.endswith("_url") and isinstance(value, str) and value
            },
        }
        super().send_mail(template_prefix, email, context)

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
