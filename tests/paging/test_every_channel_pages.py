"""A P1 pages wherever its case is opened: e-mail, portal, staff (a case taken by phone),
voicemail. Opening a case is the one place its consequences start (``cases.events``), and
the routing decision made then is the one that pages: the client is told what happened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from twilio.request_validator import RequestValidator

from psm.cases.models import Case
from psm.channels.email.services import ingest
from psm.coverage.models import OnCallMember, OnCallRotation
from psm.paging.models import Page, PageStatus, StepKind
from psm.testing.book import Book, login

# Wednesday 11 March 2026, 03:00 in New York: Acme's office is closed; P1 is covered 7x24.
NIGHT = datetime(2026, 3, 11, 7, 0, tzinfo=UTC)
TOKEN = "test-auth-token-0123456789abcdef"


@pytest.fixture
def night(book: Book, settings, tmp_path) -> Book:
    """Dana is on call tonight; Alice (Acme's PSM) is asleep."""
    settings.MAIL_DIR = tmp_path / "mail"
    settings.PSM_TWILIO_AUTH_TOKEN = TOKEN
    rotation = OnCallRotation.objects.create(
        name="Nights", start=NIGHT - timedelta(days=30), shift_hours=24 * 365
    )
    OnCallMember.objects.create(rotation=rotation, engineer=book.dana, position=0)
    book.plan.on_call_rotation = rotation
    book.plan.save()
    book.contact_a.mobile = "+16175550100"
    book.contact_a.save()
    with time_machine.travel(NIGHT, tick=False):
        yield book


def the_page(book: Book, case: Case) -> Page:
    page = Page.objects.get(case=case)
    assert page.status == PageStatus.OPEN
    assert page.target == book.dana, "the on-call engineer is paged, not the sleeping PSM"
    assert page.route == case.routing, "the decision made when the case opened, not a new one"
    assert [s.kind for s in page.steps.all()] == [StepKind.PAGED]
    return page


def told_the_truth(case: Case) -> str:
    told = case.routing["client_message"]
    assert "Dana" in told and "paged" in told
    return str(told)


def test_an_email_p1(night: Book) -> None:
    mail = EmailMessage()
    mail["From"] = "Alma Client <alma@acme.example>"
    mail["To"] = "acme@psm.localhost"
    mail["Subject"] = "P1 production down"
    mail["Message-ID"] = "<night-1@acme.example>"
    mail.set_content("Nothing works.")
    row = ingest(mail.as_bytes(), source="import")
    case = row.case
    assert case is not None and case.priority == "P1"
    page = the_page(night, case)
    assert page.source == "email"
    from psm.notifications.models import Notification

    ack = Notification.objects.get(key=f"case:{case.pk}:ack")
    assert told_the_truth(case) in ack.body


def test_a_portal_p1(night: Book) -> None:
    response = login(night.client_a).post(
        reverse("portal:case-create"),
        {"title": "Orders failing", "text": "All of them.", "priority": "P1"},
        follow=True,
    )
    case = Case.objects.get(title="Orders failing")
    assert the_page(night, case).source == "portal"
    assert told_the_truth(case) in response.content.decode()


def test_a_case_taken_by_phone_by_staff(night: Book) -> None:
    response = login(night.bob).post(
        reverse("cases:create"),
        {
            "account": night.a.slug,
            "contact": night.contact_a.pk,
            "title": "Called in: VOB server down",
            "text": "Alma called.",
            "priority": "P1",
            "origin": "phone",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(title="Called in: VOB server down")
    assert the_page(night, case).source in ("phone", "staff")


def signed(name: str, data: dict[str, str]):
    from django.test import Client

    url = settings.BASE_URL + reverse(name)
    signature = RequestValidator(TOKEN).compute_signature(url, data)
    return Client().post(reverse(name), data, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_voicemail_p1(night: Book) -> None:
    call = {
        "AccountSid": "AC" + "0" * 32,
        "CallSid": "CA-night",
        "From": "+16175550100",
        "To": "+16175550199",
        "CallStatus": "ringing",
        "Direction": "inbound",
    }
    assert signed("telephony:voice", call).status_code == 200
    assert signed("telephony:voice-route", {**call, "Digits": "1"}).status_code == 200
    signed("telephony:voice-dialed", {**call, "DialCallStatus": "no-answer"})
    done = {
        "RecordingUrl": "https://api.twilio.example/Recordings/RE9",
        "RecordingSid": "RE9",
        "RecordingDuration": "30",
        "RecordingStatus": "completed",
    }
    assert signed("telephony:voice-recording", {**call, **done}).status_code == 204
    case = Case.objects.get()
    assert case.priority == "P1"
    assert the_page(night, case).source == "phone"


def test_the_case_written_to_again_is_the_same_page(night: Book) -> None:
    from psm.cases.services import add_message, open_case

    case = open_case(None, night.a, title="Down", priority="P1", contact=night.contact_a)
    add_message(None, case, text="Still down", contact=night.contact_a)
    assert Page.objects.filter(case=case).count() == 1


def test_a_p3_at_night_pages_nobody(night: Book) -> None:
    from psm.cases.services import open_case

    case = open_case(None, night.a, title="Question", priority="P3", contact=night.contact_a)
    assert not Page.objects.filter(case=case).exists()
    assert "We will answer from" in case.routing["client_message"]
