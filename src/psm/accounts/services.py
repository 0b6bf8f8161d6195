"""Changes to accounts and their profile; each one writes, audits and (later) notifies."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

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
