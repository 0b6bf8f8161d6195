from django.urls import path

from psm.insights import account, views

app_name = "insights"
urlpatterns = [
    path("accounts/<slug:slug>/", account.account_360, name="account"),
    path("my-day/", views.my_day, name="my-day"),
    path("overview/", views.overview, name="overview"),
    path("search/", views.search, name="search"),
]
