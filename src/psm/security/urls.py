from django.urls import path

from psm.security import views

app_name = "security"

urlpatterns = [
    path("", views.home, name="home"),
    path("app/", views.setup_totp, name="setup-totp"),
    path("recovery/", views.recovery, name="recovery"),
    path("remove/", views.remove, name="remove"),
    path("verify/", views.verify, name="verify"),
]
