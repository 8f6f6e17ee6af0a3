"""The password confirmation ("sudo") page that guards every sensitive change."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.forms import ReauthenticationForm
from accounts.passkeys import passkeys_of
from accounts.reauth import RateLimited, WrongCode, WrongPassword, safe_next
from accounts.reauth import reauthenticate as confirm
from accounts.two_factor import SecondFactorThrottled, user_has_authenticator
from accounts.two_factor_views import throttled_message


@sensitive_post_parameters("password", "code")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Ask for the password (and a code with an authenticator app), or a passkey, then go back
    to the action asked for. An account whose only factor is a passkey confirms with it: its
    password alone is not enough."""
    next_url = safe_next(request)
    needs_code = user_has_authenticator(request.user)
    has_passkey = passkeys_of(request.user).exists()
    password_allowed = needs_code or not has_passkey
    form = ReauthenticationForm(request.POST or None, needs_code=needs_code)
    status = 200
    if request.method == "POST" and not password_allowed:
        form.add_error(None, _("Confirm with your passkey."))
        status = 400
    elif request.method == "POST" and form.is_valid():
        try:
            confirm(request, form.cleaned_data["password"], form.cleaned_data.get("code", ""))
        except RateLimited:
            form.add_error(None, _("Too many attempts. Wait a minute and try again."))
            status = 429
        except WrongPassword:
            form.add_error("password", _("That password is not right."))
        except WrongCode:
            form.add_error("code", _("That code is not right. Try again."))
        except SecondFactorThrottled as error:
            form.add_error(None, throttled_message(error))
            status = 429
        else:
            return redirect(next_url)
    return render(
        request,
        "accounts/reauthenticate.html",
        {
            "form": form,
            "next": next_url,
            "needs_code": needs_code,
            "has_passkey": has_passkey,
            "password_allowed": password_allowed,
        },
        status=status,
    )
