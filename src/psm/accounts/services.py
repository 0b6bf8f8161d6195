"""Changes to accounts and their profile; each one writes, audits and (later) notifies."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from psm.accounts.models import (
    Account,
    Contact,
    ContactEmail,
    InstalledProduct,
    Product,
    Site,
)
from psm.audit.models import diff, record
from psm.team.models import User

INSTALL_COLUMNS = ("product", "version", "platform", "site", "users", "notes")


def create_account(actor: User | None, **fields: Any) -> Account:
    with transaction.atomic():
        account = Account(**fields)
        account.full_clean()
        account.save()
        record(actor, "account.create", account, account=account, changes=fields)
    return account


def update_account(actor: User | None, account: Account, **fields: Any) -> Account:
    before = {name: getattr(account, name) for name in fields}
    if not diff(before, fields):
        return account  # saved unchanged: nothing to write, nothing to audit
    for name, value in fields.items():
        setattr(account, name, value)
    account.full_clean()
    with transaction.atomic():
        account.save(update_fields=list(fields))
        record(actor, "account.update", account, account=account, changes=diff(before, fields))
    return account


def add_contact(
    actor: User | None, account: Account, *, emails: list[str], **fields: Any
) -> Contact:
    with transaction.atomic():
        contact = Contact(account=account, **fields)
        contact.full_clean()
        contact.save()
        for index, address in enumerate(emails):
            email = ContactEmail(contact=contact, address=address.strip().lower())
            email.is_primary = index == 0
            email.full_clean()
            email.save()
        record(actor, "contact.create", contact, account=account, changes={"emails": emails})
    return contact


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class ImportReport:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_installed_products(actor: User | None, account: Account, text: str) -> ImportReport:
    """CSV with a header row (product, version, platform, site, users, notes).

    All or nothing: a file with any bad row imports nothing and the report names every bad
    row, so the client's inventory is never half-updated.
    """
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [c for c in ("product", "version") if c not in header]
    unknown = [c for c in header if c not in INSTALL_COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s): {', '.join(unknown)}")
        report.errors.append(
            RowError(1, f"{'; '.join(problems)} (expected: {', '.join(INSTALL_COLUMNS)})")
        )
        return report
    products = {p.name.lower(): p for p in Product.objects.all()}
    sites = {s.name.lower(): s for s in account.sites.all()}
    rows: list[InstalledProduct] = []
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        errors = []
        product = products.get(row.get("product", "").lower())
        if product is None:
            errors.append(f"unknown product {row.get('product', '')!r}")
        if not row.get("version"):
            errors.append("version is required")
        site = None
        if row.get("site"):
            site = sites.get(row["site"].lower())
            if site is None:
                errors.append(f"no site named {row['site']!r} for this account")
        users = None
        if row.get("users"):
            try:
                users = int(row["users"])
                if users < 0:
                    raise ValueError
            except ValueError:
                errors.append(f"users must be a whole number, not {row['users']!r}")
        if errors or product is None:
            report.errors.append(RowError(line, "; ".join(errors)))
            continue
        rows.append(
            InstalledProduct(
                account=account,
                product=product,
                version=row["version"][:60],
                platform=row.get("platform", "")[:100],
                site=site,
                users=users,
                notes=row.get("notes", ""),
            )
        )
    if report.errors:
        return report
    if not rows:
        report.errors.append(RowError(1, "the file has no rows"))
        return report
    with transaction.atomic():
        InstalledProduct.objects.bulk_create(rows)
        record(actor, "installs.import", account, account=account, changes={"rows": len(rows)})
    report.created = len(rows)
    return report


def update_site(actor: User | None, site: Site, **fields: Any) -> Site:
    before = {name: getattr(site, name) for name in fields}
    if not diff(before, fields):
        return site  # saved unchanged: nothing to write, nothing to audit
    for name, value in fields.items():
        setattr(site, name, value)
    site.full_clean()
    with transaction.atomic():
        site.save()
        record(actor, "site.update", site, account=site.account, changes=diff(before, fields))
    return site


def add_site(actor: User | None, account: Account, **fields: Any) -> Site:
    site = Site(account=account, **fields)
    try:
        site.full_clean()
    except ValidationError:
        raise
    with transaction.atomic():
        site.save()
        record(actor, "site.create", site, account=account, changes=fields)
    return site


def update_contact(
    actor: User | None, contact: Contact, *, emails: list[str], **fields: Any
) -> Contact:
    """Change a contact's details and addresses; the first address becomes the main one."""
    before = {name: getattr(contact, name) for name in fields}
    before["emails"] = [e.address for e in contact.emails.order_by("-is_primary", "id")]
    if not diff(before, {**fields, "emails": emails}):
        return contact  # saved unchanged: nothing to write, nothing to audit
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.full_clean()
    with transaction.atomic():
        contact.save()
        contact.emails.exclude(address__in=emails).delete()
        for index, address in enumerate(emails):
            email, _ = ContactEmail.objects.get_or_create(contact=contact, address=address)
            if email.is_primary != (index == 0):
                email.is_primary = index == 0
                email.save(update_fields=["is_primary"])
        record(
            actor,
            "contact.update",
            contact,
            account=contact.account,
            changes=diff(before, {**fields, "emails": emails}),
        )
    return contact


def grant_portal_access(actor: User | None, contact: Contact) -> User:
    """Give a contact a portal log-in and e-mail them a link to choose a password.

    The user name is the contact's main address; the password is never set by staff.
    """
    from psm.team.models import Role

    address = contact.primary_email
    if not address:
        raise ValidationError("The contact needs an e-mail address for a portal log-in.")
    with transaction.atomic():
        user = contact.user
        if user is None:
            if User.objects.filter(username=address).exists():
                raise ValidationError(f"A log-in named {address} already exists.")
            first, _, last = contact.name.partition(" ")
            user = User(username=address, email=address, role=Role.CLIENT, first_name=first)
            user.last_name = last
            site = contact.site
            user.timezone = site.timezone if site else contact.account.timezone
            user.set_unusable_password()
            user.save()
            contact.user = user
            contact.save(update_fields=["user"])
        elif not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        record(actor, "contact.portal_grant", contact, account=contact.account)
    _send_portal_invite(user, contact)
    return user


def revoke_portal_access(actor: User | None, contact: Contact) -> None:
    user = contact.user
    if user is None or not user.is_active:
        return
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        record(actor, "contact.portal_revoke", contact, account=contact.account)


def _send_portal_invite(user: User, contact: Contact) -> None:
    """A single-use set-password link (Django's password-reset token), through the outbox."""
    from django.contrib.auth.tokens import default_token_generator
    from django.template.loader import render_to_string
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from psm.notifications.services import notify

    token = default_token_generator.make_token(user)
    protocol, domain = settings.BASE_URL.split("://", 1)
    context = {
        "contact": contact,
        "account": contact.account,
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": token,
        "protocol": protocol,
        "domain": domain,
    }
    notify(
        f"portal-invite:{user.pk}:{token}",
        transport="email",
        recipient=user.email,
        subject=render_to_string("registration/portal_invite_subject.txt", context).strip(),
        body=render_to_string("registration/portal_invite_email.txt", context),
        user=user,
        account=contact.account,
    )
