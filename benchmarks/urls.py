"""The benchmark's two addresses: sign the bench user in, and the tiny authenticated view."""

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse
from django.urls import path

BENCH_USERNAME = "bench"


def sign_in(request: HttpRequest) -> HttpResponse:
    """Signs in through each configuration's own middleware and first authentication backend,
    as its login view would: the backend named in the session is the one that loads the user
    on every request (this project's loads the 2FA status in the same query)."""
    user = get_user_model().objects.get(username=BENCH_USERNAME)
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    return HttpResponse("signed in")


def whoami(request: HttpRequest) -> HttpResponse:
    """The measured view: as small as an authenticated page gets."""
    if not request.user.is_authenticated:
        return HttpResponse("anonymous", status=403)
    return HttpResponse(f"user {request.user.pk}", content_type="text/plain")


urlpatterns = [path("bench/login/", sign_in), path("bench/", whoami)]
