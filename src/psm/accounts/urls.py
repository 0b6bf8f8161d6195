from django.urls import path

from psm.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_create, name="create"),
    path("<slug:slug>/edit/", views.account_edit, name="edit"),
    path("<slug:slug>/sites/new/", views.site_create, name="site-create"),
    path("<slug:slug>/contacts/new/", views.contact_create, name="contact-create"),
    path("<slug:slug>/contacts/<int:contact_id>/edit/", views.contact_edit, name="contact-edit"),
    path(
        "<slug:slug>/contacts/<int:contact_id>/portal/",
        views.contact_portal,
        name="contact-portal",
    ),
    path("<slug:slug>/sites/<int:site_id>/edit/", views.site_edit, name="site-edit"),
    path("<slug:slug>/installs/import/", views.installs_import, name="installs-import"),
    path("<slug:slug>/team/assign/", views.assignment_create, name="assign"),
]
