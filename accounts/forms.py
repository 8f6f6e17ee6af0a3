"""Forms of the 2FA, re-authentication and code-step pages (no JavaScript needed)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """A code from the authenticator app, or a backup code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class AuthenticatorCodeForm(forms.Form):
    """The six digits the authenticator app shows, to confirm the set-up."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ReauthenticationForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, *args, needs_code: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if needs_code:
            self.fields["code"] = forms.CharField(
                label=_("Two-factor code"),
                help_text=_("From your authenticator app, or one of your backup codes."),
                max_length=32,
                widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
            )


class PasskeyNameForm(forms.Form):
    """The name a passkey is listed by (the device or password manager that holds it)."""

    name = forms.CharField(
        label=_("Name of the passkey"),
        help_text=_("For example the device or password manager that keeps it: “iPhone”."),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Give the passkey a name."))
        return name
