from django.urls import path

from psm.coverage import views

app_name = "coverage"
urlpatterns = [
    path("", views.board, name="board"),
    path("holidays/<int:calendar_id>/", views.holiday_list, name="holidays"),
    path("holidays/<int:calendar_id>.ics", views.holiday_ics, name="holidays-ics"),
    path("<slug:slug>/", views.explain, name="explain"),
]
