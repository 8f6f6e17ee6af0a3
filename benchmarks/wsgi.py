"""gunicorn entry point; DJANGO_SETTINGS_MODULE names the configuration."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
