from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from psm.background.periodic import periodic
from psm.cases import sweeps


@periodic(every=timedelta(minutes=1))
@task()
def sweep_sla() -> dict[str, int]:
    """Warn before SLA due times and mark breaches (see ``psm.cases.sweeps``)."""
    return sweeps.sweep(timezone.now())
