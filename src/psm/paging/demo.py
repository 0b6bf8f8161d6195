"""Demo pages for Acme: a page the PSM acknowledged this morning, one waiting for
acknowledgement right now (Jane Doe sees it on "my day"; Alice Adams follows it in the
portal)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from psm.accounts.models import Account, Contact
from psm.paging import services
from psm.paging.models import AckVia, Page, PageSource, PagingPolicy
from psm.team.models import User

ACKED = "Build server rejects check-ins since last night's patch"
WAITING = "Production ClearCase VOB server down: nobody can check out"


def populate() -> dict[str, int]:
    account = Account.objects.filter(slug="acme").first()
    if account is None:
        return {"pages": 0}
    PagingPolicy.objects.get_or_create(plan=account.service_plan, defaults={"ack_minutes": 15})
    contact = (
        Contact.objects.filter(account=account, user__isnull=False).first()
        or Contact.objects.filter(account=account).first()
    )
    now = timezone.now()
    if not Page.objects.filter(account=account, message=ACKED).exists():
        page = services.page_psm(
            account,
            priority="P1",
            message=ACKED,
            contact=contact,
            opened_by=contact.user if contact else None,
            source=PageSource.PORTAL,
            at=now - timedelta(hours=3),
        )
        engineer = page.target or User.objects.filter(username="engineer").first()
        if engineer is not None and page.is_unacknowledged:
            services.acknowledge(page, engineer, AckVia.LINK, now - timedelta(hours=3, minutes=-6))
    if not Page.objects.filter(account=account, message=WAITING).exists():
        services.page_psm(
            account,
            priority="P1",
            message=WAITING,
            contact=contact,
            opened_by=contact.user if contact else None,
            source=PageSource.PORTAL,
            at=now - timedelta(minutes=4),
        )
    return {"pages": Page.objects.count()}
