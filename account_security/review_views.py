"""The two answers to a flagged session, and the walk-through after "Det var inte jag".

Like the sign-out pages: a GET shows a confirmation page (no JavaScript needed) and changes
nothing, the answer is a POST with CSRF, and only the user's own sessions are found (404
otherwise). Both answers change what the account trusts, so both ask for the password again
once the sudo window has passed (``accounts.reauth``).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from account_security.presentation import SessionCard, session_cards
from account_security.reviews import confirm_session, disown_session
from account_security.views import (
    end_session_and_say,
    is_this_device,
    session_not_found,
)
from accounts.reauth import reauthentication_required
from accounts.two_factor import user_has_two_factor
from sessions_ui.middleware import current_public_id
from sessions_ui.revocation import SessionNotFound


def _card(request: HttpRequest, public_id: uuid.UUID) -> SessionCard:
    """The session as the device list shows it, flags included; 404 if not the user's."""
    for card in session_cards(request.user, current_public_id(request)):
        if card.public_id == public_id:
            return card
    raise session_not_found()


@login_required
@reauthentication_required
@require_http_methods(["GET", "HEAD", "POST"])
def it_was_me(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    if request.method == "POST":
        try:
            confirm_session(request.user, public_id)
        except SessionNotFound:
            raise session_not_found() from None
        messages.success(
            request,
            _("Thank you. This sign-in is marked as yours and will not be flagged again."),
        )
        return redirect("account_security:devices")
    return render(
        request, "account_security/confirm_it_was_me.html", {"card": _card(request, public_id)}
    )


@login_required
@reauthentication_required(unless=is_this_device)
@require_http_methods(["GET", "HEAD", "POST"])
def not_me(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    current = current_public_id(request)
    if public_id == current:
        # Someone else on the very device in hand: signing out here is the ordinary sign-out.
        return redirect("account_logout")
    if request.method == "POST":
        return end_session_and_say(
            request, disown_session, public_id, current, then="account_security:secure_account"
        )
    return render(
        request, "account_security/confirm_not_me.html", {"card": _card(request, public_id)}
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def secure_account(request: HttpRequest) -> HttpResponse:
    """The seed's steps after suspicious activity: password, 2FA, support."""
    return render(
        request,
        "account_security/secure_account.html",
        {
            "two_factor_on": bool(user_has_two_factor(request.user)),
            "two_factor_url": reverse("two_factor_enable"),
        },
    )
