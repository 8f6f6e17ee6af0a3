"""The passkey ceremonies' JSON endpoints, under the library's namespace (``otp_webauthn``) so
its template tags and JavaScript find them, served by our subclasses (``accounts.passkey_views``).
"""

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from accounts import passkey_views

app_name = "otp_webauthn"

urlpatterns = [
    path(
        "registration/begin/",
        passkey_views.BeginRegistration.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        passkey_views.CompleteRegistration.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        passkey_views.BeginAuthentication.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        passkey_views.CompleteAuthentication.as_view(),
        name="credential-authentication-complete",
    ),
    # The library script's texts; Swedish from our locale/sv/LC_MESSAGES/djangojs.po.
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
