"""Engagement's sections for status reports (registered from ``EngagementConfig.ready``):
work items and milestones, advocacy items, touchpoints held and next due, satisfaction trend.

Only what the client may read: titles, statuses, dates, scores. Never a touchpoint's notes,
an advocacy item's internal argument or a progress note (those are the provider's).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Q

from psm.accounts.models import Account
from psm.engagement.models import (
    OPEN_ADVOCACY,
    OPEN_WORK,
    AdvocacyItem,
    CadenceState,
    Survey,
    SurveyKind,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
    WorkItem,
)
from psm.reports.periods import Period, iso
from psm.reports.sections import JSON, Chart, Option, Section, register


def _in(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


class WorkSection(Section):
    key = "work"
    title = "Work items and milestones"
    description = "Planning, testing, implementation and customisation work, with its milestones."
    order = 200
    template = "engagement/report/work.html"
    options = (Option("include_done", "Include work finished in the period", default=True),)

    def data(self, account: Account, period: Period, options: JSON) -> JSON:
        items = WorkItem.objects.filter(account=account).select_related("owner")
        condition = Q(status__in=OPEN_WORK, created_at__lt=period.end)
        if options.get("include_done"):
            condition |= _in("closed_at", period)
        rows = []
        for item in items.filter(condition).prefetch_related("milestones").order_by("due_on", "pk"):
            milestones = list(item.milestones.all())
            rows.append(
                {
                    "title": item.title,
                    "type": item.get_type_display(),
                    "status": item.get_status_display(),
                    "owner": item.owner.display_name,
                    "due_on": item.due_on.isoformat() if item.due_on else None,
                    "milestones": [
                        {
                            "title": m.title,
                            "due_on": m.due_on.isoformat() if m.due_on else None,
                            "done_on": m.done_on.isoformat() if m.done_on else None,
                        }
                        for m in milestones
                    ],
                    "done": sum(1 for m in milestones if m.done_on),
                }
            )
        return {"items": rows, "open": sum(1 for i in items if i.status in OPEN_WORK)}


class AdvocacySection(Section):
    key = "advocacy"
    title = "Advocacy: defects and enhancements we push for you"
    description = (
        "Defects and enhancement requests the PSM champions, with status and target release."
    )
    order = 210
    template = "engagement/report/advocacy.html"
    options = (Option("include_closed", "Include items closed in the period", default=True),)

    def data(self, account: Account, period: Period, options: JSON) -> JSON:
        condition = Q(status__in=OPEN_ADVOCACY)
        if options.get("include_closed"):
            condition |= _in("updated_at", period)
        rows = [
            {
                "reference": item.internal_ref,
                "title": item.title,
                "kind": item.get_kind_display(),
                "status": item.get_status_display(),
                "target_release": item.target_release,
                "business_impact": item.business_impact,
            }
            for item in AdvocacyItem.objects.filter(account=account)
            .filter(condition)
            .order_by("status", "pk")
        ]
        return {"items": rows}


class TouchpointsSection(Section):
    key = "touchpoints"
    title = "Touchpoints held and next due"
    description = "Check-ins, site visits, reviews and events held in the period, and what is next."
    order = 220
    template = "engagement/report/touchpoints.html"

    def data(self, account: Account, period: Period, options: JSON) -> JSON:
        held = [
            {
                "kind": t.get_kind_display(),
                "title": t.title,
                "at": iso(t.starts_at),
                "site": t.site.name if t.site else "",
            }
            for t in Touchpoint.objects.filter(account=account, status=TouchpointStatus.COMPLETED)
            .filter(_in("starts_at", period))
            .select_related("site")
            .order_by("starts_at")
        ]
        upcoming = [
            {"kind": t.get_kind_display(), "title": t.title, "at": iso(t.starts_at)}
            for t in Touchpoint.objects.filter(
                account=account, status=TouchpointStatus.SCHEDULED, starts_at__gte=period.end
            ).order_by("starts_at")[:5]
        ]
        due = [
            {
                "kind": s.get_kind_display(),
                "due": iso(s.next_due) if s.next_due else None,
                "overdue": s.overdue,
            }
            for s in CadenceState.objects.filter(account=account, next_due__isnull=False).order_by(
                "next_due"
            )
        ]
        kinds = [
            TouchpointKind.CHECK_IN,
            TouchpointKind.SITE_VISIT,
            TouchpointKind.MANAGEMENT_REVIEW,
            TouchpointKind.EVENT,
        ]
        labels = [k.label for k in kinds]
        counts: list[float | int | None] = [
            sum(1 for h in held if h["kind"] == label) for label in labels
        ]
        chart = Chart(
            "Touchpoints held",
            ["Check-ins", "Site visits", "Reviews", "Events"],
            [("Held", counts)],
        )
        return {
            "held": held,
            "upcoming": upcoming,
            "due": due,
            "charts": [chart.as_json()] if held else [],
        }


class SatisfactionSection(Section):
    key = "satisfaction"
    title = "Satisfaction trend"
    description = "Survey answers by period: CSAT and check-in ratings (1–5) and NPS (0–10)."
    order = 230
    template = "engagement/report/satisfaction.html"
    options = (
        Option("periods", "Periods in the trend", kind="int", default=6, minimum=1, maximum=12),
        Option("comments", "Quote the comments given in the period", default=False),
    )

    def data(self, account: Account, period: Period, options: JSON) -> JSON:
        periods = [period]
        for _ in range(int(options.get("periods") or 6) - 1):
            periods.insert(0, periods[0].previous())
        surveys = Survey.objects.filter(account=account, answered_at__isnull=False)
        csat: list[float | int | None] = []
        nps: list[float | int | None] = []
        answers = 0
        for p in periods:
            rated = surveys.filter(_in("answered_at", p))
            ratings = rated.filter(kind__in=[SurveyKind.CSAT, SurveyKind.CHECK_IN]).aggregate(
                mean=Avg("score"), n=Count("pk")
            )
            csat.append(round(ratings["mean"], 2) if ratings["mean"] is not None else None)
            scores = list(rated.filter(kind=SurveyKind.NPS).values_list("score", flat=True))
            nps.append(_nps(scores))
            if p == period:
                answers = ratings["n"] + len(scores)
        labels = [p.label if p.kind == "quarter" else p.code for p in periods]
        comments: list[dict[str, Any]] = []
        if options.get("comments"):
            comments = [
                {"score": s.score, "kind": s.get_kind_display(), "comment": s.comment}
                for s in surveys.filter(_in("answered_at", period))
                .exclude(comment="")
                .order_by("answered_at")
            ]
        return {
            "answers": answers,
            "csat": csat[-1],
            "nps": nps[-1],
            "comments": comments,
            "charts": [
                Chart(
                    "Average rating (1–5)", labels, [("Rating", csat)], kind="line", maximum=5
                ).as_json(),
                Chart("Net Promoter Score", labels, [("NPS", nps)]).as_json(),
            ],
        }


def _nps(scores: list[int | None]) -> int | None:
    valid = [s for s in scores if s is not None]
    if not valid:
        return None
    promoters = sum(1 for s in valid if s >= 9)
    detractors = sum(1 for s in valid if s <= 6)
    return round(100 * (promoters - detractors) / len(valid))


def register_all() -> None:
    for section in (WorkSection(), AdvocacySection(), TouchpointsSection(), SatisfactionSection()):
        register(section)
