"""A lived-in engagement book for ``psm demo``: cadences with some check-ins overdue, a site
visit with its trip report, a training session at a satellite office, work items, advocacy
shared by three clients, satisfaction answers including a low score that raised an alert,
and the running absence (Bob away, Carol covering) with its handover briefs. Idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from psm.accounts.models import Account
from psm.coverage.models import ServicePlan
from psm.engagement.models import (
    AdvocacyItem,
    AdvocacyKind,
    CadenceKind,
    CadenceRule,
    CadenceState,
    EngagementPolicy,
    HandoverBrief,
    Survey,
    SurveyKind,
    Touchpoint,
    TouchpointKind,
    WorkItem,
    WorkItemStatus,
    WorkItemType,
)
from psm.engagement.services.cadences import refresh_cadences
from psm.engagement.services.handover import write_handover_briefs
from psm.engagement.services.people import primary_psm
from psm.engagement.services.satisfaction import answer_survey, create_survey, survey_token
from psm.engagement.services.touchpoints import (
    FollowUpSpec,
    complete_touchpoint,
    log_check_in,
    record_attendance,
    schedule_touchpoint,
)
from psm.engagement.services.work import (
    add_advocacy_update,
    add_progress_note,
    complete_milestone,
    create_advocacy_item,
    create_work_item,
)
from psm.team.models import Absence, User

MARKER = "Quarterly site visit — Boston HQ"
# Accounts whose last check-in was five weeks ago: overdue on a fortnightly cadence.
NEGLECTED = ("pacific", "maple", "fjord")


def populate() -> dict[str, int]:
    now = timezone.now()
    accounts = {a.slug: a for a in Account.objects.all()}
    users = {u.username: u for u in User.objects.all()}
    if "acme" not in accounts or "manager" not in users:
        return {}
    extended = ServicePlan.objects.filter(slug="extended").first()
    if extended is not None:
        CadenceRule.objects.get_or_create(
            plan=extended,
            kind=CadenceKind.CHECK_IN,
            defaults={
                "rrule": "FREQ=WEEKLY;BYDAY=WE;BYHOUR=9;BYMINUTE=30",
                "tolerance_days": 1,
                "remind_days": 1,
            },
        )
        EngagementPolicy.objects.get_or_create(
            plan=extended, defaults={"announce_substitute": True}
        )
    if not Touchpoint.objects.filter(title=MARKER).exists():
        _touchpoints(now, accounts, users)
        _work(now, accounts, users)
        _satisfaction(now, accounts)
    for account in accounts.values():
        # Check-ins have been tracked for half a year, so a missed one shows as overdue.
        refresh_cadences(account, now)
        CadenceState.objects.filter(
            account=account, kind=CadenceKind.CHECK_IN, anchor__gt=now - timedelta(days=150)
        ).update(anchor=now - timedelta(days=180))
        refresh_cadences(account, now)
    for absence in Absence.objects.at(now).select_related("engineer", "substitute"):
        write_handover_briefs(absence, now)
    return {
        "touchpoints": Touchpoint.objects.count(),
        "overdue": CadenceState.objects.filter(overdue=True).count(),
        "work_items": WorkItem.objects.count(),
        "advocacy_items": AdvocacyItem.objects.count(),
        "survey_answers": Survey.objects.filter(answered_at__isnull=False).count(),
        "handover_briefs": HandoverBrief.objects.count(),
    }


def _touchpoints(now: datetime, accounts: dict[str, Account], users: dict[str, User]) -> None:
    for n, (slug, account) in enumerate(sorted(accounts.items())):
        psm = primary_psm(account)
        contacts = list(account.contacts.filter(is_active=True)[:2])
        if psm is None:
            continue
        weeks = 5 if slug in NEGLECTED else 1
        start = (now - timedelta(weeks=weeks, days=n % 3)).replace(
            minute=0, second=0, microsecond=0
        )
        log_check_in(
            psm,
            account,
            owner=psm,
            contacts=contacts,
            starts_at=start,
            ends_at=start + timedelta(minutes=45),
            title="Fortnightly check-in",
            notes="Walked through open cases and the upgrade calendar.",
            outcomes="No new assignments; backup re-validation due next quarter.",
            satisfaction_rating=4 + (n % 2),
        )
    acme = accounts["acme"]
    jane = users["engineer"]
    boston, denver = list(acme.sites.order_by("-is_headquarters", "name"))[:2]
    visit_start = (now - timedelta(days=20)).replace(hour=14, minute=0, second=0, microsecond=0)
    visit = schedule_touchpoint(
        jane,
        acme,
        TouchpointKind.SITE_VISIT,
        title=MARKER,
        starts_at=visit_start,
        ends_at=visit_start + timedelta(hours=7),
        owner=jane,
        site=boston,
        agenda=(
            "ClearCase health check\nUpgrade planning with the build team\n"
            "Lunch with the IT director"
        ),
        contacts=list(acme.contacts.all()[:3]),
        travel_from=visit_start.date() - timedelta(days=1),
        travel_to=visit_start.date() + timedelta(days=1),
    )
    complete_touchpoint(
        jane,
        visit,
        send_survey=False,
        outcomes="Upgrade to ClearCase 11 agreed for Q3; backup validation scheduled.",
        trip_report=(
            "Met the IT director and the build team at Boston HQ.\n\n"
            "- VOB server at 78% disk; recommended archiving two dead VOBs.\n"
            "- Build team struggles with merges on the large 'platform' VOB (see DEF-10442).\n"
            "- Denver Plant users need training on the new branching strategy."
        ),
        follow_ups=[
            FollowUpSpec(
                "Send the VOB archiving procedure", jane, visit_start.date() + timedelta(days=3)
            ),
            FollowUpSpec(
                "Plan a branching session for Denver", jane, visit_start.date() + timedelta(days=30)
            ),
        ],
    )
    denver_start = (now + timedelta(days=21)).replace(hour=15, minute=0, second=0, microsecond=0)
    schedule_touchpoint(
        jane,
        acme,
        TouchpointKind.EVENT,
        title="Branching strategy for Denver Plant users",
        starts_at=denver_start,
        ends_at=denver_start + timedelta(hours=3),
        owner=jane,
        site=denver,
        agenda="Why the new strategy\nHands-on: delivering and rebasing\nQ&A",
        materials="https://docs.example/clearcase/branching\nhttps://docs.example/clearcase/rebase",
        contacts=list(acme.contacts.filter(site=denver)[:3]),
    )
    kookaburra = accounts.get("kookaburra")
    carol = users.get("carol")
    if kookaburra is not None and carol is not None:
        perth = kookaburra.sites.exclude(is_headquarters=True).first() or kookaburra.sites.first()
        past = (now - timedelta(days=12)).replace(hour=1, minute=0, second=0, microsecond=0)
        session = schedule_touchpoint(
            carol,
            kookaburra,
            TouchpointKind.EVENT,
            title="DOORS rollout: bringing Perth up to speed",
            starts_at=past,
            ends_at=past + timedelta(hours=3),
            owner=carol,
            site=perth,
            agenda="What changes with the central rollout",
            materials="https://docs.example/doors",
            contacts=list(kookaburra.contacts.all()[:3]),
        )
        complete_touchpoint(
            carol, session, send_survey=False, outcomes="Perth team ready for the cut-over."
        )
        rows = {
            a.pk: (True, 5 - i % 2, "Clear and practical" if i == 0 else "")
            for i, a in enumerate(session.attendees.filter(contact__isnull=False))
        }
        record_attendance(carol, session, rows)
    manager = users["manager"]
    review_start = (now - timedelta(days=40)).replace(hour=16, minute=0, second=0, microsecond=0)
    review = schedule_touchpoint(
        manager,
        acme,
        TouchpointKind.MANAGEMENT_REVIEW,
        title="Half-yearly account review",
        starts_at=review_start,
        ends_at=review_start + timedelta(hours=1),
        owner=manager,
        contacts=list(acme.contacts.all()[:1]),
        rated_engineer=jane,
    )
    complete_touchpoint(
        manager,
        review,
        psm_rating=5,
        send_survey=False,
        notes="Client values Jane's proactive upgrade planning.",
    )
    for slug in ("nordwind", "thames"):
        bobs = accounts.get(slug)
        bob = users.get("bob")
        if bobs is None or bob is None:
            continue
        soon = (now + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
        schedule_touchpoint(
            bob,
            bobs,
            TouchpointKind.CHECK_IN,
            title="Fortnightly check-in",
            starts_at=soon,
            ends_at=soon + timedelta(minutes=45),
            owner=bob,
            contacts=list(bobs.contacts.all()[:2]),
        )


def _work(now: datetime, accounts: dict[str, Account], users: dict[str, User]) -> None:
    acme = accounts["acme"]
    jane = users["engineer"]
    upgrade = create_work_item(
        jane,
        acme,
        type=WorkItemType.PLANNING,
        title="Plan the ClearCase 11 upgrade",
        status=WorkItemStatus.IN_PROGRESS,
        owner=jane,
        due_on=(now + timedelta(days=60)).date(),
        description="Inventory, test plan, cut-over weekend, rollback.",
        milestones=[
            ("Inventory of VOBs and clients", (now - timedelta(days=10)).date()),
            ("Test plan signed off", (now + timedelta(days=20)).date()),
            ("Cut-over weekend", (now + timedelta(days=60)).date()),
        ],
    )
    complete_milestone(jane, upgrade.milestones.first())  # type: ignore[arg-type]
    add_progress_note(jane, upgrade, "Inventory done: 42 VOBs, 310 clients.")
    create_work_item(
        jane,
        acme,
        type=WorkItemType.TESTING,
        title="Validate the backup procedure",
        owner=jane,
        due_on=(now + timedelta(days=30)).date(),
        description="Restore last night's backup to the lab and compare.",
    )
    nordwind = accounts.get("nordwind")
    if nordwind is not None and "bob" in users:
        create_work_item(
            users["bob"],
            nordwind,
            type=WorkItemType.CUSTOMIZING,
            title="Pre-commit trigger for ticket numbers",
            owner=users["bob"],
            status=WorkItemStatus.PLANNED,
            due_on=(now + timedelta(days=14)).date(),
        )
    for slug, impact in (
        ("acme", "Our release branch merges take a day and sometimes lose history."),
        ("nordwind", "Merges of the logistics VOB fail every sprint; we re-do them by hand."),
        ("thames", "Quarter-end release blocked twice by corrupted merges."),
    ):
        account = accounts.get(slug)
        owner = primary_psm(account) if account else None
        if account is None or owner is None:
            continue
        item = create_advocacy_item(
            owner,
            account,
            kind=AdvocacyKind.DEFECT,
            title="Merge of large VOBs loses history",
            internal_ref="DEF-10442",
            owner=owner,
            business_impact=impact,
            priority="critical",
            priority_argument="Blocks releases at three clients.",
        )
        add_advocacy_update(
            owner,
            item,
            text="Development reproduced it; fix planned.",
            status="scheduled",
            target_release="11.0.2",
        )
    sakura = accounts.get("sakura")
    if sakura is not None and (owner := primary_psm(sakura)) is not None:
        create_advocacy_item(
            owner,
            sakura,
            kind=AdvocacyKind.ENHANCEMENT,
            title="Japanese UI for DOORS web",
            internal_ref="ENH-2231",
            owner=owner,
            business_impact="Plant engineers read English slowly.",
            priority="medium",
        )


def _satisfaction(now: datetime, accounts: dict[str, Account]) -> None:
    scores = {"acme": 9, "pacific": 8, "maple": 10, "nordwind": 7, "thames": 3, "sakura": 9}
    for slug, score in scores.items():
        account = accounts.get(slug)
        if account is None:
            continue
        contact = account.contacts.filter(is_active=True).first()
        survey = create_survey(
            account,
            SurveyKind.NPS,
            contact=contact,
            engineer=primary_psm(account),
            source_key=f"demo-nps:{slug}",
            now=now - timedelta(days=6),
        )
        if survey is None:
            continue
        comment = (
            "Two weeks without a call back on the licence problem."
            if score <= 6
            else "Our PSM knows our setup better than we do."
        )
        answer_survey(survey_token(survey), score, comment, now=now - timedelta(days=5))
