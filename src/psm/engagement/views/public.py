"""The two public views: a calendar feed and a survey answer. The secret in the URL is the
credential; an unknown, revoked, forged, expired or used one gets the same plain answer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from psm.engagement.forms import SurveyAnswerForm
from psm.engagement.services.feeds import feed_ics, resolve_feed
from psm.engagement.services.satisfaction import (
    QUESTIONS,
    SurveyLinkError,
    answer_survey,
    read_token,
)

MESSAGES = {
    "invalid": "This survey link is not valid.",
    "expired": "This survey link has expired. Thank you all the same.",
    "used": "This survey has already been answered. Thank you!",
}


@login_not_required
@never_cache
def feed(request: HttpRequest, feed_token: str) -> HttpResponse:
    found = resolve_feed(feed_token)
    if found is None:
        raise Http404("No such calendar.")
    response = HttpResponse(feed_ics(found), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="psm.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


@login_not_required
@never_cache
@csrf_exempt  # reached from an e-mail; the signed token, single use, is the protection
def survey(request: HttpRequest, survey_token: str) -> HttpResponse:
    token = survey_token
    try:
        found = read_token(token)
    except SurveyLinkError as exc:
        return render(
            request,
            "engagement/survey_done.html",
            {"message": MESSAGES[exc.reason]},
            status=404 if exc.reason == "invalid" else 410,
        )
    initial = {"score": request.GET.get("score")}
    form = SurveyAnswerForm(request.POST or None, scale=found.scale, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            answer_survey(token, form.cleaned_data["score"], form.cleaned_data["comment"])
        except SurveyLinkError as exc:
            return render(
                request,
                "engagement/survey_done.html",
                {"message": MESSAGES[exc.reason]},
                status=410,
            )
        return render(
            request,
            "engagement/survey_done.html",
            {"message": "Thank you — your answer has been recorded.", "thanks": True},
        )
    return render(
        request,
        "engagement/survey.html",
        {
            "form": form,
            "survey": found,
            "question": QUESTIONS[found.kind],  # type: ignore[index]
            "low": found.scale[0],
            "high": found.scale[1],
        },
        status=400 if request.method == "POST" else 200,
    )
