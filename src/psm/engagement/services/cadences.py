"""Cadence services: effective rules per account, due dates kept current, the sweep."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Max, OuterRef, Q, QuerySet, Subquery, When
from django.utils import timezone

from psm.accounts.models import Account, AccountStatus
from psm.audit.models import record
from psm.engagement import due
from psm.engagement.cadence import RuleError, validate_rule
from psm.engagement.events import TouchpointDue, touchpoint_due
from psm.engagement.mail import send_email
from psm.engagement.models import (
    CADENCE_OF,
    DEFAULT_RULES,
    CadenceKind,
    CadenceRule,
    CadenceState,
    RuleSpec,
    Survey,
    SurveyChannel,
    SurveyKind,
    Touchpoint,
    TouchpointStatus,
)
from psm.team.models import Absence, Assignment, AssignmentRole, User

TRACKED_STATUSES = (AccountStatus.ACTIVE, AccountStatus.ONBOARDING)
KIND_OF_CADENCE: dict[str, str] = {str(c): str(k) for k, c in CADENCE_OF.items()}


def effective_rules(account: Account) -> dict[str, RuleSpec]:
    """Enabled rules per kind: the account's override, else its plan's, else the default."""
    rules: dict[str, RuleSpec] = dict(DEFAULT_RULES)
    disabled: set[str] = set()
    plan_rules = CadenceRule.objects.filter(plan_id=account.service_plan_id)
    account_rules = CadenceRule.objects.filter(account=account)
    for layer in (plan_rules, account_rules):
        for rule in layer:
            if rule.enabled:
                rules[rule.kind] = rule.spec()
                disabled.discard(rule.kind)
            else:
                disabled.add(rule.kind)
    return {kind: spec for kind, spec in rules.items() if kind not in disabled}


def last_done(account: Account, kind: str) -> datetime | None:
    """When this kind of touchpoint last happened, from the records themselves."""
    if kind == CadenceKind.SATISFACTION_SURVEY:
        result = Survey.objects.filter(
            account=account, kind=SurveyKind.NPS, channel=SurveyChannel.EMAIL
        ).aggregate(at=Max("sent_at"))
    else:
        result = Touchpoint.objects.filter(
            account=account, kind=KIND_OF_CADENCE[kind], status=TouchpointStatus.COMPLETED
        ).aggregate(at=Max("starts_at"))
    value: datetime | None = result["at"]
    return value


def refresh_cadences(account: Account, now: datetime | None = None) -> list[CadenceState]:
    """Bring the account's cadence states in line with its rules and its records."""
    now = now or timezone.now()
    rules = effective_rules(account)
    states = []
    with transaction.atomic():
        # Two refreshes of one account at once (a touchpoint saved while the sweep runs)
        # would both create the missing states: the account's row makes them take turns.
        list(Account.objects.select_for_update().filter(pk=account.pk).values_list("pk"))
        CadenceState.objects.filter(account=account).exclude(kind__in=list(rules)).delete()
        existing = {s.kind: s for s in CadenceState.objects.filter(account=account)}
        for kind, spec in rules.items():
            state = existing.get(kind) or CadenceState(account=account, kind=kind, anchor=now)
            state.rrule = spec.rrule
            state.timezone = account.timezone
            state.tolerance_days = spec.tolerance_days
            state.remind_days = spec.remind_days
            state.last_done_at = last_done(account, kind)
            try:
                state.compute(now)
            except RuleError:
                # A rule that no longer parses (zone removed…) stops tracking, not the sweep.
                state.next_due = state.overdue_at = state.remind_at = None
                state.overdue = False
            state.save()
            states.append(state)
    return sorted(states, key=lambda s: (s.next_due is None, s.next_due or now))


def set_cadence_override(
    actor: User | None,
    account: Account,
    kind: str,
    *,
    rrule: str,
    enabled: bool = True,
    tolerance_days: int = 2,
    remind_days: int = 3,
) -> CadenceRule | None:
    """The account's own rule for ``kind``; None when what was asked is what the account
    already follows from its plan (a form saved unchanged makes no override)."""
    if kind not in CadenceKind.values:
        raise ValidationError(f"Unknown cadence kind {kind!r}.")
    try:
        rrule = validate_rule(rrule)
    except RuleError as exc:
        raise ValidationError({"rrule": str(exc)}) from None
    wanted = (rrule, enabled, tolerance_days, remind_days)
    existing = CadenceRule.objects.filter(account=account, kind=kind).first()
    if existing is not None:
        if (existing.rrule, existing.enabled, existing.tolerance_days, existing.remind_days) == (
            wanted
        ):
            return existing
    else:
        current = effective_rules(account).get(kind)
        follows = (
            (False,)
            if current is None
            else (current.rrule, True, current.tolerance_days, current.remind_days)
        )
        if wanted == follows or (current is None and not enabled):
            return None
    with transaction.atomic():
        rule, created = CadenceRule.objects.update_or_create(
            account=account,
            kind=kind,
            defaults={
                "rrule": rrule,
                "enabled": enabled,
                "tolerance_days": tolerance_days,
                "remind_days": remind_days,
            },
        )
        record(
            actor,
            "cadence.override" if created else "cadence.override.update",
            rule,
            account=account,
            changes={"rrule": rrule, "enabled": enabled, "tolerance_days": tolerance_days},
        )
        refresh_cadences(account)
    return rule


def clear_cadence_override(actor: User | None, account: Account, kind: str) -> None:
    with transaction.atomic():
        for rule in CadenceRule.objects.filter(account=account, kind=kind):
            record(actor, "cadence.override.delete", rule, account=account)
            rule.delete()
        refresh_cadences(account)


def refresh_plan(plan_id: int) -> int:
    """After a plan's rules change: refresh every account on the plan."""
    count = 0
    for account in Account.objects.filter(service_plan_id=plan_id, status__in=TRACKED_STATUSES):
        refresh_cadences(account)
        count += 1
    return count


def _current(role: str) -> Subquery:
    return Subquery(
        Assignment.objects.current()
        .filter(account=OuterRef("account"), role=role)
        .order_by("starts_on")
        .values("engineer")[:1]
    )


def with_owner(states: QuerySet[CadenceState]) -> QuerySet[CadenceState]:
    """Annotate ``owner_pk``: the account's manager for management reviews, else its PSM."""
    return states.annotate(
        owner_pk=Case(
            When(
                kind=CadenceKind.MANAGEMENT_REVIEW,
                then=_current(AssignmentRole.MANAGER),
            ),
            default=_current(AssignmentRole.PRIMARY),
        )
    )


def due_states(
    *,
    account: Account | None = None,
    accounts: QuerySet[Account] | None = None,
    owner: User | None = None,
    within: timedelta = timedelta(days=7),
    now: datetime | None = None,
) -> list[CadenceState]:
    """Touchpoints due within ``within`` or overdue, soonest first, each with ``.owner``."""
    now = now or timezone.now()
    states = CadenceState.objects.filter(
        Q(overdue=True) | Q(next_due__lte=now + within), next_due__isnull=False
    ).select_related("account")
    if account is not None:
        states = states.filter(account=account)
    if accounts is not None:
        states = states.filter(account__in=accounts)
    annotated = with_owner(states)
    if owner is not None:
        annotated = annotated.filter(Q(owner_pk=owner.pk))
    rows = list(annotated.order_by("next_due", "account__slug", "kind"))
    users = User.objects.in_bulk({getattr(s, "owner_pk", None) for s in rows} - {None})
    for state in rows:
        state.owner = users.get(getattr(state, "owner_pk", None))  # type: ignore[attr-defined]
    return rows


def recipients_for(owner: User | None, now: datetime) -> list[User]:
    """The owner, and while they are away the colleague who substitutes for them."""
    if owner is None:
        return []
    people = [owner]
    absence = Absence.objects.at(now).filter(engineer=owner).select_related("substitute").first()
    if absence is not None and absence.substitute is not None:
        people.append(absence.substitute)
    return people


@dataclass
class SweepReport:
    created: int = 0
    marked_overdue: int = 0
    reminders: int = 0
    overdue_notices: int = 0
    survey_rounds: int = 0
    details: list[str] = field(default_factory=list)


def sweep_cadences(now: datetime | None = None) -> SweepReport:
    """Keep due/overdue current and send what is due. Every step claims its rows with a
    conditional update, so two sweeps at once (or one run twice) send nothing twice."""
    now = now or timezone.now()
    report = SweepReport()
    untracked = Account.objects.filter(status__in=TRACKED_STATUSES).exclude(
        pk__in=CadenceState.objects.values("account")
    )
    for account in untracked:
        report.created += len(refresh_cadences(account, now))
    report.marked_overdue = CadenceState.objects.filter(
        overdue=False, overdue_at__isnull=False, overdue_at__lt=now
    ).update(overdue=True)
    report.survey_rounds = _send_due_survey_rounds(now)
    report.reminders = _send_reminders(now)
    report.overdue_notices = _send_overdue_notices(now)
    # Work that apps above engagement track (checklist re-validations): their own notices.
    others, others_late = due.sweep(now)
    report.reminders += others
    report.overdue_notices += others_late
    return report


def _send_reminders(now: datetime) -> int:
    sent = 0
    candidates = with_owner(
        CadenceState.objects.filter(remind_at__lte=now, next_due__gt=now)
        .exclude(kind=CadenceKind.SATISFACTION_SURVEY)
        .exclude(reminded_for=F("next_due"))
        .select_related("account")
    )
    for state in candidates:
        with transaction.atomic():
            claimed = (
                CadenceState.objects.filter(pk=state.pk, next_due=state.next_due)
                .exclude(reminded_for=F("next_due"))
                .update(reminded_for=F("next_due"))
            )
            if not claimed:
                continue
            _mail_owner(state, now, overdue=False)
            _announce_due(state, now, overdue=False)
            sent += 1
    return sent


def _send_overdue_notices(now: datetime) -> int:
    sent = 0
    candidates = with_owner(
        CadenceState.objects.filter(overdue=True)
        .exclude(overdue_notified_for=F("next_due"))
        .select_related("account")
    )
    for state in candidates:
        with transaction.atomic():
            claimed = (
                CadenceState.objects.filter(pk=state.pk, next_due=state.next_due, overdue=True)
                .exclude(overdue_notified_for=F("next_due"))
                .update(overdue_notified_for=F("next_due"))
            )
            if not claimed:
                continue
            _mail_owner(state, now, overdue=True)
            _announce_due(state, now, overdue=True)
            sent += 1
    return sent


def _announce_due(state: CadenceState, now: datetime, *, overdue: bool) -> None:
    if state.next_due is not None:
        touchpoint_due.send(
            TouchpointDue(state.account_id, state.pk, state.kind, state.next_due, overdue, now)
        )


def _mail_owner(state: Any, now: datetime, *, overdue: bool) -> None:
    owner_pk = getattr(state, "owner_pk", None)
    owner = User.objects.filter(pk=owner_pk).first() if owner_pk else None
    people = recipients_for(owner, now)
    if not people or state.next_due is None:
        return
    account = state.account
    local = state.next_due.astimezone(ZoneInfo(account.timezone))
    kind = CadenceKind(state.kind).label
    what = "is overdue" if overdue else "falls due soon"
    last = f"{state.last_done_at:%d %B %Y}" if state.last_done_at else "not done yet"
    subject = f"{account.name}: {kind} {what} ({local:%a %d %b %H:%M} {account.timezone})"
    body = (
        f"The {kind.lower()} for {account.name} {what}.\n\n"
        f"Due: {local:%A %d %B %Y %H:%M} {account.timezone} "
        f"({state.next_due:%Y-%m-%d %H:%M} UTC)\n"
        f"Last done: {last}\n\n"
        f"Plan it: {settings.BASE_URL}/accounts/{account.slug}/engagement/\n"
    )
    kind_key = "overdue" if overdue else "reminder"
    send_email(
        f"engagement:{kind_key}:{state.pk}:{state.next_due.isoformat()}",
        [p.email for p in people],
        subject,
        body,
    )


def _send_due_survey_rounds(now: datetime) -> int:
    from psm.engagement.services.satisfaction import send_nps_round

    rounds = 0
    for state in CadenceState.objects.filter(
        kind=CadenceKind.SATISFACTION_SURVEY, next_due__lte=now
    ).select_related("account"):
        if send_nps_round(state, now):
            rounds += 1
    return rounds
