from django.urls import path

from psm.paging import views

app_name = "paging"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:page_id>/", views.detail, name="detail"),
    path("<int:page_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:page_id>/resolve/", views.resolve, name="resolve"),
    path("ack/<str:token>/", views.ack_link, name="ack-link"),
]
