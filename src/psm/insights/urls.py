from django.urls import path

from psm.insights import views

app_name = "insights"
urlpatterns = [
    path("my-day/", views.my_day, name="my-day"),
    path("overview/", views.overview, name="overview"),
    path("search/", views.search, name="search"),
]
