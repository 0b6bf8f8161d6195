from datetime import timedelta

from django.conf import settings
from django_tasks import task

from psm.background.periodic import periodic
from psm.paging import services


@task()
def escalate_page(page_id: int, step: int) -> bool:
    """Queued for the instant a step's acknowledgement time runs out. A stale copy (the page
    was acknowledged, or already moved on) finds nothing to claim and does nothing."""
    return services.escalate(page_id, step)


@periodic(every=timedelta(seconds=settings.PSM_PAGE_SWEEP_SECONDS))
@task()
def sweep_page_escalations() -> int:
    """The safety net: every page past its deadline, whatever happened to its own task."""
    return services.sweep()
