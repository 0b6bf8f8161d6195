from django.urls import path

from psm.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("accounts/", views.account_choices, name="account-choices"),
    path("<str:reference>/", views.case_detail, name="detail"),
    path("<str:reference>/reply/", views.case_reply, name="reply"),
    path("<str:reference>/note/", views.case_note, name="note"),
    path("<str:reference>/status/", views.case_status, name="status"),
    path("<str:reference>/priority/", views.case_priority, name="priority"),
    path("<str:reference>/assign/", views.case_assign, name="assign"),
    path(
        "<str:reference>/attachments/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
]
