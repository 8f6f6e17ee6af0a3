from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from pixelunion import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="account_security", permanent=False)),
    # First: the 2FA code step, and allauth's password/email pages behind the sudo window.
    path("accounts/", include("accounts.allauth_urls")),
    # Passkey ceremonies (JSON for django-otp-webauthn's script): sign-in, 2FA, registration.
    path("accounts/passkey/", include("accounts.passkey_urls")),
    path("accounts/", include("allauth.urls")),
    path("account/security/", include("account_security.urls")),
    path("account/security/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    # The OpenID Connect provider (Immich signs in here): /.well-known/openid-configuration, …
    path("", include("allauth.idp.urls")),
]

handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
