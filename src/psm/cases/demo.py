"""Demo cases for ``psm demo``: a lived-in set of conversations across accounts, one breached,
one waiting on the client. Idempotent: a case whose title already exists is left alone."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from psm.accounts.models import Account, Contact
from psm.cases import services, sweeps
from psm.cases.models import Case, CaseStatus, Origin

# slug, title, priority, opened hours ago, steps (kind, hours after opening, text)
Scenario = tuple[str, str, str, float, list[tuple[str, float, str]]]
SCENARIOS: list[Scenario] = [
    (
        "acme",
        "ClearCase VOB server rejects check-ins",
        "P2",
        6,
        [
            (
                "in",
                0,
                "Since this morning nobody in Boston can check in to the /vobs/core VOB. "
                "cleartool says 'Unable to lock VOB database'.",
            ),
            (
                "reply",
                1,
                "Thanks — I can see the lock manager on vobsrv01 is at its limit. Please "
                "send me the output of 'cleartool lsvob -l /vobs/core' while I check.",
            ),
            ("in", 2, "Output attached as text below. We restarted albd this morning already."),
            (
                "note",
                2.5,
                "lockmgr -f is 256 here; the 9.0.2 defaults are too low for 400 users. "
                "Suggest raising to 1024 and restarting during lunch.",
            ),
        ],
    ),
    (
        "acme",
        "Licence server failover test before the audit",
        "P3",
        52,
        [
            (
                "in",
                0,
                "Our auditors want to see the licence server fail over. Can you help us plan "
                "the test for next week?",
            ),
            (
                "reply",
                3,
                "Happy to. I need the hostnames of both licence servers and a window when "
                "a 10-minute outage is acceptable. I will then send a step-by-step plan.",
            ),
            ("status", 3, "waiting_on_client"),
        ],
    ),
    (
        "pacific",
        "Build Forge agents drop offline every night",
        "P2",
        80,
        [
            (
                "in",
                0,
                "Three of our Build Forge agents in San Diego go offline around 02:00 every "
                "night and the nightly builds fail.",
            ),
        ],
    ),
    (
        "nordwind",
        "DOORS export to ReqIF fails on large modules",
        "P3",
        26,
        [
            ("in", 0, "Der ReqIF-Export bricht bei Modulen über 20.000 Objekten ab. Log anbei."),
            (
                "reply",
                4,
                "Danke — das ist ein bekanntes Speicherproblem im 9.7-Client; bitte "
                "erhöhen Sie den Heap wie in Technote 1234 beschrieben und melden Sie sich.",
            ),
            ("in", 20, "Mit mehr Heap läuft der Export durch, dauert aber 40 Minuten."),
        ],
    ),
    (
        "thames",
        "Rhapsody model merge conflicts after upgrade",
        "P4",
        30,
        [
            ("in", 0, "Since upgrading to 9.0.1 DiffMerge shows conflicts on untouched units."),
            ("note", 1, "Probably the new unit format; ask for two sample units next time."),
        ],
    ),
    (
        "maple",
        "ClearQuest web client slow after the March patch",
        "P3",
        3,
        [
            ("in", 0, "Since the March fix pack the CQ web client takes 20 seconds per query."),
        ],
    ),
    (
        "fjord",
        "Backup of ClearCase registry server: procedure review",
        "P4",
        100,
        [
            ("in", 0, "Could you review our new backup procedure for the registry server?"),
            (
                "reply",
                5,
                "Reviewed — two steps are missing (see below). With those it matches "
                "the recommended procedure.",
            ),
            ("resolve", 6, "Procedure confirmed with the two added steps."),
        ],
    ),
]


def populate() -> dict[str, int]:
    now = timezone.now()
    created = 0
    for slug, title, priority, hours_ago, steps in SCENARIOS:
        account = Account.objects.filter(slug=slug).first()
        if account is None or Case.objects.filter(account=account, title=title).exists():
            continue
        contact = Contact.objects.filter(account=account, is_active=True).order_by("id").first()
        opened = now - timedelta(hours=hours_ago)
        _, _, first_text = steps[0]
        case = services.open_case(
            None,
            account,
            title=title,
            text=first_text,
            priority=priority,
            contact=contact,
            origin=Origin.EMAIL,
            at=opened,
        )
        created += 1
        for kind, after, text in steps[1:]:
            at = opened + timedelta(hours=after)
            engineer = case.assignee
            if kind == "in":
                services.add_message(None, case, text=text, contact=contact, at=at)
            elif kind == "reply" and engineer is not None:
                services.reply(engineer, case, text=text, at=at)
            elif kind == "note" and engineer is not None:
                services.add_note(engineer, case, text, at=at)
            elif kind == "status":
                services.set_status(engineer, case, text, at=at)
            elif kind == "resolve" and engineer is not None:
                services.reply(engineer, case, text=text, status=CaseStatus.RESOLVED, at=at)
    counts = sweeps.sweep(now)
    return {"cases": created, **counts}
