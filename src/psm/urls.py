from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from psm import views
from psm.api import urls as api_urls
from psm.ops import views as ops_views
from psm.security import views as security_views

admin.site.site_header = "PSM administration"
admin.site.site_title = "PSM"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Throttled per client and per e-mail address (psm.security).
    path("password/reset/", security_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/", include("psm.accounts.urls")),
    path("cases/", include("psm.cases.urls")),
    path("coverage/", include("psm.coverage.urls")),
    path("team/", include("psm.team.urls")),
    # Reports: /accounts/<slug>/reports/… and /portal/reports/… (before the portal's own).
    path("", include("psm.reports.urls")),
    path("portal/", include("psm.portal.urls")),
    # Engagement: /engagement/… and the account tab /accounts/<slug>/engagement/….
    path("", include("psm.engagement.urls")),
    # Advisories: /advisories/… and the account tab /accounts/<slug>/advisories/….
    path("", include("psm.advisories.urls")),
    # Knowledge base: /knowledge/… and the account tab /accounts/<slug>/knowledge/….
    path("", include("psm.knowledge.urls")),
    # Checklists: /checklists/… and the account tab /accounts/<slug>/checklists/….
    path("", include("psm.checklists.urls")),
    # The REST API (django-ninja) and each user's API tokens (README "API").
    path("api/v1/", api_urls.api_urls),
    path("profile/api-tokens/", include((api_urls.token_urls, "api-tokens"))),
    path("paging/api/", api_urls.legacy_urls),
    path("paging/", include("psm.paging.urls")),
    path("telephony/", include("psm.channels.telephony.urls")),
    path("", include("psm.insights.urls")),
    path("mfa/", include("psm.security.urls")),
    path("webauthn/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    path("csp-report/", security_views.csp_report, name="csp-report"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("ops/", include("psm.ops.urls")),
    path("webhooks/", include("psm.webhooks.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "psm.views.bad_request"
handler403 = "psm.views.permission_denied"
handler404 = "psm.views.page_not_found"
handler500 = "psm.views.server_error"
