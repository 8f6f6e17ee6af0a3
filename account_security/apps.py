from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountSecurityConfig(AppConfig):
    name = "account_security"
    verbose_name = _("Account security")

    def ready(self) -> None:
        from account_security import (
            alerts,  # noqa: F401  (new sign-in emails, on sign-in events)
            risk_summary,  # noqa: F401  (trusted sign-ins kept on pruning)
        )
