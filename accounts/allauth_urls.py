"""allauth's pages that need the sudo window, and the sign-in code step, under /accounts/.

Included before ``allauth.urls``: the same addresses and names, so links and ``reverse`` keep
working, with ``reauthentication_required`` around allauth's own views.
"""

from allauth.account import views as allauth_views
from django.urls import path

from accounts import two_factor_views
from accounts.reauth import reauthentication_required

urlpatterns = [
    path("login/code/", two_factor_views.verify, name="two_factor_verify"),
    path(
        "password/change/",
        reauthentication_required(allauth_views.password_change),
        name="account_change_password",
    ),
    path(
        "email/",
        reauthentication_required(allauth_views.email, allow_get=True),
        name="account_email",
    ),
]
