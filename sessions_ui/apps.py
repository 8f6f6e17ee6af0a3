from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionsUiConfig(AppConfig):
    name = "sessions_ui"
    verbose_name = _("Sessions")

    def ready(self) -> None:
        from sessions_ui import geo  # noqa: F401  (connects the GEOIP_DB setting_changed receiver)
