"""Kontosäkerhet: the hub page of the account's security."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from sessions_ui.presentation import session_cards
from sessions_ui.views import current_public_id


@login_required
@require_http_methods(["GET", "HEAD"])
def security(request: HttpRequest) -> HttpResponse:
    cards = session_cards(request.user, current_public_id(request))
    return render(
        request,
        "accounts/security.html",
        {
            "cards": cards[:3],
            "session_count": len(cards),
            "other_count": sum(not c.is_current for c in cards),
        },
    )
