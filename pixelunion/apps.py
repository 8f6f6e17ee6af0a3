from django.apps import AppConfig


class PixelUnionConfig(AppConfig):
    name = "pixelunion"
    verbose_name = "PixelUnion"

    def ready(self) -> None:
        from pixelunion import checks  # noqa: F401  (registers the deployment checks)
        from pixelunion.log import connect_request_signals

        connect_request_signals()
