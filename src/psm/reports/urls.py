"""Report URLs: ``/accounts/<slug>/reports/…`` for the provider's staff, ``/portal/reports/…``
for the client. Included from ``psm/urls.py`` at the root."""

from django.urls import path

from psm.reports import views

app_name = "reports"

A = "accounts/<slug:slug>/reports/"
D = A + "<int:definition_id>/"
R = A + "runs/<int:run_id>/"
P = "portal/reports/"

urlpatterns = [
    path(A, views.account_reports, name="account"),
    path(A + "new/", views.definition_new, name="new"),
    path(D, views.definition_edit, name="definition"),
    path(D + "delete/", views.definition_delete, name="delete"),
    path(D + "run/", views.definition_run, name="run-now"),
    path(D + "recipients/<int:recipient_id>/approve/", views.recipient_approve, name="approve"),
    path(R, views.run_detail, name="run"),
    path(R + "retry/", views.run_retry, name="retry"),
    path(R + "report.<str:fmt>", views.run_file, name="file"),
    path(P, views.portal_reports, name="portal"),
    path(P + "new/", views.portal_new, name="portal-new"),
    path(P + "<int:definition_id>/", views.portal_definition, name="portal-definition"),
    path(P + "runs/<int:run_id>/report.<str:fmt>", views.portal_file, name="portal-file"),
]
