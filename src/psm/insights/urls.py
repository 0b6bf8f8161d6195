from django.urls import path

from psm.insights import account, health_views, oversight_views, views

app_name = "insights"
urlpatterns = [
    path("accounts/<slug:slug>/", account.account_360, name="account"),
    path("accounts/<slug:slug>/health/", health_views.account_health, name="health"),
    path(
        "accounts/<slug:slug>/health/weights/",
        health_views.account_weights,
        name="health-weights",
    ),
    path("my-day/", views.my_day, name="my-day"),
    path("overview/", views.overview, name="overview"),
    path("search/", views.search, name="search"),
    path("insights/", oversight_views.manager_dashboard, name="dashboard"),
    path("insights/health/", health_views.accounts_by_band, name="health-list"),
    path(
        "insights/plans/<slug:plan_slug>/health-weights/",
        health_views.plan_weights,
        name="plan-weights",
    ),
    path("insights/sla/", oversight_views.sla_outcomes, name="sla"),
    path("insights/performance/", oversight_views.my_performance, name="performance"),
    path(
        "insights/performance/<str:username>/",
        oversight_views.engineer_performance,
        name="engineer-performance",
    ),
]
