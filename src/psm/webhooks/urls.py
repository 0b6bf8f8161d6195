"""Webhook pages for the provider's staff: ``/webhooks/…``."""

from django.urls import path

from psm.webhooks import views

app_name = "webhooks"

E = "<int:endpoint_id>/"
D = E + "deliveries/<int:delivery_id>/"

urlpatterns = [
    path("", views.endpoint_list, name="list"),
    path("new/", views.endpoint_new, name="new"),
    path(E, views.endpoint_detail, name="endpoint"),
    path(E + "edit/", views.endpoint_edit, name="edit"),
    path(E + "rotate/", views.endpoint_rotate, name="rotate"),
    path(E + "disable/", views.endpoint_disable, name="disable"),
    path(E + "enable/", views.endpoint_enable, name="enable"),
    path(E + "test/", views.endpoint_test, name="test"),
    path(D, views.delivery_detail, name="delivery"),
    path(D + "replay/", views.delivery_replay, name="replay"),
]
