from django.urls import path

from psm.portal import cases, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", cases.case_list, name="cases"),
    path("cases/new/", cases.case_create, name="case-create"),
    path("cases/<str:reference>/", cases.case_detail, name="case"),
    path("cases/<str:reference>/reply/", cases.case_reply, name="case-reply"),
]
