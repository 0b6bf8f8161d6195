"""The sections reports provides itself, about what lies below it: cases, SLA attainment,
open P1/P2 cases, pages and after-hours contacts, and the PSM's commentary.

Every query reads one account's rows in one period; nothing here reads an internal note (the
case sections use case fields only, never messages)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from statistics import median
from typing import Any

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from psm.accounts.models import Account, Priority
from psm.cases.models import ACTIVE, Case, CaseStatus
from psm.channels.telephony.models import CallLog, Kind
from psm.coverage.adapters import plan_spec
from psm.paging.models import Page, PageStatus
from psm.reports.periods import Period, iso
from psm.reports.sections import JSON, Chart, Option, Section, register

PRIORITIES = [p.value for p in Priority]
SLA_KINDS = (
    ("first_response", "First response"),
    ("next_update", "Next update"),
    ("resolution", "Resolution"),
)


def _in(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def case_counts(account: Account, period: Period) -> JSON:
    """``{"opened": N, "resolved": N, "by_priority": {"P1": {"opened": n, "resolved": n}}}``:
    cases opened, and cases resolved (or closed without a resolution) in the period."""
    cases = Case.objects.filter(account=account)
    opened = Counter(cases.filter(_in("opened_at", period)).values_list("priority", flat=True))
    resolved = Counter(
        cases.annotate(done=Coalesce("resolved_at", "closed_at"))
        .filter(_in("done", period))
        .values_list("priority", flat=True)
    )
    return {
        "opened": sum(opened.values()),
        "resolved": sum(resolved.values()),
        "by_priority": {
            p: {"opened": opened.get(p, 0), "resolved": resolved.get(p, 0)} for p in PRIORITIES
        },
    }


class CasesSection(Section):
    key = "cases"
    title = "Cases opened and closed"
    description = "Cases opened and resolved in the period, by priority, with the trend."
    order = 100
    template = "reports/sections/cases.html"
    options = (
        Option(
            "trend",
            "Periods in the trend chart",
            kind="int",
            default=6,
            minimum=0,
            maximum=12,
            help="0 leaves the trend out.",
        ),
        Option("list_cases", "List the cases opened", kind="bool", default=True),
    )

    def data(self, account: Account, period: Period, options: JSON) -> JSON:
        counts = case_counts(account, period)
        charts = [
            Chart(
                "Cases by priority",
                PRIORITIES,
                [
                    ("Opened", [counts["by_priority"][p]["opened"] for p in PRIORITIES]),
                    ("Resolved", [counts["by_priority"][p]["resolved"] for p in PRIORITIES]),
                ],
            ).as_json()
        ]
        if options.get("trend"):
            periods = [period]
            for _ in range(int(options["trend"]) - 1):
                periods.insert(0, periods[0].previous())
            trend = [case_counts(account, p) for p in periods]
            charts.append(
                Chart(
                    "Trend",
                    [_short(p) for p in periods],
                    [
                        ("Opened", [t["opened"] for t in trend]),
                        ("Resolved", [t["resolved"] for t in trend]),
                    ],
                    kind="line",
                ).as_json()
            )
        rows = []
        if options.get("list_cases"):
            for case in Case.objects.filter(account=account).filter(_in("opened_at", period))[:200]:
                rows.append(
                    {
                        "reference": case.reference,
                        "title": case.title,
                        "priority": case.priority,
                        "status": case.get_status_display(),
                        "opened_at": iso(case.opened_at),
                    }
                )
            rows.reverse()  # oldest first
        return {**counts, "cases": rows, "charts": charts}


def _short(period: Period) -> str:
    if period.kind == "month":
        return f"{period.first:%b %y}"
    if period.kind == "quarter":
        return period.label
    return f"{period.first:%d %b}"


class SlaSection(Section):
    key = "sla"
    title = "SLA attainment"
    description = "First response, next update and resolution targets met, with every breach."
    order = 110
    template = "reports/sections/sla.html"
    options = (Option("list_breaches", "List the breaches", kind="bool", default=True),)

    def data(self, account: Account, period: Period, options: JSON) -> JSON:
        now = timezone.now()
        cases = Case.objects.filter(account=account)
        targets: list[dict[str, Any]] = []
        breaches: list[dict[str, Any]] = []
        for kind, label in SLA_KINDS:
            due = f"{kind}_due"
            flag = f"{kind}_breached"
            measured = cases.filter(_in(due, period)).filter(
                Q(**{f"{due}__lte": now}) | Q(**{flag: True})
            )
            total = measured.count()
            missed = list(measured.filter(**{flag: True}).order_by(due))
            targets.append(
                {
                    "kind": kind,
                    "label": label,
                    "measured": total,
                    "breached": len(missed),
                    "met": total - len(missed),
                    "attainment": round(100 * (total - len(missed)) / total, 1) if total else None,
                }
            )
            for case in missed:
                when = getattr(case, due)
                breaches.append(
                    {
                        "reference": case.reference,
                        "title": case.title,
                        "priority": case.priority,
                        "target": label,
                        "due": iso(when),
                    }
                )
        breaches.sort(key=lambda b: b["due"])
        chart = Chart(
            "Targets met",
            [t["label"] for t in targets],
            [("Met %", [t["attainment"] for t in targets])],
            unit="%",
            maximum=100,
        )
        return {
            "targets": targets,
            "breaches": breaches if options.get("list_breaches") else [],
            "breach_count": len(breaches),
            "charts": [chart.as_json()],
        }


class OpenCasesSection(Section):
    key = "open_cases"
    title = "Open P1 and P2 cases"
    description = "The urgent cases still open when the report is made, with the next step."
    order = 120
    template = "reports/sections/open_cases.html"
    options = (
        Option(
            "priorities",
            "Priorities",
            kind="choice",
            default="P1,P2",
            choices=(("P1", "P1 only"), ("P1,P2", "P1 and P2"), ("P1,P2,P3", "P1 to P3")),
        ),
    )

    def data(self, account: Account, period: Period, options: JSON) -> JSON:
        priorities = str(options.get("priorities") or "P1,P2").split(",")
        rows = []
        cases = (
            Case.objects.filter(account=account, status__in=ACTIVE, priority__in=priorities)
            .select_related("assignee")
            .order_by("priority", "opened_at")
        )
        for case in cases[:100]:
            rows.append(
                {
                    "reference": case.reference,
                    "title": case.title,
                    "priority": case.priority,
                    "status": case.get_status_display(),
                    "opened_at": iso(case.opened_at),
                    "owner": case.assignee.display_name if case.assignee else "",
                    "next_step": _next_step(case),
                    "next_due": iso(case.next_due) if case.next_due else None,
                }
            )
        return {"priorities": priorities, "cases": rows}


def _next_step(case: Case) -> str:
    """What happens next, in words drawn from the case's state (never from a note)."""
    if case.status == CaseStatus.WAITING_ON_CLIENT:
        return "Waiting for your answer"
    if case.status == CaseStatus.WAITING_ON_PROVIDER:
        return "With the product team; we update you by the next-update time"
    if case.first_response_at is None:
        return "First response from your PSM"
    return "Next update from your PSM"


class PagesSection(Section):
    key = "pages"
    title = "Pages and after-hours contacts"
    description = (
        "Pages with their acknowledgement times, calls, and what came outside business hours."
    )
    order = 130
    template = "reports/sections/pages.html"
    options = (Option("list_pages", "List the pages", kind="bool", default=True),)

    def data(self, account: Account, period: Period, options: JSON) -> JSON:
        calendar = plan_spec(account).business_calendar()

        def after_hours(at: datetime) -> bool:
            return not calendar.is_open(at)

        pages = list(
            Page.objects.filter(account=account)
            .filter(_in("opened_at", period))
            .order_by("opened_at")
        )
        calls = list(
            CallLog.objects.filter(account=account, contact__isnull=False)
            .filter(_in("created_at", period))
            .only("kind", "created_at")
        )
        opened = list(
            Case.objects.filter(account=account)
            .filter(_in("opened_at", period))
            .values_list("opened_at", flat=True)
        )
        ack_minutes = [
            (p.acknowledged_at - p.opened_at).total_seconds() / 60
            for p in pages
            if p.acknowledged_at is not None
        ]
        rows = [
            {
                "opened_at": iso(p.opened_at),
                "priority": p.priority,
                "status": p.get_status_display(),
                "acknowledged_minutes": round(
                    (p.acknowledged_at - p.opened_at).total_seconds() / 60
                )
                if p.acknowledged_at
                else None,
                "escalated": p.step > 0,
                "after_hours": after_hours(p.opened_at),
            }
            for p in pages
        ]
        kinds = ("Pages", "Calls", "Texts", "New cases")
        counts = {
            "Pages": [after_hours(p.opened_at) for p in pages],
            "Calls": [after_hours(c.created_at) for c in calls if c.kind == Kind.VOICE],
            "Texts": [after_hours(c.created_at) for c in calls if c.kind == Kind.SMS],
            "New cases": [after_hours(at) for at in opened],
        }
        chart = Chart(
            "Contacts in and outside business hours",
            list(kinds),
            [
                ("Business hours", [sum(1 for x in counts[k] if not x) for k in kinds]),
                ("After hours", [sum(1 for x in counts[k] if x) for k in kinds]),
            ],
            kind="stacked",
        )
        return {
            "pages": len(pages),
            "acknowledged": len(ack_minutes),
            "escalated": sum(1 for p in pages if p.step > 0),
            "forwarded": sum(1 for p in pages if p.status == PageStatus.FALLBACK),
            "median_ack_minutes": round(median(ack_minutes), 1) if ack_minutes else None,
            "calls": len(counts["Calls"]),
            "texts": len(counts["Texts"]),
            "after_hours": sum(sum(1 for x in v if x) for v in counts.values()),
            "page_list": rows if options.get("list_pages") else [],
            "charts": [chart.as_json()],
        }


class CommentarySection(Section):
    """The PSM's own words for the period, written when a held report is released."""

    key = "commentary"
    title = "Commentary from your PSM"
    description = "The PSM's summary of the period: written before a held report is released."
    order = 900
    template = "reports/sections/commentary.html"

    def data(self, account: Account, period: Period, options: JSON) -> JSON:
        return {"text": "", "author": ""}


def register_all() -> None:
    for section in (
        CasesSection(),
        SlaSection(),
        OpenCasesSection(),
        PagesSection(),
        CommentarySection(),
    ):
        register(section)


__all__: list[Any] = ["case_counts", "register_all"]
