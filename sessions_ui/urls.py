from django.urls import path

from sessions_ui import review_views, views

app_name = "sessions_ui"

urlpatterns = [
    path("", views.device_list, name="devices"),
    path("sign-out-others/", views.sign_out_others, name="sign_out_others"),
    path("<uuid:public_id>/sign-out/", views.sign_out_device, name="sign_out"),
    path("<uuid:public_id>/it-was-me/", review_views.it_was_me, name="it_was_me"),
    path("<uuid:public_id>/not-me/", review_views.not_me, name="not_me"),
    path("secure-your-account/", review_views.secure_account, name="secure_account"),
]
