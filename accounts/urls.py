from django.urls import path

from accounts import two_factor_views, views

urlpatterns = [
    path("confirm-password/", views.reauthenticate, name="reauthenticate"),
    path("two-factor/enable/", two_factor_views.enable, name="two_factor_enable"),
    path("two-factor/backup-codes/", two_factor_views.backup_codes, name="two_factor_backup_codes"),
    path(
        "two-factor/backup-codes/new/",
        two_factor_views.regenerate,
        name="two_factor_regenerate",
    ),
    path("two-factor/disable/", two_factor_views.disable, name="two_factor_disable"),
]
