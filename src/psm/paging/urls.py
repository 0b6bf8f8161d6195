from django.urls import path

from psm.paging import views

app_name = "paging"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:page_id>/", views.detail, name="detail"),
    path("<int:page_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:page_id>/resolve/", views.resolve, name="resolve"),
    path("ack/<str:token>/", views.ack_link, name="ack-link"),
    path("api/pages/<int:page_id>/", views.api_page, name="api-page"),
    path("api/pages/<int:page_id>/acknowledge/", views.api_acknowledge, name="api-acknowledge"),
]
