from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from psm.background.periodic import periodic
from psm.channels.email import imap, services
from psm.channels.email.models import InboundMessage, State

STUCK_AFTER = timedelta(minutes=10)


@periodic(every=timedelta(minutes=1))
@task()
def poll_mailbox() -> int:
    """IMAP polling when PSM_IMAP_HOST is set (``psm fetchmail`` does the same by hand)."""
    config = imap.MailboxConfig.from_settings()
    return imap.poll(config).fetched if config else 0


@periodic(every=timedelta(minutes=5))
@task()
def process_stuck_mail() -> int:
    """Stored but never processed (the process died in between): process them now."""
    stuck = InboundMessage.objects.filter(
        state=State.RECEIVED, received_at__lt=timezone.now() - STUCK_AFTER
    ).order_by("id")[:500]
    return len(services.reprocess(stuck))
