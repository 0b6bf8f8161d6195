from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from psm.background.models import ScheduledRun
from psm.background.periodic import periodic


@periodic(every=timedelta(hours=1))
@task()
def prune_finished_work() -> int:
    """Finished task results and old schedule slots are history after
    ``PSM_RETAIN_TASKS_DAYS`` (7; 0 keeps them)."""
    if not settings.PSM_RETAIN_TASKS_DAYS:
        return 0
    cutoff = timezone.now() - timedelta(days=settings.PSM_RETAIN_TASKS_DAYS)
    removed, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    ScheduledRun.objects.filter(enqueued_at__lt=cutoff).delete()
    return removed
