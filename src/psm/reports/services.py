"""Report services: one verb each. They write, audit and notify in one transaction.

The life of a scheduled report:

1. ``claim_due`` (the sweep) finds definitions whose ``next_run_at`` has come, moves each on
   to its next occurrence with a conditional UPDATE (the claim: one scheduler wins) and writes
   the ``ReportRun`` of the period just ended (unique per definition and period), then queues
   ``generate_report`` in the same transaction.
2. ``generate`` (in the worker) draws the data, renders HTML, PDF and e-mail in a child process
   with a time limit, and archives the files. An automatic report is then ``send``-t; a held
   one waits for the PSM (``release``), who is reminded if it is not released in time.
3. ``send`` checks every recipient again (a contact made inactive or whose portal access was
   revoked, an outside address not approved: left out, with the reason), writes one outbox
   row per recipient (key ``report:<run>:<address>``: one mail per recipient per period) and
   sends the ``report.sent`` event.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from psm.accounts.models import Account, Contact, ContactEmail
from psm.audit.models import record
from psm.notifications.models import TransportKind
from psm.notifications.services import Part, notify
from psm.reports import gather as gathering
from psm.reports.events import ReportSent, report_sent
from psm.reports.models import (
    ReleaseMode,
    ReportDefinition,
    ReportRecipient,
    ReportRun,
    RunStatus,
    RunTrigger,
    archive_path,
)
from psm.reports.periods import Period, last_complete
from psm.reports.render import (
    Rendered,
    RenderError,
    current_brand,
    page_html,
    render_report,
    render_with_timeout,
)
from psm.reports.schedule import next_run
from psm.team.models import Assignment, AssignmentRole, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DefinitionSpec:
    """What a definition form says, checked (``psm.reports.forms``)."""

    name: str
    sections: list[dict[str, Any]]
    period_kind: str
    custom_days: int
    schedule: str
    release_mode: str
    release_within_hours: int
    is_active: bool
    is_default: bool
    contacts: list[Contact]
    outside: list[str]


def _psm(account: Account) -> User | None:
    assignment = (
        Assignment.objects.active_on(timezone.localdate())
        .filter(account=account, role=AssignmentRole.PRIMARY)
        .select_related("engineer")
        .order_by("starts_on")
        .first()
    )
    return assignment.engineer if assignment else None


def _staff_url(run: ReportRun) -> str:
    return settings.BASE_URL + reverse("reports:run", args=[run.account.slug, run.pk])


def period_for(definition: ReportDefinition, at: datetime) -> Period:
    """The period a run of ``definition`` at the instant ``at`` reports on: the last whole
    week, month or quarter (or N days) before it, in the client's time zone."""
    return last_complete(
        definition.period_kind, at, definition.account.timezone, days=definition.custom_days
    )


def save_definition(
    actor: User, account: Account, spec: DefinitionSpec, definition: ReportDefinition | None = None
) -> ReportDefinition:
    """Create or change a definition and its recipients. An outside address added by a client
    waits for the PSM's approval (the PSM is told); one added by staff is approved by them."""
    now = timezone.now()
    if definition is not None and _snapshot(definition) == _spec_snapshot(definition, spec):
        return definition  # saved unchanged: nothing written, nothing audited
    with transaction.atomic():
        created = definition is None
        if definition is None:
            definition = ReportDefinition(account=account, created_by=actor)
        before = {
            "name": definition.name,
            "sections": definition.section_keys,
            "schedule": definition.schedule,
            "release_mode": definition.release_mode,
        }
        if spec.is_default:
            ReportDefinition.objects.filter(account=account, is_default=True).exclude(
                pk=definition.pk
            ).update(is_default=False)
        definition.name = spec.name
        definition.sections = spec.sections
        definition.period_kind = spec.period_kind
        definition.custom_days = spec.custom_days
        definition.schedule = spec.schedule
        definition.release_mode = spec.release_mode
        definition.release_within_hours = spec.release_within_hours
        definition.is_active = spec.is_active
        definition.is_default = spec.is_default
        definition.updated_by = actor
        definition.next_run_at = (
            next_run(spec.schedule, account.timezone, now) if spec.is_active else None
        )
        try:
            with transaction.atomic():
                definition.save()
        except IntegrityError:
            raise ValidationError(
                f"This account already has a report named {spec.name!r}."
            ) from None
        _sync_recipients(actor, definition, spec)
        record(
            actor,
            "report.definition_created" if created else "report.definition_changed",
            definition,
            account=account,
            changes={
                "before": before,
                "after": {
                    "name": definition.name,
                    "sections": definition.section_keys,
                    "schedule": definition.schedule,
                    "release_mode": definition.release_mode,
                },
            },
        )
    return definition


def _snapshot(definition: ReportDefinition) -> tuple[Any, ...]:
    recipients = list(definition.recipients.all())
    return (
        definition.name,
        definition.sections,
        definition.period_kind,
        definition.custom_days,
        definition.schedule,
        definition.release_mode,
        definition.release_within_hours,
        definition.is_active,
        definition.is_default,
        frozenset(r.contact_id for r in recipients if r.contact_id),
        frozenset(r.email.lower() for r in recipients if not r.contact_id),
    )


def _spec_snapshot(definition: ReportDefinition, spec: DefinitionSpec) -> tuple[Any, ...]:
    return (
        spec.name,
        spec.sections,
        spec.period_kind,
        spec.custom_days,
        spec.schedule,
        spec.release_mode,
        spec.release_within_hours,
        spec.is_active,
        spec.is_default,
        frozenset(c.pk for c in spec.contacts),
        frozenset(a.strip().lower() for a in spec.outside if a.strip()),
    )


def _sync_recipients(actor: User, definition: ReportDefinition, spec: DefinitionSpec) -> None:
    existing = list(definition.recipients.all())
    wanted_contacts = {c.pk for c in spec.contacts}
    wanted_outside = {a.strip().lower() for a in spec.outside if a.strip()}
    # An address that belongs to one of the account's contacts is that contact, not outside.
    inside = dict(
        ContactEmail.objects.filter(
            contact__account=definition.account, address__in=wanted_outside
        ).values_list("address", "contact_id")
    )
    wanted_contacts |= set(inside.values())
    wanted_outside -= set(inside)
    for recipient in existing:
        keep = (
            recipient.contact_id in wanted_contacts
            if recipient.contact_id
            else recipient.email.lower() in wanted_outside
        )
        if not keep:
            recipient.delete()
    have_contacts = {r.contact_id for r in existing if r.contact_id}
    have_outside = {r.email.lower() for r in existing if not r.contact_id}
    for contact_id in wanted_contacts - have_contacts:
        ReportRecipient.objects.create(definition=definition, contact_id=contact_id, added_by=actor)
    new_outside = sorted(wanted_outside - have_outside)
    staff = actor.is_provider_staff
    for address in new_outside:
        ReportRecipient.objects.create(
            definition=definition,
            email=address,
            added_by=actor,
            approved_at=timezone.now() if staff else None,
            approved_by=actor if staff else None,
        )
    if new_outside and not staff:
        psm = _psm(definition.account)
        if psm is not None and psm.email:
            url = settings.BASE_URL + reverse(
                "reports:definition", args=[definition.account.slug, definition.pk]
            )
            notify(
                f"report:approve:{definition.pk}:{','.join(new_outside)}"[:200],
                transport=TransportKind.EMAIL,
                recipient=psm.email,
                subject=f"Approve report recipients for {definition.account.name}",
                body=(
                    f"{actor.display_name} added {', '.join(new_outside)} to the report "
                    f"“{definition.name}” of {definition.account.name}. Addresses outside the "
                    f"account receive nothing until you approve them:\n\n{url}\n"
                ),
                user=psm,
                account=definition.account,
            )


def approve_recipient(actor: User, recipient: ReportRecipient) -> None:
    with transaction.atomic():
        updated = ReportRecipient.objects.filter(
            pk=recipient.pk, contact__isnull=True, approved_at__isnull=True
        ).update(approved_at=timezone.now(), approved_by=actor)
        if updated:
            record(
                actor,
                "report.recipient_approved",
                recipient.definition,
                account=recipient.definition.account,
                changes={"address": recipient.email},
            )


def delete_definition(actor: User, definition: ReportDefinition) -> None:
    """Remove a definition; its archived runs stay (they name it)."""
    with transaction.atomic():
        record(actor, "report.definition_deleted", definition, account=definition.account)
        definition.delete()


def _new_run(definition: ReportDefinition, period: Period, trigger: str) -> ReportRun | None:
    """The run of ``definition`` for ``period``, unless that period already has one."""
    try:
        with transaction.atomic():
            return ReportRun.objects.create(
                definition=definition,
                account=definition.account,
                name=definition.name,
                trigger=trigger,
                period_kind=period.kind,
                period_code=period.code,
                period_label=period.label,
                period_start=period.start,
                period_end=period.end,
                release_mode=definition.release_mode,
            )
    except IntegrityError:
        return None


def claim_due(now: datetime | None = None, limit: int = 200) -> list[int]:
    """The sweep: one run per definition whose time has come, claimed with a conditional
    UPDATE on ``next_run_at`` (two schedulers: one wins). Returns the new runs' ids."""
    from psm.reports.tasks import generate_report

    now = now or timezone.now()
    made: list[int] = []
    due = (
        ReportDefinition.objects.filter(is_active=True, next_run_at__lte=now)
        .select_related("account")
        .order_by("next_run_at")[:limit]
    )
    for definition in due:
        slot = definition.next_run_at
        assert slot is not None
        following = next_run(definition.schedule, definition.account.timezone, max(slot, now))
        with transaction.atomic():
            won = ReportDefinition.objects.filter(
                pk=definition.pk, is_active=True, next_run_at=slot
            ).update(next_run_at=following)
            if not won:
                continue
            run = _new_run(definition, period_for(definition, slot), RunTrigger.SCHEDULE)
            if run is None:
                continue
            generate_report.enqueue(run.pk)
            made.append(run.pk)
    return made


def run_now(actor: User, definition: ReportDefinition) -> ReportRun:
    """Make the report of the last whole period now (staff), unless that period has a run."""
    from psm.reports.tasks import generate_report

    period = period_for(definition, timezone.now())
    with transaction.atomic():
        run = _new_run(definition, period, RunTrigger.MANUAL)
        if run is None:
            raise ValidationError(f"{period.label} already has a report for {definition.name}.")
        record(actor, "report.run_started", run, account=definition.account)
        generate_report.enqueue(run.pk)
    return run


def archive(run: ReportRun, rendered: Rendered) -> dict[str, Any]:
    """Write the run's files; returns the fields that name them. Files are never overwritten:
    a file an outbox row names is the file every delivery attempt sends."""

    def save(name: str, content: bytes) -> str:
        stored: str = default_storage.save(archive_path(run, name), ContentFile(content))
        return stored

    images = [
        {"cid": cid, "path": save(f"{cid.split('@')[0]}.png", data)}
        for cid, data in rendered.images
    ]
    return {
        "html_path": save("report.html", rendered.html.encode()),
        "pdf_path": save("report.pdf", rendered.pdf),
        "json_path": save("report.json", json.dumps(run.data, indent=2, sort_keys=True).encode()),
        "email_path": save("email.html", rendered.email_html.encode()),
        "images": images,
        "pdf_bytes": len(rendered.pdf),
    }


def generate(run: ReportRun, *, timeout: float | None = None) -> ReportRun:
    """Draw, render and archive one run, then send it (automatic, or released) or hold it."""
    if run.status not in (RunStatus.PENDING, RunStatus.RELEASING):
        return run
    definition = run.definition
    now = timezone.now()
    if run.status == RunStatus.PENDING:
        if definition is None:
            return _fail(run, "The report's definition was deleted before it was made.")
        period = Period(
            run.period_kind,
            *_days(run),
            definition.account.timezone,
        )
        run.data = gathering.gather(
            run.account, period, definition.sections, name=run.name, now=now
        )
        run.brand = current_brand()
    else:
        author = run.released_by.display_name if run.released_by else ""
        run.data = gathering.with_commentary(run.data, run.commentary, author)
    try:
        rendered = render_with_timeout(
            run.data, run.brand, timeout or float(settings.PSM_REPORT_RENDER_SECONDS)
        )
    except RenderError as exc:
        return _fail(run, str(exc))
    files = archive(run, rendered)
    for name, value in files.items():
        setattr(run, name, value)
    run.rendered_at = timezone.now()
    fields = ["data", "brand", "rendered_at", *files]
    if run.status == RunStatus.PENDING and run.release_mode == ReleaseMode.HOLD:
        with transaction.atomic():
            run.remind_at = now + timedelta(
                hours=definition.release_within_hours if definition else 24
            )
            updated = ReportRun.objects.filter(pk=run.pk, status=RunStatus.PENDING).update(
                status=RunStatus.HELD,
                remind_at=run.remind_at,
                **{f: getattr(run, f) for f in fields},
            )
            if updated:
                run.status = RunStatus.HELD
                _tell_psm(run, "ready", "is ready for your commentary and release")
        return run
    ReportRun.objects.filter(pk=run.pk).update(**{f: getattr(run, f) for f in fields})
    send(run, rendered.subject, rendered.email_text)
    return run


def _days(run: ReportRun) -> tuple[Any, Any]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(run.account.timezone)
    return run.period_start.astimezone(zone).date(), run.period_end.astimezone(zone).date()


def _fail(run: ReportRun, reason: str) -> ReportRun:
    log.warning("report run %s failed: %s", run.pk, reason)
    with transaction.atomic():
        ReportRun.objects.filter(pk=run.pk).exclude(status=RunStatus.SENT).update(
            status=RunStatus.FAILED, error=reason[:2000]
        )
        run.status, run.error = RunStatus.FAILED, reason
        _tell_psm(run, "failed", f"could not be made: {reason}")
    return run


def _tell_psm(run: ReportRun, what: str, text: str) -> None:
    psm = _psm(run.account)
    if psm is None or not psm.email:
        return
    notify(
        f"report:{run.pk}:{what}",
        transport=TransportKind.EMAIL,
        recipient=psm.email,
        subject=f"Report {run.name} for {run.account.name}, {run.period_label}: {what}",
        body=f"The report “{run.name}” of {run.account.name} for {run.period_label} {text}.\n\n"
        f"{_staff_url(run)}\n",
        user=psm,
        account=run.account,
    )


def retry(actor: User, run: ReportRun) -> None:
    from psm.reports.tasks import generate_report

    with transaction.atomic():
        status = RunStatus.RELEASING if run.released_at else RunStatus.PENDING
        if ReportRun.objects.filter(pk=run.pk, status=RunStatus.FAILED).update(
            status=status, error=""
        ):
            record(actor, "report.run_retried", run, account=run.account)
            generate_report.enqueue(run.pk)


def release(actor: User, run: ReportRun, commentary: str) -> bool:
    """The PSM's commentary goes in and the held report is rendered again and sent."""
    from psm.reports.tasks import generate_report

    with transaction.atomic():
        updated = ReportRun.objects.filter(pk=run.pk, status=RunStatus.HELD).update(
            status=RunStatus.RELEASING,
            commentary=commentary.strip(),
            released_by=actor,
            released_at=timezone.now(),
        )
        if not updated:
            return False
        record(
            actor, "report.released", run, account=run.account, changes={"commentary": commentary}
        )
        generate_report.enqueue(run.pk)
    return True


def recipients_now(definition: ReportDefinition | None) -> tuple[list[str], list[dict[str, str]]]:
    """(addresses to send to, [{who, reason}] left out), checked now: the contact is active
    and of this account, a contact with a portal log-in still has it, an outside address is
    approved. Called at send time, so a revoked contact receives nothing."""
    if definition is None or not definition.is_active:
        return [], [{"who": "everyone", "reason": "the report is paused or deleted"}]
    send_to: list[str] = []
    withheld: list[dict[str, str]] = []
    for r in definition.recipients.select_related("contact__user").prefetch_related(
        "contact__emails"
    ):
        if r.contact is None:
            if r.approved_at is None:
                withheld.append({"who": r.email, "reason": "waiting for the PSM's approval"})
            else:
                send_to.append(r.email.lower())
            continue
        contact = r.contact
        if not contact.is_active or contact.account_id != definition.account_id:
            withheld.append({"who": contact.name, "reason": "no longer an active contact"})
        elif contact.user is not None and not contact.user.is_active:
            withheld.append({"who": contact.name, "reason": "portal access revoked"})
        elif not contact.primary_email:
            withheld.append({"who": contact.name, "reason": "no e-mail address"})
        else:
            send_to.append(contact.primary_email.lower())
    return sorted(set(send_to)), withheld


def send(run: ReportRun, subject: str, text: str) -> list[str]:
    """One outbox mail per recipient allowed now, with the PDF attached and the charts inline;
    the run is marked sent by a conditional UPDATE, so it is sent once."""
    definition = run.definition
    addresses, withheld = recipients_now(definition)
    html = default_storage.open(run.email_path).read().decode()
    parts = [
        Part(
            filename=f"{image['cid'].split('@')[0]}.png",
            content_type="image/png",
            content=default_storage.open(image["path"]).read(),
            disposition="inline",
            cid=image["cid"],
        )
        for image in run.images
    ]
    filename = f"{run.account.slug}-{run.period_code.replace('..', '_to_')}.pdf"
    pdf = default_storage.open(run.pdf_path).read()
    parts.append(Part(filename=filename, content_type="application/pdf", content=pdf))
    now = timezone.now()
    with transaction.atomic():
        won = ReportRun.objects.filter(
            pk=run.pk, status__in=(RunStatus.PENDING, RunStatus.RELEASING)
        ).update(status=RunStatus.SENT, sent_at=now, recipients=addresses, withheld=withheld)
        if not won:
            return []
        for address in addresses:
            notify(
                f"report:{run.pk}:{address}"[:200],
                transport=TransportKind.EMAIL,
                recipient=address,
                subject=subject,
                body=text,
                html=html,
                parts=parts,
                headers={"Auto-Submitted": "auto-generated"},
                account=run.account,
            )
        record(
            None,
            "report.sent",
            run,
            account=run.account,
            changes={"recipients": addresses, "withheld": withheld},
        )
        report_sent.send(
            ReportSent(
                run_id=run.pk,
                account_id=run.account_id,
                definition_id=run.definition_id,
                period_code=run.period_code,
                recipients=tuple(addresses),
            )
        )
    run.status, run.sent_at, run.recipients, run.withheld = RunStatus.SENT, now, addresses, withheld
    return addresses


def remind_held(now: datetime | None = None) -> int:
    """Held reports not released by their time: the PSM is reminded once (conditional UPDATE)."""
    now = now or timezone.now()
    reminded = 0
    for run in ReportRun.objects.filter(
        status=RunStatus.HELD, remind_at__lte=now, reminded_at__isnull=True
    ).select_related("account"):
        with transaction.atomic():
            if ReportRun.objects.filter(
                pk=run.pk, status=RunStatus.HELD, reminded_at__isnull=True
            ).update(reminded_at=now):
                _tell_psm(run, "reminder", "is still waiting for your commentary and release")
                reminded += 1
    return reminded


def rerender(run: ReportRun) -> Rendered:
    """The archived run rendered again from its stored data and brand."""
    return render_report(run.data, run.brand)


def preview(account: Account, name: str, sections: list[dict[str, Any]], period: Period) -> str:
    """The report as a page, drawn now (the definition form's live preview)."""
    data = gathering.gather(account, period, sections, name=name or "Status report")
    return page_html(data, current_brand(), "page")


def visible_runs(account: Account, *, client: bool) -> Any:
    runs = ReportRun.objects.filter(account=account).select_related("definition")
    if client:
        runs = runs.filter(status=RunStatus.SENT)
    return runs
