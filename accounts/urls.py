from django.urls import path

from accounts import passkey_views, two_factor_views, views

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
    path("passkeys/add/", passkey_views.add, name="passkey_add"),
    path("passkeys/<int:pk>/rename/", passkey_views.rename, name="passkey_rename"),
    path("passkeys/<int:pk>/remove/", passkey_views.remove, name="passkey_remove"),
]
