"""Advisories URLs: ``/advisories/…`` (staff, portal, the public acknowledgement link) and
the account tab ``/accounts/<slug>/advisories/…``. Included at the root from ``psm/urls.py``."""

from django.urls import path

from psm.advisories.views import portal, staff

app_name = "advisories"

A = "accounts/<slug:slug>/advisories/"
ITEM = A + "<int:item_id>/"
P = "advisories/portal/"

urlpatterns = [
    path("advisories/", staff.home, name="home"),
    path("advisories/all/", staff.catalog, name="catalog"),
    path("advisories/import/", staff.upload, name="import"),
    path("advisories/<int:advisory_id>/", staff.advisory_detail, name="advisory"),
    path("advisories/ranges/<int:statement_id>/", staff.read_range, name="range"),
    # The client's side.
    path(P, portal.portal_list, name="portal"),
    path(P + "<int:item_id>/", portal.portal_item, name="portal-item"),
    path(P + "<int:item_id>/acknowledge/", portal.portal_acknowledge, name="portal-ack"),
    path(
        P + "<int:item_id>/installs/<int:action_id>/",
        portal.portal_install,
        name="portal-install",
    ),
    # Public: the signed link in the delivery e-mail is the credential.
    path("advisories/ack/<str:ack_token>/", portal.ack_link, name="ack"),
    # One account.
    path(A, staff.account_tab, name="account"),
    path(ITEM, staff.item_detail, name="item"),
    path(ITEM + "deliver/", staff.item_deliver, name="item-deliver"),
    path(ITEM + "not-relevant/", staff.item_not_relevant, name="item-not-relevant"),
    path(ITEM + "text/", staff.item_text, name="item-text"),
    path(ITEM + "installs/<int:action_id>/", staff.item_install, name="item-install"),
]
