"""Mounted at /api/: django-ninja's routes (operations, /openapi.json, /docs), then a JSON 404
for every other address, so nothing under /api/ ever answers with an HTML page."""

from django.urls import include, path, re_path

from api.errors import json_method_not_allowed, not_found
from api.views import api

_patterns, _app, _namespace = api.urls
for _pattern in _patterns:
    _pattern.callback = json_method_not_allowed(_pattern.callback)

urlpatterns = [
    path("", include((_patterns, _app), namespace=_namespace)),
    re_path(r"^(?P<rest>.*)$", not_found, name="api_not_found"),
]
