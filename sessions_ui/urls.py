from django.urls import path

from sessions_ui import views

app_name = "sessions_ui"

urlpatterns = [
    path("", views.device_list, name="devices"),
    path("sign-out-others/", views.sign_out_others, name="sign_out_others"),
    path("<uuid:public_id>/sign-out/", views.sign_out_device, name="sign_out"),
]
