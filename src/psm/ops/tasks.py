from datetime import timedelta

from django_tasks import task

from psm.background.periodic import periodic
from psm.ops.retention import prune_all


@periodic(every=timedelta(hours=6))
@task()
def prune_expired() -> dict[str, int]:
    """Retention: delete what is older than its kind's PSM_RETAIN_*_DAYS."""
    return {item.kind: item.rows for item in prune_all()}
