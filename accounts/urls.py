from django.urls import include, path

from accounts import views

urlpatterns = [
    path("", views.security, name="account_security"),
    path("devices/", include("sessions_ui.urls")),
]
