"""Demo reports for ``psm demo``: Acme's monthly status report, sent on the first Monday of
each month at 09:00 New York time, with its last two runs in the archive (drawn from a few
cases and pages of those months, which this module adds). Idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from psm.accounts.models import Account, Contact
from psm.cases import services as cases
from psm.cases.models import Case, CaseStatus, Origin
from psm.paging import services as paging
from psm.paging.models import AckVia, Page, PageSource
from psm.reports import gather, services
from psm.reports.models import ReleaseMode, ReportDefinition, ReportRun, RunStatus, RunTrigger
from psm.reports.periods import Period
from psm.reports.render import current_brand, render_report
from psm.reports.schedule import DEFAULT_RULES, next_run
from psm.team.models import User

NAME = "Monthly status report"
SECTIONS = [
    "cases",
    "sla",
    "open_cases",
    "pages",
    "work",
    "advocacy",
    "touchpoints",
    "satisfaction",
    "commentary",
]
# Cases of the last two months: (months back, day, hour local, title, priority, resolve after h)
HISTORY = [
    (2, 3, 10, "License server refuses new DOORS seats", "P2", 6),
    (2, 9, 14, "Nightly ClearCase backup job ends with warnings", "P3", 30),
    (2, 17, 22, "Build Forge controller down after OS patch", "P1", 3),
    (2, 24, 9, "Question about the RequisitePro end of support", "P4", 48),
    (1, 2, 11, "ClearQuest e-mail notifications delayed", "P3", 20),
    (1, 8, 16, "Rhapsody model fails to open after upgrade", "P2", 200),
    (1, 15, 10, "Request: upgrade plan for ClearCase 11", "P4", None),
    (1, 28, 23, "VOB server disk full, check-ins blocked", "P1", 2),
]
COMMENTARY = (
    "A calmer month than the last: both P1s were resolved within the hour after paging, and "
    "the Rhapsody upgrade issue is with the product team (DEF-20417).\n\n"
    "Next month we plan the ClearCase 11 upgrade rehearsal at the Denver plant."
)


def populate() -> dict[str, int]:
    account = Account.objects.filter(slug="acme").first()
    jane = User.objects.filter(username="engineer").first()
    if account is None or jane is None:
        return {}
    now = timezone.now()
    definition = ReportDefinition.objects.filter(account=account, name=NAME).first()
    if definition is None:
        recipients = list(
            Contact.objects.filter(account=account, is_active=True, emails__isnull=False)
            .distinct()
            .order_by("-user", "name")[:2]
        )
        spec = services.DefinitionSpec(
            name=NAME,
            sections=[{"key": key, "options": {}} for key in SECTIONS],
            period_kind="month",
            custom_days=30,
            schedule=DEFAULT_RULES["month"],
            release_mode=ReleaseMode.AUTOMATIC,
            release_within_hours=24,
            is_active=True,
            is_default=True,
            contacts=recipients,
            outside=[],
        )
        definition = services.save_definition(jane, account, spec)
    _history(account, jane, now)
    runs = 0
    # The last two periods whose scheduled send has already come.
    period = services.period_for(definition, now)
    while (next_run(definition.schedule, account.timezone, period.end) or now) > now:
        period = period.previous()
    for _ in range(2):
        runs += _archived_run(definition, period, jane)
        period = period.previous()
    return {"definitions": 1, "archived_runs": runs}


def _local(account: Account, months_back: int, day: int, hour: int, now: datetime) -> datetime:
    """A local wall time ``months_back`` months before this one, in the account's zone."""
    zone = ZoneInfo(account.timezone)
    today = now.astimezone(zone).date()
    index = today.year * 12 + today.month - 1 - months_back
    return datetime(index // 12, index % 12 + 1, day, hour, tzinfo=zone)


def _history(account: Account, jane: User, now: datetime) -> None:
    contact = Contact.objects.filter(account=account, is_active=True).order_by("id").first()
    for months_back, day, hour, title, priority, resolve_hours in HISTORY:
        if Case.objects.filter(account=account, title=title).exists():
            continue
        opened = _local(account, months_back, day, hour, now)
        case = cases.open_case(
            None,
            account,
            title=title,
            text=title + ".",
            priority=priority,
            contact=contact,
            origin=Origin.EMAIL,
            at=opened,
        )
        engineer = case.assignee or jane
        cases.reply(engineer, case, text="Looking at it now.", at=opened + timedelta(minutes=40))
        if priority == "P1":
            # A P1 case pages the PSM by itself; page by hand only if it did not.
            page = Page.objects.filter(case=case).first()
            page = page or paging.page_psm(
                account,
                priority="P1",
                message=title,
                contact=contact,
                source=PageSource.PORTAL,
                case=case,
                at=opened + timedelta(minutes=2),
            )
            acker = (
                page.target
                if page.target is not None and paging.can_acknowledge(page.target, page)
                else jane
            )
            if page.is_unacknowledged and paging.can_acknowledge(acker, page):
                paging.acknowledge(page, acker, AckVia.LINK, opened + timedelta(minutes=9))
            paging.resolve(page, acker, "Resolved with the case.", opened + timedelta(hours=1))
        if resolve_hours is not None:
            cases.reply(
                engineer,
                case,
                text="Fixed; details in the case.",
                status=CaseStatus.RESOLVED,
                at=opened + timedelta(hours=resolve_hours),
            )


def _archived_run(definition: ReportDefinition, period: Period, author: User) -> int:
    """A run as the schedule would have made and sent it (the mail itself is history)."""
    if ReportRun.objects.filter(definition=definition, period_start=period.start).exists():
        return 0
    sent_at = next_run(definition.schedule, definition.account.timezone, period.end)
    run = ReportRun.objects.create(
        definition=definition,
        account=definition.account,
        name=definition.name,
        trigger=RunTrigger.SCHEDULE,
        period_kind=period.kind,
        period_code=period.code,
        period_label=period.label,
        period_start=period.start,
        period_end=period.end,
        release_mode=definition.release_mode,
    )
    run.data = gather.gather(
        definition.account,
        period,
        definition.sections,
        name=definition.name,
        commentary=COMMENTARY,
        author=author.display_name,
        now=sent_at,
    )
    run.brand = current_brand()
    for field, value in services.archive(run, render_report(run.data, run.brand)).items():
        setattr(run, field, value)
    addresses, withheld = services.recipients_now(definition)
    run.status = RunStatus.SENT
    run.rendered_at = run.sent_at = sent_at
    run.recipients, run.withheld = addresses, withheld
    run.save()
    return 1
