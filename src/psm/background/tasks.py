from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from psm.background.models import ScheduledRun
from psm.background.periodic import periodic

KEEP_FINISHED_FOR = timedelta(days=7)


@periodic(every=timedelta(hours=1))
@task()
def prune_finished_work() -> int:
    """Finished task results and old schedule slots are history after a week."""
    cutoff = timezone.now() - KEEP_FINISHED_FOR
    removed, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    ScheduledRun.objects.filter(enqueued_at__lt=cutoff).delete()
    return removed
