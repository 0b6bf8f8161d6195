"""Knowledge base URLs: ``/knowledge/…`` (staff and the portal) and the account tab
``/accounts/<slug>/knowledge/…``. Included at the root from ``psm/urls.py``."""

from django.urls import path

from psm.knowledge.views import portal, staff

app_name = "knowledge"

K = "knowledge/"
ART = K + "<int:article_id>/"
P = K + "portal/"

urlpatterns = [
    path(K, staff.home, name="home"),
    path(K + "new/", staff.create, name="create"),
    path(ART, staff.article_detail, name="article"),
    path(ART + "edit/", staff.edit, name="edit"),
    path(ART + "delete/", staff.delete, name="delete"),
    path(ART + "revisions/", staff.revisions, name="revisions"),
    path(ART + "revisions/<int:number>/", staff.revision, name="revision"),
    path(ART + "revisions/<int:number>/restore/", staff.restore, name="restore"),
    path(ART + "files/", staff.upload, name="upload"),
    path(ART + "files/<int:file_id>/", staff.file, name="file"),
    path(ART + "files/<int:file_id>/remove/", staff.remove_file, name="remove-file"),
    # The case page's "insert an article into the reply".
    path(K + "cases/<str:reference>/", staff.case_search, name="case-articles"),
    # The client's side.
    path(P, portal.portal_home, name="portal"),
    path(P + "bundle.zip", portal.portal_bundle, name="portal-bundle"),
    path(P + "<int:article_id>/", portal.portal_article, name="portal-article"),
    path(P + "<int:article_id>/feedback/", portal.portal_feedback, name="portal-feedback"),
    path(P + "<int:article_id>/files/<int:file_id>/", portal.portal_file, name="portal-file"),
    # One account.
    path("accounts/<slug:slug>/knowledge/", staff.account_tab, name="account"),
    path("accounts/<slug:slug>/knowledge/bundle.zip", staff.account_bundle, name="bundle"),
]
