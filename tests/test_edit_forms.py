"""Every edit form, walked: GET it for a fully filled object, POST back exactly what the page
shows (as a browser would), and the object is unchanged, with no audit entry written. A date
shown as 01/01/2024 in an <input type="date"> reads as blank and was lost this way twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver

from psm.accounts.models import Account
from psm.audit.models import AuditEntry
from psm.engagement.services import work as work_services
from psm.testing import checklists, knowledge
from psm.testing.book import Book, login
from psm.testing.forms import as_post_data, post_form_of
from psm.testing.webhooks import make_endpoint


@dataclass(frozen=True)
class EditForm:
    url: Callable[[Book, dict[str, Model]], str]
    objects: Callable[[Book, dict[str, Model]], list[Model]]


def _filled(book: Book) -> dict[str, Model]:
    """One of everything an edit form shows, with every field filled (dates above all)."""
    a = book.a
    Account.objects.filter(pk=a.pk).update(
        contract_start=date(2024, 1, 1),
        contract_end=date(2027, 6, 30),
        country="US",
        environment_notes="ClearCase 10 on RHEL 9; VOB servers in Boston.",
        relationship_notes="Weekly call on Tuesdays.",
        plan_overrides={"always_covered": ["P1", "P2"], "timezone": "America/Chicago"},
    )
    a.refresh_from_db()
    site = a.sites.get()
    site.city, site.country, site.address, site.is_headquarters = "Boston", "US", "1 Main", True
    site.save()
    contact = book.contact_a
    contact.title, contact.site, contact.phone, contact.mobile = "CTO", site, "+1 617", "+1 618"
    contact.default_priority, contact.receives_reports = "P2", True
    contact.save()
    item = work_services.create_work_item(
        book.alice, a, type="planning", title="Upgrade to 11", description="Plan it.",
        owner=book.alice, due_on=date(2027, 3, 1), requested_by=contact,
    )  # fmt: skip
    advocacy = work_services.create_advocacy_item(
        book.alice, a, kind="defect", title="Merge is slow", internal_ref="DEF-1",
        business_impact="Hours lost.", priority="high", owner=book.alice,
        target_release="11.0.1",
    )  # fmt: skip
    endpoint = make_endpoint(
        "https://hooks.acme.example/psm?source=psm", account=a,
        events=["case.created", "page.triggered"], actor=book.alice,
    )  # fmt: skip
    endpoint.description = "Acme's ticketing system"
    endpoint.save()
    return {
        "account": a, "site": site, "contact": contact, "work": item, "advocacy": advocacy,
        "endpoint": endpoint,
    }  # fmt: skip


EDIT_FORMS: dict[str, EditForm] = {
    "accounts:edit": EditForm(
        lambda b, o: f"/accounts/{b.a.slug}/edit/", lambda b, o: [o["account"]]
    ),
    "accounts:site-edit": EditForm(
        lambda b, o: f"/accounts/{b.a.slug}/sites/{o['site'].pk}/edit/", lambda b, o: [o["site"]]
    ),
    "accounts:contact-edit": EditForm(
        lambda b, o: f"/accounts/{b.a.slug}/contacts/{o['contact'].pk}/edit/",
        lambda b, o: [o["contact"], *o["contact"].emails.all()],
    ),
    "engagement:cadence": EditForm(
        lambda b, o: f"/accounts/{b.a.slug}/engagement/cadences/check_in/",
        lambda b, o: [o["account"]],
    ),
    "engagement:work-item": EditForm(
        lambda b, o: o["work"].get_absolute_url(), lambda b, o: [o["work"]]
    ),
    "webhooks:edit": EditForm(
        lambda b, o: f"/webhooks/{o['endpoint'].pk}/edit/", lambda b, o: [o["endpoint"]]
    ),
    "engagement:advocacy-item": EditForm(
        lambda b, o: o["advocacy"].get_absolute_url(), lambda b, o: [o["advocacy"]]
    ),
    "knowledge:edit": EditForm(
        lambda b, o: f"/knowledge/{knowledge.filled_article(b).pk}/edit/",
        lambda b, o: [knowledge.filled_article(b), *knowledge.filled_article(b).revisions.all()],
    ),
    "checklists:template-edit": EditForm(
        lambda b, o: f"/checklists/templates/{checklists.backup_template().pk}/edit/",
        lambda b, o: [checklists.backup_template(), *checklists.backup_template().steps.all()],
    ),
    "checklists:checklist-edit": EditForm(
        lambda b, o: checklists.checklist_for(b.a, b.alice).get_absolute_url() + "edit/",
        lambda b, o: [checklists.checklist_for(b.a, b.alice)],
    ),
}


def _names(patterns: list[Any], namespace: str = "") -> set[str]:
    found: set[str] = set()
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            found |= _names(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            found.add(f"{namespace}:{entry.name}" if namespace else entry.name)
    return found


def test_every_edit_form_is_walked() -> None:
    """A URL named "…edit…" shows an existing object's values: it belongs in EDIT_FORMS."""
    names = {n for n in _names(get_resolver().url_patterns) if not n.startswith("admin:")}
    missing = {n for n in names if "edit" in n} - set(EDIT_FORMS)
    assert not missing, f"walk these edit forms in EDIT_FORMS: {sorted(missing)}"


def _state(objects: list[Model]) -> list[dict[str, Any]]:
    return [
        {
            f.attname: getattr(type(obj).objects.get(pk=obj.pk), f.attname)
            for f in obj._meta.concrete_fields
            if f.name not in ("updated_at",)
        }
        for obj in objects
    ]


@pytest.mark.parametrize("name", sorted(EDIT_FORMS))
def test_saving_a_form_unchanged_changes_nothing(name: str, book: Book) -> None:
    objects = _filled(book)
    spec = EDIT_FORMS[name]
    url = spec.url(book, objects)
    watched = spec.objects(book, objects)
    before = _state(watched)
    audits = AuditEntry.objects.count()
    client = login(book.alice)
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    form = post_form_of(page.content.decode(), url)
    response = client.post(form.action, as_post_data(form))
    assert response.status_code in (200, 302), (url, response.status_code)
    assert _state(watched) == before, url
    assert AuditEntry.objects.count() == audits, (
        url,
        list(AuditEntry.objects.order_by("-id").values_list("action", "changes")[:3]),
    )


def test_date_inputs_show_iso_values(book: Book) -> None:
    objects = _filled(book)
    page = login(book.alice).get(f"/accounts/{book.a.slug}/edit/").content.decode()
    assert 'type="date" name="contract_start" value="2024-01-01"' in page
    work = login(book.alice).get(objects["work"].get_absolute_url()).content.decode()
    assert 'value="2027-03-01"' in work
