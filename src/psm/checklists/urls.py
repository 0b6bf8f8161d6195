"""Checklist URLs: ``/checklists/…`` (templates, the portal) and the account tab
``/accounts/<slug>/checklists/…``. Included at the root from ``psm/urls.py``."""

from django.urls import path

from psm.checklists import views

app_name = "checklists"

A = "accounts/<slug:slug>/checklists/"
RUN = A + "runs/<int:checklist_run_id>/"
P = "checklists/portal/"

urlpatterns = [
    path("checklists/", views.home, name="home"),
    path("checklists/templates/new/", views.template_new, name="template-new"),
    path("checklists/templates/<int:template_id>/", views.template_detail, name="template"),
    path(
        "checklists/templates/<int:template_id>/edit/",
        views.template_edit,
        name="template-edit",
    ),
    # The client's side.
    path(P, views.portal_list, name="portal"),
    path(P + "runs/<int:checklist_run_id>/", views.portal_run, name="portal-run"),
    path(
        P + "runs/<int:checklist_run_id>/evidence/<int:evidence_id>/",
        views.portal_evidence,
        name="portal-evidence",
    ),
    # One account.
    path(A, views.account_tab, name="account"),
    path(A + "add/", views.checklist_add, name="add"),
    path(A + "<int:checklist_id>/", views.checklist_detail, name="checklist"),
    path(A + "<int:checklist_id>/edit/", views.checklist_edit, name="checklist-edit"),
    path(A + "<int:checklist_id>/start/", views.checklist_start, name="start"),
    path(RUN, views.run_detail, name="run"),
    path(RUN + "steps/<int:step_id>/", views.step_record, name="step"),
    path(RUN + "steps/<int:step_id>/work-item/", views.step_work_item, name="step-work-item"),
    path(RUN + "sign-off/", views.run_sign_off, name="sign-off"),
    path(RUN + "cancel/", views.run_cancel, name="cancel"),
    path(RUN + "evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
    path(
        RUN + "evidence/<int:evidence_id>/remove/",
        views.evidence_remove,
        name="evidence-remove",
    ),
]
