from django.apps import AppConfig


class PixelUnionConfig(AppConfig):
    name = "pixelunion"
    verbose_name = "PixelUnion"

    def ready(self) -> None:
        from pixelunion import checks  # noqa: F401  (registers the deployment checks)
