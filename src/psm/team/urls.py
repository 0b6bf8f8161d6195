from django.urls import path

from psm.team import views

app_name = "team"
urlpatterns = [
    path("", views.people, name="people"),
    path("absences/new/", views.absence_create, name="absence-create"),
    path("<str:username>/", views.profile, name="profile"),
]
