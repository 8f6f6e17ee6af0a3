"""The WSGI application gunicorn (and ``runserver``) serve: Django, with the Immich gate's
subrequests answered in front of it (immich/gate_wsgi.py says why)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pixelunion.settings")
application = get_wsgi_application()

from immich.gate_wsgi import GateFirst  # noqa: E402 - needs the settings and apps loaded above

application = GateFirst(application)
