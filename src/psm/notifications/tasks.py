from datetime import timedelta

from django_tasks import task

from psm.background.periodic import periodic
from psm.notifications import services
from psm.notifications.models import Notification


@task()
def deliver_notification(notification_id: int) -> bool:
    row = Notification.objects.filter(pk=notification_id).first()
    return row is not None and services.deliver(row)


@periodic(every=timedelta(seconds=30))
@task()
def deliver_due_notifications() -> int:
    """Retries after backoff, and rows whose sender died mid-delivery (lease run out)."""
    return services.deliver_due()
