"""Pages of two-factor authentication: set-up, backup codes, turning off, the sign-in code step.

Views translate between HTTP and ``accounts.two_factor`` / ``accounts.sign_in``; every change
is a POST with CSRF, and everything but the code step needs the sudo window.
"""

from __future__ import annotations

from urllib.parse import quote

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.forms import AuthenticatorCodeForm, CodeForm
from accounts.passkeys import passkeys_of
from accounts.reauth import reauthentication_required, safe_next
from accounts.sign_in import complete_code_step
from accounts.two_factor import (
    SecondFactorThrottled,
    backup_codes_remaining,
    confirm_authenticator,
    disable_two_factor,
    otpauth_uri,
    pending_authenticator,
    qr_svg,
    regenerate_backup_codes,
    second_factor_pending,
    secret_text,
    user_has_authenticator,
    user_has_two_factor,
)

NEW_CODES_SESSION_KEY = "accounts_new_backup_codes"


def throttled_message(error: SecondFactorThrottled) -> str:
    seconds = 1
    if error.locked_until is not None:
        seconds = max(1, int((error.locked_until - timezone.now()).total_seconds() + 0.999))
    return ngettext(
        "Too many wrong codes. Wait %(seconds)d second and try again.",
        "Too many wrong codes. Wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}


@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The code step of sign-in (the only page a half-signed-in session may use)."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    next_url = safe_next(request)
    if not second_factor_pending(request.user):
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            match = complete_code_step(request, form.cleaned_data["code"])
        except SecondFactorThrottled as error:
            form.add_error(None, throttled_message(error))
            status = 429
        else:
            if match is not None:
                get_adapter(request).add_message(
                    request,
                    messages.SUCCESS,
                    "account/messages/logged_in.txt",
                    {"user": request.user},
                )
                if match.method == "backup_code":
                    left = backup_codes_remaining(request.user)
                    messages.warning(
                        request,
                        ngettext(
                            "You used a backup code. %(count)d backup code is left.",
                            "You used a backup code. %(count)d backup codes are left.",
                            left,
                        )
                        % {"count": left},
                    )
                return redirect(next_url)
            form.add_error("code", _("That code is not right. Try again."))
    context = {
        "form": form,
        "next": next_url,
        "has_authenticator": user_has_authenticator(request.user),
        "has_passkey": passkeys_of(request.user).exists(),
    }
    return render(request, "accounts/two_factor/verify.html", context, status=status)


@sensitive_post_parameters("code")
@reauthentication_required
@require_http_methods(["GET", "HEAD", "POST"])
def enable(request: HttpRequest) -> HttpResponse:
    if user_has_authenticator(request.user):
        messages.info(request, _("Two-factor authentication is already on."))
        return redirect("account_security")
    device = pending_authenticator(request.user)
    form = AuthenticatorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = confirm_authenticator(request, device, form.cleaned_data["code"])
        except SecondFactorThrottled as error:
            form.add_error("code", throttled_message(error))
            status = 429
        else:
            if codes is not None:
                request.session[NEW_CODES_SESSION_KEY] = codes
                messages.success(request, _("Two-factor authentication is on."))
                return redirect("two_factor_backup_codes")
            form.add_error(
                "code",
                _(
                    "That code is not right, so two-factor authentication is still off. "
                    "Enter the code the app shows now."
                ),
            )
    uri = otpauth_uri(device)
    return render(
        request,
        "accounts/two_factor/enable.html",
        {
            "form": form,
            "qr_svg": qr_svg(uri, title=_("QR code for your authenticator app")),
            "secret": secret_text(device),
            # On the phone that holds the authenticator app there is nothing to scan: the link
            # opens the app with the account filled in.
            "otpauth_uri": uri,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes, shown once: they leave the session as this page is rendered."""
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not codes:
        messages.info(
            request,
            _("Backup codes are shown only once. Create new ones if you have lost them."),
        )
        return redirect("account_security")
    text = "\n".join([_("PixelUnion backup codes (each works once):"), "", *codes, ""])
    return render(
        request,
        "accounts/two_factor/backup_codes.html",
        {"codes": codes, "download_href": "data:text/plain;charset=utf-8," + quote(text)},
    )


@reauthentication_required
@require_http_methods(["GET", "HEAD", "POST"])
def regenerate(request: HttpRequest) -> HttpResponse:
    if not user_has_authenticator(request.user):
        return redirect("account_security")
    if request.method == "POST":
        request.session[NEW_CODES_SESSION_KEY] = regenerate_backup_codes(request)
        messages.success(request, _("New backup codes were created. The old ones no longer work."))
        return redirect("two_factor_backup_codes")
    return render(
        request,
        "accounts/two_factor/regenerate.html",
        {"remaining": backup_codes_remaining(request.user)},
    )


@reauthentication_required
@require_http_methods(["GET", "HEAD", "POST"])
def disable(request: HttpRequest) -> HttpResponse:
    if not user_has_two_factor(request.user):
        return redirect("account_security")
    if request.method == "POST":
        disable_two_factor(request)
        messages.success(request, _("Two-factor authentication is off."))
        return redirect("account_security")
    return render(request, "accounts/two_factor/disable.html")
