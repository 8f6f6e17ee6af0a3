from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImmichConfig(AppConfig):
    name = "immich"
    verbose_name = _("Immich")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from immich import receivers  # noqa: F401  (authorization codes; ended sessions)
