"""What PSM holds about a client contact, and erasing it (data-protection requests).

``export`` writes everything held about a person: their contact record and log-in, every
row that refers to either (found through the models' relations, so a new app's data is
included without changes here), the messages of their cases with the attachments, the raw
mail they sent, the notifications PSM sent them and the audit entries about them.

``erase`` anonymises the person and keeps the cases readable: the contact becomes "Erased
contact N", their addresses, phone numbers and log-in are removed, and their name, addresses
and numbers are replaced by "[erased]" in the texts of every row that refers to them, the
messages of their cases, the raw mail they sent (overwritten in place) and the audit log.
The cases, their timelines, clocks and figures stay. The erasure itself is audited (with
counts, not the personal data).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import ForeignObjectRel, Q
from django.utils import timezone
from django_otp import devices_for_user

from psm.accounts.models import Contact
from psm.audit.models import AuditEntry, record
from psm.cases.models import Attachment, Case, Message
from psm.channels.email.models import InboundMessage
from psm.notifications.models import Notification

ERASED = "[erased]"
# Field names whose values are never exported (secrets of the person's log-in and devices).
_WITHHELD = re.compile(r"password|secret|key|token|encrypted|digest|nonce|credential", re.I)


class PrivacyError(Exception):
    pass


def find_contact(identifier: str) -> Contact:
    """A contact by id or by one of its e-mail addresses."""
    query = Q(emails__address__iexact=identifier.strip())
    if identifier.strip().isdigit():
        query |= Q(pk=int(identifier))
    found = list(Contact.objects.filter(query).distinct()[:2])
    if not found:
        raise PrivacyError(f"no contact with id or e-mail address {identifier!r}")
    if len(found) > 1:
        raise PrivacyError(f"{identifier!r} names several contacts: give the contact id")
    return found[0]


# --- export ---------------------------------------------------------------------------


def export(contact: Contact, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    files: list[dict[str, str]] = []
    cases = _cases(contact)
    messages = Message.objects.filter(case__in=cases).order_by("case_id", "created_at", "id")
    for attachment in Attachment.objects.filter(message__in=messages).select_related("message"):
        target = out / "files" / f"{attachment.pk}-{Path(attachment.filename).name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        with attachment.file.open("rb") as source, open(target, "wb") as sink:
            shutil.copyfileobj(source, sink)
        files.append({"attachment": str(attachment.pk), "path": target.relative_to(out).as_posix()})
    mail = []
    for inbound in _inbound(contact):
        target = out / "mail" / f"{inbound.pk}.eml"
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            target.write_bytes(inbound.raw())
        except OSError:
            target = None  # type: ignore[assignment]
        mail.append({**_row(inbound), "file": target.relative_to(out).as_posix() if target else ""})
    data = {
        "exported_at": timezone.now(),
        "contact": _row(contact),
        "emails": list(contact.emails.values_list("address", flat=True)),
        "user": _row(contact.user) if contact.user is not None else None,
        "related": _related_rows(contact),
        "cases": [_row(case) for case in cases],
        "messages": [_row(message) for message in messages],
        "inbound_mail": mail,
        "notifications": [_row(n) for n in _notifications(contact)],
        "audit": [_row(entry) for entry in _audit(contact)],
        "files": files,
    }
    path = out / "data.json"
    path.write_text(json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))
    return path


def _related_rows(contact: Contact) -> dict[str, list[dict[str, Any]]]:
    related: dict[str, list[dict[str, Any]]] = {}
    for label, rows in _referring(contact):
        related.setdefault(label, []).extend(_row(row) for row in rows)
    return related


def _row(obj: models.Model) -> dict[str, Any]:
    row: dict[str, Any] = {"_model": obj._meta.label_lower}
    for f in obj._meta.concrete_fields:
        value = getattr(obj, f.attname)
        if _WITHHELD.search(f.name) and f.name not in ("key",) and not f.primary_key:
            value = "[withheld]" if value else value
        elif isinstance(f, models.FileField):
            value = str(value) if value else ""
        row[f.attname] = value
    return row


# --- erase ----------------------------------------------------------------------------


@dataclass
class Erasure:
    contact_id: int
    rows: int = 0
    mail: int = 0
    notifications: int = 0
    audit: int = 0
    details: dict[str, int] = field(default_factory=dict)


def erase(actor: Any, contact: Contact) -> Erasure:
    report = Erasure(contact.pk)
    scrub = _scrubber(contact)
    with transaction.atomic():
        cases = list(_cases(contact))
        referring = list(_referring(contact))
        inbound = list(_inbound(contact))
        notifications = list(_notifications(contact))
        audit = list(_audit(contact))
        for label, rows in referring:
            for row in rows:
                if _scrub_row(row, scrub):
                    report.rows += 1
                    report.details[label] = report.details.get(label, 0) + 1
        for case in cases:
            report.rows += _scrub_row(case, scrub)
            for message in Message.objects.filter(case=case):
                report.rows += _scrub_row(message, scrub)
        for raw in inbound:
            _overwrite_raw(raw)
            raw.envelope_from = ""
            raw.from_address = ""
            raw.envelope_to = [ERASED if scrub(a) != a else a for a in raw.envelope_to]
            raw.subject = scrub(raw.subject)
            raw.save()
            report.mail += 1
        for notification in notifications:
            _scrub_row(notification, scrub)
            report.notifications += 1
        for entry in audit:
            entry.object_repr = scrub(entry.object_repr)[:200]
            entry.changes = _scrub_json(entry.changes, scrub)
            entry.save(update_fields=["object_repr", "changes"])
            report.audit += 1
        user = contact.user
        if user is not None:
            # What deleting the log-in would delete (calendar feeds, API keys) goes with it.
            for model, name, on_delete in _reverse_relations(user):
                label = model._meta.label_lower
                if on_delete is models.CASCADE and not label.startswith(
                    ("otp_", "django_otp", "security.")
                ):
                    model._default_manager.filter(**{name: user}).delete()
            _erase_user(user)
        contact.emails.all().delete()
        for label, rows in referring:
            if label == "telephony.contactphone":
                for row in rows:
                    row.delete()
        contact.name = f"Erased contact {contact.pk}"
        contact.title = ""
        contact.phone = ""
        contact.mobile = ""
        contact.user = None
        contact.save()
        record(
            actor,
            "privacy.erase",
            contact,
            account=contact.account,
            changes={
                "rows": report.rows,
                "mail": report.mail,
                "notifications": report.notifications,
                "audit": report.audit,
            },
        )
    return report


def _erase_user(user: Any) -> None:
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
    user.username = f"erased-{user.pk}"
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.is_active = False
    user.set_unusable_password()  # also ends every session (the auth hash changes)
    user.save()


def _scrubber(contact: Contact) -> Any:
    words = {contact.name, *contact.emails.values_list("address", flat=True)}
    if contact.user_id and contact.user is not None:
        words |= {contact.user.username, contact.user.email, contact.user.get_full_name()}
    for number in (contact.phone, contact.mobile):
        if number:
            words.add(number)
            digits = re.sub(r"\D", "", number)
            if len(digits) >= 6:
                words.add(digits)
    # Longest first, so "Alma Client" goes before "Alma"; very short words would hit too much.
    parts = sorted((w for w in words if w and len(w.strip()) >= 3), key=len, reverse=True)
    if not parts:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(p.strip()) for p in parts), re.IGNORECASE)

    def scrub(text: str) -> str:
        return pattern.sub(ERASED, text) if isinstance(text, str) and text else text

    return scrub


def _scrub_row(row: models.Model, scrub: Any) -> int:
    changed = []
    for f in row._meta.concrete_fields:
        if f.primary_key or f.is_relation or getattr(f, "choices", None):
            continue
        value = getattr(row, f.attname)
        if isinstance(f, (models.CharField, models.TextField)) and isinstance(value, str):
            new = scrub(value)
            if isinstance(f, models.CharField) and f.max_length:
                new = new[: f.max_length]
        elif isinstance(f, models.JSONField):
            new = _scrub_json(value, scrub)
        else:
            continue
        if new != value:
            setattr(row, f.attname, new)
            changed.append(f.attname)
    if changed:
        row.save(update_fields=changed)
    return 1 if changed else 0


def _scrub_json(value: Any, scrub: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub_json(v, scrub) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, scrub) for k, v in value.items()}
    return value


def _overwrite_raw(message: InboundMessage) -> None:
    """The raw bytes are overwritten in place (a batch file keeps its other messages)."""
    path = message.path
    if not path.exists():
        return
    if message.raw_length is None:
        blank = b"(erased under a data-protection request)\r\n"
        path.write_bytes(blank)
        message.size = len(blank)
        message.sha256 = hashlib.sha256(blank).hexdigest()
        return
    with open(path, "r+b") as fh:
        fh.seek(message.raw_offset)
        fh.write(b" " * message.raw_length)
    message.sha256 = hashlib.sha256(b" " * message.raw_length).hexdigest()


# --- what refers to the person ------------------------------------------------------


def _subjects(contact: Contact) -> list[models.Model]:
    return [contact, *([contact.user] if contact.user_id and contact.user else [])]


def _referring(contact: Contact) -> Iterator[tuple[str, Iterable[models.Model]]]:
    """Every row of every model that points at the contact or their log-in."""
    skip = {
        "accounts.contactemail",
        "cases.case",
        "cases.message",
        "audit.auditentry",
        "notifications.notification",
    }
    for subject in _subjects(contact):
        for model, name, _ in _reverse_relations(subject):
            label = model._meta.label_lower
            if label in skip or label.startswith(("otp_", "django_otp", "security.")):
                continue
            yield label, model._default_manager.filter(**{name: subject}).order_by("pk")


def _reverse_relations(obj: models.Model) -> Iterator[tuple[type[models.Model], str, Any]]:
    """(model, field name, on_delete) of every foreign key or one-to-one pointing at obj."""
    for rel in obj._meta.get_fields(include_hidden=True):
        if not isinstance(rel, ForeignObjectRel) or rel.many_to_many:
            continue
        model = rel.related_model
        if isinstance(model, type) and issubclass(model, models.Model):
            yield model, rel.field.name, rel.on_delete


def _cases(contact: Contact) -> models.QuerySet[Case]:
    authored = Message.objects.filter(author_contact=contact).values("case_id")
    return Case.objects.filter(Q(contact=contact) | Q(pk__in=authored)).order_by("id")


def _addresses(contact: Contact) -> list[str]:
    return [a.lower() for a in contact.emails.values_list("address", flat=True)]


def _inbound(contact: Contact) -> models.QuerySet[InboundMessage]:
    addresses = _addresses(contact)
    query = Q(pk__in=[])
    for address in addresses:
        query |= Q(from_address__iexact=address) | Q(envelope_from__iexact=address)
    return InboundMessage.objects.filter(query).order_by("id")


def _notifications(contact: Contact) -> models.QuerySet[Notification]:
    """Sent to them, or about them (a page names the caller): a rare, unindexed search."""
    query = Q(pk__in=[])
    for address in _addresses(contact):
        query |= Q(recipient__icontains=address) | Q(body__icontains=address)
    if len(contact.name) >= 3:
        query |= Q(subject__icontains=contact.name) | Q(body__icontains=contact.name)
    if contact.user_id:
        query |= Q(user_id=contact.user_id)
    return Notification.objects.filter(query).order_by("id")


def _audit(contact: Contact) -> models.QuerySet[AuditEntry]:
    query = Q(object_type="accounts.contact", object_id=str(contact.pk))
    if contact.user_id:
        query |= Q(actor_id=contact.user_id)
        query |= Q(object_type="team.user", object_id=str(contact.user_id))
    return AuditEntry.objects.filter(query).order_by("id")
