"""The "latest checklist results" section of a status report: each checklist on the account
with its latest completed run as of the period's end (outcome, step counts, who signed), the
runs completed in the period, and the next re-validation date. Only what the client signed
or may read in the portal: no cancelled runs, no run still under way."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from psm.checklists.models import AccountChecklist, ChecklistRun, RunStatus, StepResult
from psm.reports.periods import Period, iso
from psm.reports.sections import JSON, Option, Section, register

RESULTS = dict(StepResult.choices)


def _run(run: ChecklistRun, failed_steps: bool) -> JSON:
    steps = list(run.steps.all())
    counts = dict.fromkeys(StepResult.values, 0)
    for step in steps:
        counts[step.result] += 1
    return {
        "outcome": run.get_outcome_display(),
        "passed": run.outcome == "passed",
        "psm_signed_at": iso(run.psm_signed_at) if run.psm_signed_at else None,
        "psm": run.psm_signed_by.display_name if run.psm_signed_by else "",
        "client_signed_at": iso(run.client_signed_at) if run.client_signed_at else None,
        "client": run.client_signed_name,
        "steps": len(steps),
        "counts": {RESULTS[k]: v for k, v in counts.items() if v},
        "failed": [
            {"position": s.position, "title": s.title}
            for s in steps
            if s.result == StepResult.FAILED
        ]
        if failed_steps
        else [],
        "summary": run.summary,
    }


class ChecklistsSection(Section):
    key = "checklists"  # stored in definitions: never rename
    title = "Latest checklist results"
    description = (
        "Each checklist (backup validation…) with its latest signed-off result, the runs "
        "completed in the period and when it is next re-validated."
    )
    order = 520
    template = "reports/sections/checklists.html"
    options = (Option("show_failed_steps", "List the steps that failed", default=True),)

    def data(self, account: Any, period: Period, options: JSON) -> JSON:
        failed_steps = bool(options.get("show_failed_steps", True))
        completed = (
            ChecklistRun.objects.filter(status=RunStatus.COMPLETED, completed_at__lt=period.end)
            .select_related("psm_signed_by")
            .prefetch_related("steps")
            .order_by("-completed_at")
        )
        checklists = (
            AccountChecklist.objects.filter(account=account, created_at__lt=period.end)
            .select_related("template", "site", "account")
            .prefetch_related(Prefetch("runs", queryset=completed, to_attr="done"))
        )
        rows = []
        in_period = 0
        for checklist in checklists:
            done: list[ChecklistRun] = checklist.done
            latest = done[0] if done else None
            in_period += sum(1 for r in done if r.completed_at and r.completed_at >= period.start)
            if not checklist.is_active and latest is None:
                continue
            due = checklist.next_due if checklist.is_active else None
            rows.append(
                {
                    "checklist": checklist.title,
                    "latest": _run(latest, failed_steps) if latest else None,
                    "next_due": iso(due) if due else None,
                    "overdue_at_end": bool(due and due < period.end),
                }
            )
        return {
            "checklists": rows,
            "completed_in_period": in_period,
            "overdue": sum(1 for r in rows if r["overdue_at_end"]),
        }


def register_all() -> None:
    register(ChecklistsSection())
