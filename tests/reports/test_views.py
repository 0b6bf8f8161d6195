"""The pages: the PSM and the client define, preview and download reports; each sees only
what they may."""

from __future__ import annotations

import pytest

from psm.reports.models import ReportDefinition, ReportRun, RunStatus
from psm.testing.book import login
from psm.testing.reports import make_definition, make_run


def form_data(**extra):
    data = {
        "name": "Ops report",
        "period_kind": "month",
        "custom_days": "30",
        "schedule": "FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9;BYMINUTE=0",
        "release_mode": "automatic",
        "release_within_hours": "24",
        "is_active": "on",
        "s-sla": "on",
        "p-sla": "2",
        "o-sla-list_breaches": "on",
        "s-cases": "on",
        "p-cases": "1",
        "o-cases-trend": "3",
        "o-cases-list_cases": "on",
        "o-open_cases-priorities": "P1,P2",
        "o-satisfaction-periods": "6",
    }
    data.update(extra)
    return data


def test_the_psm_defines_a_report(october) -> None:
    book = october.book
    client = login(book.alice)
    page = client.get("/accounts/acme/reports/new/")
    assert page.status_code == 200 and b"Sections, in order" in page.content
    response = client.post(
        "/accounts/acme/reports/new/",
        form_data(contacts=[str(book.contact_a.pk)], outside="cfo@holding.example"),
    )
    assert response.status_code == 302
    definition = ReportDefinition.objects.get(account=book.a)
    assert definition.section_keys == ["cases", "sla"]
    assert definition.sections[0]["options"] == {"trend": 3, "list_cases": True}
    assert {str(r) for r in definition.recipients.all()} == {"Alma Client", "cfo@holding.example"}
    assert all(r.is_approved for r in definition.recipients.all())
    listing = client.get("/accounts/acme/reports/")
    assert b"Ops report" in listing.content


def test_the_live_preview_is_the_report_as_the_form_says(october) -> None:
    client = login(october.book.alice)
    response = client.post(
        "/accounts/acme/reports/new/", form_data(preview="1"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert b"<iframe" in response.content and b"Ops report" in response.content
    assert b"October 2026" in response.content
    assert ReportDefinition.objects.count() == 0  # a preview saves nothing
    bad = client.post(
        "/accounts/acme/reports/new/",
        form_data(preview="1", schedule="FREQ=HOURLY"),
        headers={"HX-Request": "true"},
    )
    assert b"FREQ must be" in bad.content


def test_a_bad_form_is_shown_again_with_its_values_and_the_reason(october) -> None:
    client = login(october.book.alice)
    response = client.post(
        "/accounts/acme/reports/new/",
        form_data(schedule="FREQ=MONTHLY;COUNT=2", **{"s-sla": ""}, **{"s-cases": ""}),
    )
    assert response.status_code == 200
    assert b"remove COUNT" in response.content
    assert b'value="FREQ=MONTHLY;COUNT=2"' in response.content
    response = client.post("/accounts/acme/reports/new/", form_data(**{"s-sla": "", "s-cases": ""}))
    assert b"Choose at least one section." in response.content


def test_the_client_defines_a_report_in_the_portal(october) -> None:
    book = october.book
    client = login(book.client_a)
    assert client.get("/portal/reports/").status_code == 200
    response = client.post(
        "/portal/reports/new/",
        form_data(contacts=[str(book.contact_a.pk)], outside="boss@elsewhere.example"),
    )
    assert response.status_code == 302
    definition = ReportDefinition.objects.get(account=book.a)
    outside = definition.recipients.get(contact__isnull=True)
    assert outside.approved_at is None
    page = client.get(f"/portal/reports/{definition.pk}/")
    assert b"waiting for the PSM" in page.content and b"Approve" not in page.content
    # The PSM approves from the account's page.
    staff = login(book.alice)
    assert b"Approve" in staff.get(f"/accounts/acme/reports/{definition.pk}/").content
    staff.post(f"/accounts/acme/reports/{definition.pk}/recipients/{outside.pk}/approve/")
    outside.refresh_from_db()
    assert outside.approved_at is not None


def test_the_client_downloads_only_their_sent_reports(october) -> None:
    book = october.book
    definition = make_definition(book.a, book.alice, contacts=[book.contact_a])
    sent = make_run(definition, "2026-10")
    held = make_run(
        make_definition(book.a, book.alice, name="Held", release_mode="hold"), "2026-10"
    )
    assert (sent.status, held.status) == (RunStatus.SENT, RunStatus.HELD)
    theirs = make_run(
        make_definition(book.b, book.bob, name="Globex", contacts=[book.contact_b]), "2026-10"
    )
    client = login(book.client_a)
    listing = client.get("/portal/reports/")
    assert f"/portal/reports/runs/{sent.pk}/report.pdf".encode() in listing.content
    assert f"/runs/{held.pk}/".encode() not in listing.content
    pdf = client.get(f"/portal/reports/runs/{sent.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and "attachment" in pdf["Content-Disposition"]
    html = client.get(f"/portal/reports/runs/{sent.pk}/report.html")
    assert "sandbox" in html["Content-Security-Policy"]
    assert client.get(f"/portal/reports/runs/{held.pk}/report.pdf").status_code == 404
    assert client.get(f"/portal/reports/runs/{theirs.pk}/report.pdf").status_code == 404
    assert client.get(f"/portal/reports/runs/{sent.pk}/report.exe").status_code == 404
    assert client.get("/accounts/acme/reports/").status_code == 403
    assert login(book.client_b).get(f"/portal/reports/runs/{sent.pk}/report.pdf").status_code == 404


def test_the_psm_releases_a_held_report_from_its_page(october) -> None:
    book = october.book
    run = make_run(
        make_definition(
            book.a, book.alice, name="Held", release_mode="hold", contacts=[book.contact_a]
        ),
        "2026-10",
    )
    client = login(book.alice)
    page = client.get(f"/accounts/acme/reports/runs/{run.pk}/")
    assert b"Release and send" in page.content
    client.post(f"/accounts/acme/reports/runs/{run.pk}/", {"commentary": "All good."})
    run.refresh_from_db()
    assert run.status == RunStatus.RELEASING and run.commentary == "All good."
    assert login(book.dana).get(f"/accounts/acme/reports/runs/{run.pk}/").status_code == 404


def test_run_now_makes_the_last_whole_period_once(october) -> None:
    book = october.book
    definition = make_definition(book.a, book.alice)
    client = login(book.alice)
    response = client.post(f"/accounts/acme/reports/{definition.pk}/run/")
    run = ReportRun.objects.get()
    assert response["Location"].endswith(f"/runs/{run.pk}/") and run.period_code == "2026-10"
    again = client.post(f"/accounts/acme/reports/{definition.pk}/run/", follow=True)
    assert b"already has a report" in again.content
    assert ReportRun.objects.count() == 1


@pytest.mark.parametrize("who", ["client_a", "dana"])
def test_others_cannot_edit_the_definition(october, who) -> None:
    book = october.book
    definition = make_definition(book.a, book.alice)
    client = login(getattr(book, who))
    status = client.post(f"/accounts/acme/reports/{definition.pk}/delete/").status_code
    assert status in (403, 404)
    assert ReportDefinition.objects.filter(pk=definition.pk).exists()


def test_saving_the_form_unchanged_changes_nothing(october) -> None:
    from psm.audit.models import AuditEntry

    book = october.book
    client = login(book.alice)
    client.post("/accounts/acme/reports/new/", form_data(contacts=[str(book.contact_a.pk)]))
    definition = ReportDefinition.objects.get()
    before = (definition.updated_at, definition.next_run_at, AuditEntry.objects.count())
    page = client.get(f"/accounts/acme/reports/{definition.pk}/").content.decode()
    assert 'value="FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9;BYMINUTE=0"' in page
    client.post(
        f"/accounts/acme/reports/{definition.pk}/",
        form_data(contacts=[str(book.contact_a.pk)]),
    )
    definition.refresh_from_db()
    assert (definition.updated_at, definition.next_run_at, AuditEntry.objects.count()) == before
