"""Background work of the reports app: the schedule sweep, the held-report reminders, and the
rendering of each run (in the worker, with a time limit: see ``render.render_with_timeout``)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from psm.background.periodic import periodic
from psm.reports import services
from psm.reports.models import ReportRun


@task()
def generate_report(run_id: int) -> str:
    run = ReportRun.objects.filter(pk=run_id).select_related("account", "definition").first()
    if run is None:
        return "gone"
    return str(services.generate(run).status)


@periodic(every=timedelta(minutes=5))
@task()
def sweep_reports() -> dict[str, int]:
    """Reports whose schedule has come, and held reports past their release time."""
    made = services.claim_due()
    reminded = services.remind_held()
    return {"runs": len(made), "reminders": reminded}
