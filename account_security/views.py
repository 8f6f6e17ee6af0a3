"""Kontosäkerhet, Säkerhetslogg and Enhetsaktivitet: the hub, the log, the device list and the
two ways to sign devices out.

Views only translate between HTTP and the functions in ``sessions_ui.revocation``; a GET never
changes anything, every change is a POST with CSRF and a confirmation page that works without
JavaScript.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from account_security.log_presentation import event_row
from account_security.models import ReviewReminder
from account_security.presentation import session_card, session_cards
from accounts.reauth import reauthentication_required
from accounts.security_log import events_for
from accounts.two_factor import (
    backup_codes_remaining,
    user_has_authenticator,
    user_has_two_factor,
)
from sessions_ui.devices import snapshot_title
from sessions_ui.middleware import current_public_id
from sessions_ui.models import Session
from sessions_ui.revocation import SessionNotFound, revoke_other_sessions, revoke_session

LOG_PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "HEAD"])
def security(request: HttpRequest) -> HttpResponse:
    cards = session_cards(request.user, current_public_id(request))
    two_factor_on = user_has_two_factor(request.user)
    has_authenticator = two_factor_on and user_has_authenticator(request.user)
    return render(
        request,
        "account_security/security.html",
        {
            "cards": cards[:3],
            "session_count": len(cards),
            "other_count": sum(not c.is_current for c in cards),
            "flagged_count": sum(c.is_flagged for c in cards),
            "two_factor_on": two_factor_on,
            "has_authenticator": has_authenticator,
            "backup_codes_left": backup_codes_remaining(request.user) if has_authenticator else 0,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def security_log(request: HttpRequest) -> HttpResponse:
    """Säkerhetslogg: the account's events, newest first, a page at a time."""
    page = Paginator(events_for(request.user), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    current = current_public_id(request)
    return render(
        request,
        "account_security/security_log.html",
        {"page": page, "rows": [event_row(event, current) for event in page]},
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def device_list(request: HttpRequest) -> HttpResponse:
    cards = session_cards(request.user, current_public_id(request))
    return render(
        request,
        "account_security/devices.html",
        {
            "current_card": next((c for c in cards if c.is_current), None),
            "other_cards": [c for c in cards if not c.is_current],
            "reminder_on": ReviewReminder.objects.filter(user=request.user).exists(),
        },
    )


def is_this_device(request: HttpRequest, public_id: uuid.UUID) -> bool:
    return public_id == current_public_id(request)


def session_not_found() -> Http404:
    """Another user's, an ended or an unknown session: the same 404, nothing revealed."""
    return Http404(_("No such session on your account."))


def end_session_and_say(
    request: HttpRequest,
    end: Callable[..., Any],
    public_id: uuid.UUID,
    current: uuid.UUID | None,
    *,
    then: str,
) -> HttpResponse:
    """The POST that signs out one other device: ``end(user, public_id, by_session=current)``
    (revocation or "Det var inte jag"), then one message naming the device, then ``then``."""
    try:
        ended = end(request.user, public_id, by_session=current)
    except SessionNotFound:
        raise session_not_found() from None
    messages.success(request, _("%(device)s was signed out.") % {"device": snapshot_title(ended)})
    return redirect(then)


# Ending sessions asks for the password again once the sudo window has passed (accounts.reauth);
# signing out the device in hand never does.
@login_required
@reauthentication_required(unless=is_this_device)
@require_http_methods(["GET", "HEAD", "POST"])
def sign_out_device(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    current = current_public_id(request)
    if public_id == current:
        # This device: the ordinary sign-out page does that.
        return redirect("account_logout")
    if request.method == "POST":
        return end_session_and_say(
            request, revoke_session, public_id, current, then="account_security:devices"
        )
    try:
        target = Session.objects.of_user(request.user).get(public_id=public_id)
    except Session.DoesNotExist:
        raise session_not_found() from None
    return render(
        request,
        "account_security/confirm_sign_out.html",
        {"card": session_card(target, current, timezone.now())},
    )


@login_required
@reauthentication_required
@require_http_methods(["GET", "HEAD", "POST"])
def sign_out_others(request: HttpRequest) -> HttpResponse:
    current = current_public_id(request)
    if request.method == "POST":
        ended = revoke_other_sessions(request.user, current)
        if ended:
            messages.success(
                request,
                ngettext(
                    "%(count)d device was signed out.",
                    "%(count)d devices were signed out.",
                    len(ended),
                )
                % {"count": len(ended)},
            )
        else:
            messages.info(request, _("There were no other devices to sign out."))
        return redirect("account_security:devices")
    others = Session.objects.of_user(request.user).exclude(public_id=current).count()
    return render(request, "account_security/confirm_sign_out_others.html", {"count": others})
