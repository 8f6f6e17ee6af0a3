"""Project-wide response rules."""

from __future__ import annotations

from django.utils.cache import add_never_cache_headers

from sessions_ui.middleware import API_PREFIX

PRIVATE_PREFIXES = ("/account/", "/accounts/", "/admin/", API_PREFIX)


class NoStoreMiddleware:
    """Account pages and API answers are never kept by a browser or proxy cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(PRIVATE_PREFIXES):
            add_never_cache_headers(response)
        return response
