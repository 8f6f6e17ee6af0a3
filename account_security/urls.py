"""Kontosäkerhet and its pages, under /account/security/; the device pages in the
``account_security`` namespace."""

from django.urls import include, path

from account_security import reminder_views, review_views, views

device_patterns = [
    path("", views.device_list, name="devices"),
    path("sign-out-others/", views.sign_out_others, name="sign_out_others"),
    path("<uuid:public_id>/sign-out/", views.sign_out_device, name="sign_out"),
    path("<uuid:public_id>/it-was-me/", review_views.it_was_me, name="it_was_me"),
    path("<uuid:public_id>/not-me/", review_views.not_me, name="not_me"),
    path("secure-your-account/", review_views.secure_account, name="secure_account"),
]

urlpatterns = [
    path("", views.security, name="account_security"),
    path("log/", views.security_log, name="security_log"),
    path("reminders/", reminder_views.review_reminder, name="review_reminder"),
    path(
        "reminders/unsubscribe/<uuid:token>/",
        reminder_views.unsubscribe_link,
        name="review_reminder_unsubscribe",
    ),
    path("devices/", include((device_patterns, "account_security"))),
]
