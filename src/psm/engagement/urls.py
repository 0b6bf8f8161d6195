"""Engagement URLs: ``/engagement/…`` and the account tab ``/accounts/<slug>/engagement/…``.

Included once from ``psm/urls.py`` at the root so both share the ``engagement`` namespace."""

from django.urls import path

from psm.engagement.views import account, overview, public, touchpoints, work

app_name = "engagement"

A = "accounts/<slug:slug>/engagement/"
TP = A + "touchpoints/<int:touchpoint_id>/"

urlpatterns = [
    # Across accounts.
    path("engagement/", overview.home, name="home"),
    path("engagement/advocacy/", overview.advocacy, name="advocacy"),
    path("engagement/satisfaction/", overview.satisfaction, name="satisfaction"),
    path("engagement/feeds/", overview.feeds, name="feeds"),
    path("engagement/feeds/<int:feed_id>/revoke/", overview.feed_revoke, name="feed-revoke"),
    path("engagement/portal/", overview.portal, name="portal"),
    # Public: the secret in the URL is the credential.
    path("engagement/feeds/<str:feed_token>.ics", public.feed, name="feed"),
    path("engagement/survey/<str:survey_token>/", public.survey, name="survey"),
    # One account.
    path(A, account.tab, name="account"),
    path(A + "cadences/<str:kind>/", account.cadence_edit, name="cadence"),
    path(A + "feed/", account.account_feed, name="account-feed"),
    path(A + "briefs/<int:brief_id>/", account.brief, name="brief"),
    path(A + "check-ins/log/", touchpoints.check_in_log, name="check-in-log"),
    path(A + "touchpoints/new/<str:kind>/", touchpoints.create, name="touchpoint-create"),
    path(TP, touchpoints.detail, name="touchpoint"),
    path(TP + "complete/", touchpoints.complete, name="touchpoint-complete"),
    path(TP + "cancel/", touchpoints.cancel, name="touchpoint-cancel"),
    path(TP + "invite/", touchpoints.invite, name="touchpoint-invite"),
    path(TP + "attendance/", touchpoints.attendance, name="touchpoint-attendance"),
    path(TP + "invite.ics", touchpoints.download, name="touchpoint-ics"),
    path(
        TP + "follow-ups/<int:follow_up_id>/done/",
        touchpoints.follow_up_done,
        name="follow-up-done",
    ),
    path(A + "work/new/", work.work_item_create, name="work-item-create"),
    path(A + "work/<int:work_item_id>/", work.work_item_detail, name="work-item"),
    path(A + "advocacy/new/", work.advocacy_create, name="advocacy-create"),
    path(A + "advocacy/<int:advocacy_id>/", work.advocacy_detail, name="advocacy-item"),
]
