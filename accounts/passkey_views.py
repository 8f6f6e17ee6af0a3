"""Pages and JSON endpoints of passkeys.

The ceremonies are django-otp-webauthn's views (JSON for its static JavaScript), subclassed
only where our rules differ from its defaults:

* registering needs the sudo window (``accounts.reauth``) like every change to 2FA, and names
  the passkey as chosen on the page before;
* an assertion requires user verification unless it is the second step after a password (a
  passkey alone, at sign-in or re-authentication, must be both factors);
* a verified assertion goes through ``accounts.passkeys`` (sign-in, its log, a new session key),
  not the library's own login.

The pages around them (add, rename, remove) are plain forms that work without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as library

from accounts.forms import PasskeyNameForm
from accounts.passkeys import (
    confirm_with_passkey,
    is_last_factor,
    passkey_of,
    passkey_registered,
    pending_name,
    remember_pending_name,
    remove_passkey,
    rename_passkey,
    sign_in_with_passkey,
)
from accounts.reauth import is_recently_authenticated, reauthentication_required, safe_next
from accounts.two_factor import second_factor_pending


class ReauthenticationNeeded(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_detail = gettext_lazy("Confirm it is you first, then add the passkey again.")
    default_code = "reauthentication_required"


# What the person is told (the library's script shows ``detail``), by the library's error code;
# its own texts have no Swedish and some (a wrong origin, a bad signature) are not translatable.
ERROR_TEXTS = {
    "reauthentication_required": ReauthenticationNeeded.default_detail,
    "not_authenticated": gettext_lazy("Sign in first."),
    "user_not_verified": gettext_lazy("Finish signing in with your second factor first."),
    "invalid_state": gettext_lazy("The passkey request has expired. Try again."),
    "credential_not_found": gettext_lazy(
        "This passkey is not known here. It may have been removed from your account."
    ),
    "credential_user_mismatch": gettext_lazy("This passkey belongs to another account."),
    "credential_disabled": gettext_lazy("This passkey cannot be used."),
    "user_disabled": gettext_lazy("This passkey cannot be used."),
    "malformed_request": gettext_lazy("The passkey could not be verified. Try again."),
}
DEFAULT_ERROR = gettext_lazy("The passkey could not be verified. Try again.")


class OurErrors:
    """The library's JSON errors, status and code kept, with a message of ours."""

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.OTPWebAuthnApiError):
            text = ERROR_TEXTS.get(exc.code, DEFAULT_ERROR)
            return JsonResponse({"detail": str(text), "code": exc.code}, status=exc.status_code)
        return super().handle_exception(exc)


# --- the ceremonies (JSON) -------------------------------------------------------------------
class BeginRegistration(OurErrors, library.BeginCredentialRegistrationView):
    def check_can_register(self):
        if not is_recently_authenticated(self.request):
            raise ReauthenticationNeeded()


class CompleteRegistration(OurErrors, library.CompleteCredentialRegistrationView):
    def check_can_register(self):
        if not is_recently_authenticated(self.request):
            raise ReauthenticationNeeded()

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            passkey = library.WebAuthnCredential.objects.get(
                pk=_json(response)["id"], user=self.request.user
            )
            passkey_registered(self.request, passkey)
            messages.success(
                self.request, _("The passkey “%(name)s” was added.") % {"name": passkey.name}
            )
        return response


class BeginAuthentication(OurErrors, library.BeginCredentialAuthenticationView):
    def post(self, *args, **kwargs):
        user = self.get_user()
        # User verification: discouraged only as the second step after a password.
        require_user_verification = not (user is not None and second_factor_pending(user))
        data, state = self.get_helper().authenticate_begin(
            user=user, require_user_verification=require_user_verification
        )
        self.request.session["otp_webauthn_authentication_state"] = state
        return JsonResponse(data)


class CompleteAuthentication(OurErrors, library.CompleteCredentialAuthenticationView):
    def complete_auth(self, device) -> None:
        request = self.request
        if request.user.is_authenticated and not second_factor_pending(request.user):
            confirm_with_passkey(request, device)  # the sudo window, fully signed in
        else:
            sign_in_with_passkey(request, device)

    def get_success_url(self):
        return safe_next(self.request, default=reverse("account_security"))


def _json(response: HttpResponse) -> dict:
    import json

    return json.loads(response.content)


# --- the pages -------------------------------------------------------------------------------
@reauthentication_required
@require_http_methods(["GET", "HEAD", "POST"])
def add(request: HttpRequest) -> HttpResponse:
    """Step 1, a plain form: the name. Step 2 (same page, once named): the ceremony."""
    form = PasskeyNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        remember_pending_name(request, form.cleaned_data["name"])
        return redirect("passkey_add")
    name = pending_name(request)
    if request.GET.get("rename") is not None:
        name = None
        form = PasskeyNameForm(initial={"name": pending_name(request) or ""})
    return render(request, "accounts/passkeys/add.html", {"form": form, "name": name})


def _own_passkey(request: HttpRequest, pk: int):
    passkey = passkey_of(request.user, pk)
    if passkey is None:
        raise Http404(_("No such passkey on your account."))
    return passkey


@reauthentication_required
@require_http_methods(["GET", "HEAD", "POST"])
def rename(request: HttpRequest, pk: int) -> HttpResponse:
    passkey = _own_passkey(request, pk)
    form = PasskeyNameForm(request.POST or None, initial={"name": passkey.name})
    if request.method == "POST" and form.is_valid():
        name = rename_passkey(passkey, form.cleaned_data["name"])
        messages.success(request, _("The passkey is now called “%(name)s”.") % {"name": name})
        return redirect("account_security")
    return render(request, "accounts/passkeys/rename.html", {"form": form, "passkey": passkey})


@reauthentication_required
@require_http_methods(["GET", "HEAD", "POST"])
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    passkey = _own_passkey(request, pk)
    if request.method == "POST":
        name = passkey.name
        if remove_passkey(request, passkey):
            messages.warning(
                request,
                _(
                    "The passkey “%(name)s” was removed. It was your last second factor, so "
                    "two-factor authentication is now off."
                )
                % {"name": name},
            )
        else:
            messages.success(request, _("The passkey “%(name)s” was removed.") % {"name": name})
        return redirect("account_security")
    return render(
        request,
        "accounts/passkeys/remove.html",
        {"passkey": passkey, "last_factor": is_last_factor(request.user, passkey)},
    )
