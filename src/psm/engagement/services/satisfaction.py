"""Satisfaction surveys answered by one-click signed links, and the alerts low scores raise.

A link carries ``TimestampSigner(survey id + nonce)``: it cannot be forged without the secret
key, it expires (signature age *and* the survey's ``expires_at``), and it is single use
because the answer is written with a conditional UPDATE that only matches an unanswered row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from psm.accounts.models import Account, Contact
from psm.audit.models import record
from psm.cases.models import Case
from psm.engagement.mail import send_email
from psm.engagement.models import (
    CadenceState,
    Survey,
    SurveyChannel,
    SurveyKind,
    Touchpoint,
)
from psm.engagement.services.people import manager_of, primary_psm
from psm.engagement.services.policy import policy
from psm.team.models import User

SALT = "psm.engagement.survey"
# However long a survey says it is valid, a link older than this is refused.
MAX_LINK_AGE = timedelta(days=90)

QUESTIONS = {
    SurveyKind.CSAT: "How satisfied are you with how your support case was handled?",
    SurveyKind.CHECK_IN: "How useful was our check-in?",
    SurveyKind.NPS: "How likely are you to recommend our premium support to a colleague?",
}


class SurveyLinkError(Exception):
    """Why a survey link cannot be used; ``reason`` is one of invalid, expired, used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def survey_token(survey: Survey) -> str:
    return _signer().sign(f"{survey.pk}.{survey.nonce}")


def survey_url(survey: Survey, score: int | None = None) -> str:
    url = settings.BASE_URL + reverse("engagement:survey", args=[survey_token(survey)])
    return f"{url}?score={score}" if score is not None else url


def read_token(token: str, now: datetime | None = None) -> Survey:
    """The survey a link is for, or SurveyLinkError: invalid (forged, tampered, unknown,
    replaced), expired, or used (already answered)."""
    now = now or timezone.now()
    try:
        value = _signer().unsign(token, max_age=MAX_LINK_AGE)
    except signing.SignatureExpired:
        raise SurveyLinkError("expired") from None
    except signing.BadSignature:
        raise SurveyLinkError("invalid") from None
    pk, _, nonce = value.partition(".")
    survey = (
        Survey.objects.select_related("account", "engineer", "contact")
        .filter(pk=int(pk) if pk.isdigit() else 0, nonce=nonce)
        .first()
    )
    if survey is None:
        raise SurveyLinkError("invalid")
    if survey.answered_at is not None:
        raise SurveyLinkError("used")
    if survey.expires_at is not None and survey.expires_at <= now:
        raise SurveyLinkError("expired")
    return survey


def create_survey(
    account: Account,
    kind: str,
    *,
    contact: Contact | None,
    engineer: User | None,
    subject: str = "",
    touchpoint: Touchpoint | None = None,
    source_key: str | None = None,
    case: Any = None,
    now: datetime | None = None,
) -> Survey | None:
    """Create and send one survey by e-mail; None if one exists for ``source_key`` already
    or the contact has no address."""
    now = now or timezone.now()
    address = contact.primary_email if contact is not None else ""
    if not address:
        return None
    days = int(policy(account)["survey_valid_days"])
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                account=account,
                kind=kind,
                channel=SurveyChannel.EMAIL,
                contact=contact,
                engineer=engineer,
                subject=subject[:200],
                touchpoint=touchpoint,
                source_key=source_key,
                case=case,
                sent_at=now,
                expires_at=now + timedelta(days=days),
            )
            _mail_survey(survey, address)
    except IntegrityError:
        return None
    return survey


def _mail_survey(survey: Survey, address: str) -> None:
    low, high = survey.scale
    question = QUESTIONS[SurveyKind(survey.kind)]
    lines = [
        f"Dear {survey.contact.name if survey.contact else 'colleague'},",
        "",
        question + (f"\n({survey.subject})" if survey.subject else ""),
        "",
        "Click your answer — one click, no log-in:",
        "",
    ]
    lines += [f"  {score}: {survey_url(survey, score)}" for score in range(low, high + 1)]
    lines += [
        "",
        f"The link works once and until {survey.expires_at:%d %B %Y}.",
        f"Thank you — {survey.engineer.display_name if survey.engineer else 'your PSM team'}",
    ]
    buttons = "".join(
        f'<a href="{survey_url(survey, score)}" style="display:inline-block;padding:6px 10px;'
        f'margin:2px;border:1px solid #888;border-radius:4px;text-decoration:none">{score}</a>'
        for score in range(low, high + 1)
    )
    html = (
        f"<p>{question}</p>"
        + (f"<p><em>{survey.subject}</em></p>" if survey.subject else "")
        + f"<p>{buttons}</p><p><small>{low} = not at all, {high} = completely. "
        "The link works once.</small></p>"
    )
    send_email(f"engagement:survey:{survey.pk}", [address], question, "\n".join(lines), html=html)


@dataclass(frozen=True)
class Answer:
    survey: Survey
    alerted: bool


def answer_survey(token: str, score: int, comment: str = "", now: datetime | None = None) -> Answer:
    """Record the answer once. A second use of the link is refused (``used``)."""
    now = now or timezone.now()
    survey = read_token(token, now)
    low, high = survey.scale
    if not low <= score <= high:
        raise ValueError(f"The score must be between {low} and {high}.")
    with transaction.atomic():
        written = Survey.objects.filter(
            pk=survey.pk, nonce=survey.nonce, answered_at__isnull=True
        ).update(answered_at=now, score=score, comment=comment.strip()[:4000])
        if not written:
            raise SurveyLinkError("used")
        survey.refresh_from_db()
        record(None, "survey.answer", survey, account=survey.account, changes={"score": score})
        alerted = alert_if_low(survey, now)
    return Answer(survey, alerted)


def record_rating(
    actor: User | None,
    touchpoint: Touchpoint,
    score: int,
    contact: Contact | None = None,
    comment: str = "",
) -> Survey:
    """A rating asked at the end of a meeting, written by the PSM."""
    now = timezone.now()
    with transaction.atomic():
        survey, _ = Survey.objects.update_or_create(
            source_key=f"in_person:{touchpoint.pk}",
            defaults={
                "account": touchpoint.account,
                "kind": SurveyKind.CHECK_IN,
                "channel": SurveyChannel.IN_PERSON,
                "contact": contact,
                "engineer": touchpoint.owner,
                "touchpoint": touchpoint,
                "subject": touchpoint.title,
                "answered_at": now,
                "score": score,
                "comment": comment,
            },
        )
        record(actor, "survey.rating", survey, account=touchpoint.account, changes={"score": score})
        alert_if_low(survey, now)
    return survey


def alert_if_low(survey: Survey, now: datetime) -> bool:
    """Alert the PSM and their manager once about a low score."""
    if not survey.is_low:
        return False
    claimed = Survey.objects.filter(pk=survey.pk, alerted_at__isnull=True).update(alerted_at=now)
    if not claimed:
        return False
    survey.alerted_at = now
    engineer = survey.engineer or primary_psm(survey.account)
    manager = manager_of(engineer, survey.account)
    people = [p for p in (engineer, manager) if p is not None and p.email]
    account = survey.account
    who = survey.contact.name if survey.contact else "A client contact"
    low, high = survey.scale
    subject = f"Low satisfaction score at {account.name}: {survey.score}/{high}"
    body = (
        f"{who} of {account.name} answered {survey.score} on a {low}–{high} scale.\n"
        f"Survey: {survey.get_kind_display()}"
        + (f" — {survey.subject}" if survey.subject else "")
        + "\n"
        + (f"Comment: {survey.comment}\n" if survey.comment else "No comment.\n")
        + f"\nAccount: {settings.BASE_URL}/accounts/{account.slug}/engagement/\n"
    )
    send_email(f"engagement:low-score:{survey.pk}", [p.email for p in people], subject, body)
    record(None, "survey.low_score_alert", survey, account=account, changes={"to": people})
    return True


def send_csat_survey(case: Any) -> Survey | None:
    """Hook for the cases app: ask the case's contact after the case is resolved (once)."""
    account = case.account
    if not policy(account)["survey_after_case"]:
        return None
    engineer = getattr(case, "assignee", None) or primary_psm(account)
    reference = getattr(case, "reference", "") or f"case {case.pk}"
    return create_survey(
        account,
        SurveyKind.CSAT,
        contact=getattr(case, "contact", None),
        engineer=engineer,
        subject=f"{reference}: {getattr(case, 'title', '')}",
        source_key=f"case:{case.pk}",
        case=case if isinstance(case, Case) else None,
    )


def send_check_in_surveys(touchpoint: Touchpoint) -> list[Survey]:
    if not policy(touchpoint.account)["survey_after_check_in"]:
        return []
    surveys = []
    attendees = touchpoint.attendees.filter(contact__isnull=False).exclude(attended=False)
    for attendee in attendees.select_related("contact"):
        survey = create_survey(
            touchpoint.account,
            SurveyKind.CHECK_IN,
            contact=attendee.contact,
            engineer=touchpoint.owner,
            subject=f"{touchpoint.title}, {touchpoint.starts_at:%d %b %Y}",
            touchpoint=touchpoint,
            source_key=f"check_in:{touchpoint.pk}:{attendee.contact_id}",
        )
        if survey is not None:
            surveys.append(survey)
    return surveys


def send_nps_round(state: CadenceState, now: datetime) -> bool:
    """The periodic NPS round of one account, if this caller wins the claim on its due date."""
    account = state.account
    contacts = [
        c
        for c in account.contacts.filter(is_active=True).prefetch_related("emails")
        if c.primary_email
    ]
    if not contacts or state.next_due is None:
        return False
    due = state.next_due
    state.last_done_at = now
    state.compute(now)
    with transaction.atomic():
        claimed = CadenceState.objects.filter(pk=state.pk, next_due=due).update(
            last_done_at=now,
            next_due=state.next_due,
            overdue_at=state.overdue_at,
            remind_at=state.remind_at,
            overdue=state.overdue,
        )
        if not claimed:
            return False
        engineer = primary_psm(account)
        for contact in contacts:
            create_survey(
                account,
                SurveyKind.NPS,
                contact=contact,
                engineer=engineer,
                source_key=f"nps:{account.pk}:{due.isoformat()}:{contact.pk}",
                now=now,
            )
    return True


def answered(surveys: QuerySet[Survey]) -> QuerySet[Survey]:
    return surveys.filter(answered_at__isnull=False)


def nps(scores: list[int]) -> int | None:
    """Net promoter score: % promoters (9–10) minus % detractors (0–6)."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100 * (promoters - detractors) / len(scores))


def monthly_scores(surveys: QuerySet[Survey]) -> list[dict[str, Any]]:
    """Per month and kind: number of answers and the mean score (oldest first)."""
    rows = (
        answered(surveys)
        .annotate(month=TruncMonth("answered_at"))
        .values("month", "kind")
        .annotate(answers=Count("pk"), mean=Avg("score"))
        .order_by("month", "kind")
    )
    return list(rows)


def engineer_scores(surveys: QuerySet[Survey]) -> list[dict[str, Any]]:
    rows = (
        answered(surveys)
        .filter(engineer__isnull=False)
        .values("engineer", "engineer__first_name", "engineer__last_name", "kind")
        .annotate(answers=Count("pk"), mean=Avg("score"))
        .order_by("engineer__first_name", "kind")
    )
    return list(rows)
