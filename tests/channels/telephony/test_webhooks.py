"""The provider's webhooks, driven with requests signed exactly as the provider signs them
(the signature computed by the provider's own library)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from twilio.request_validator import RequestValidator

from psm.channels.telephony.models import CallLog, Outcome
from psm.channels.telephony.phones import normalize
from psm.coverage.adapters import route_for
from psm.coverage.models import HolidayCalendar, OnCallMember, OnCallRotation
from psm.paging.models import Page
from psm.team import services as team_services
from psm.team.models import Engineer

TOKEN = "test-auth-token-0123456789abcdef"
CALLER = "+16175550100"  # Alma Client of Acme, written "(617) 555-0100" on her record
# Tuesday 10 March 2026: 11:00 and 23:00 in New York.
IN_HOURS = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
AFTER_HOURS = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)
PHONES = {"alice": "+1 617 555 0111", "bob": "+49 30 1234567", "dana": "+1 (212) 555-0144"}


@pytest.fixture
def line(book, settings):
    settings.PSM_TWILIO_AUTH_TOKEN = TOKEN
    book.contact_a.mobile = "(617) 555-0100"
    book.contact_a.default_priority = "P3"
    book.contact_a.save()
    for username, phone in PHONES.items():
        Engineer.objects.filter(user__username=username).update(phone=phone)
    return book


def signed(name: str, data: dict[str, str], token: str = TOKEN):
    """POST as the provider does: form-encoded, with X-Twilio-Signature over URL + params."""
    url = settings.BASE_URL + reverse(name)
    signature = RequestValidator(token).compute_signature(url, data)
    return Client().post(reverse(name), data, HTTP_X_TWILIO_SIGNATURE=signature)


def call(sid: str, caller: str = CALLER, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": "AC" + "0" * 32,
        "CallSid": sid,
        "From": caller,
        "To": "+16175550199",
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        **extra,
    }


def twiml(response) -> ElementTree.Element:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)


def dialled(root: ElementTree.Element) -> str:
    number = root.find("./Dial/Number")
    assert number is not None, ElementTree.tostring(root)
    return number.text or ""


def ring(sid: str, digits: str | None) -> ElementTree.Element:
    menu = twiml(signed("telephony:voice", call(sid)))
    assert menu.find("./Gather") is not None
    extra = {"Digits": digits} if digits is not None else {}
    return twiml(signed("telephony:voice-route", call(sid, **extra)))


def forwarded_as_engine_says(book, sid: str, at: datetime, priority: str, root, expected: str):
    """The call went to the engineer the coverage engine names, at the number on file."""
    route = route_for(book.a, priority, at)
    assert route is not None
    assert route.target == expected
    assert dialled(root) == normalize(Engineer.objects.get(user__username=expected).phone)
    log = CallLog.objects.get(provider_sid=sid)
    assert log.engineer.username == expected
    assert (log.account, log.contact, log.priority) == (book.a, book.contact_a, priority)
    assert log.outcome == Outcome.FORWARDED


def test_business_hours_call_is_forwarded_to_the_psm(line) -> None:
    with time_machine.travel(IN_HOURS, tick=False):
        root = ring("CA0001", None)
    forwarded_as_engine_says(line, "CA0001", IN_HOURS, "P3", root, "alice")
    assert root.find("./Dial").get("action").endswith("/telephony/voice/dialed/")


def test_after_hours_emergency_goes_to_the_on_call_engineer(line) -> None:
    rotation = OnCallRotation.objects.create(
        name="Nights", start=IN_HOURS - timedelta(days=30), shift_hours=24 * 365
    )
    OnCallMember.objects.create(rotation=rotation, engineer=line.dana, position=0)
    line.plan.on_call_rotation = rotation
    line.plan.save()
    with time_machine.travel(AFTER_HOURS, tick=False):
        root = ring("CA0002", "1")
    forwarded_as_engine_says(line, "CA0002", AFTER_HOURS, "P1", root, "dana")


def test_after_hours_without_emergency_goes_to_voicemail(line) -> None:
    with time_machine.travel(AFTER_HOURS, tick=False):
        root = ring("CA0003", "2")
    assert root.find("./Dial") is None
    assert root.find("./Record") is not None
    assert "We will answer from" in root.findtext("./Say", "")
    assert CallLog.objects.get(provider_sid="CA0003").outcome == Outcome.VOICEMAIL


def test_on_a_provider_holiday_an_emergency_goes_to_basic_support(line, settings) -> None:
    settings.PSM_BASIC_SUPPORT_PHONE = "+1 800 555 0199"
    line.plan.holiday_calendar = HolidayCalendar.objects.create(
        name="Provider", added=["2026-03-10"]
    )
    line.plan.save()
    with time_machine.travel(IN_HOURS, tick=False):
        root = ring("CA0004", "1")
    assert route_for(line.a, "P1", IN_HOURS).channel == "fallback"
    assert dialled(root) == "+18005550199"
    log = CallLog.objects.get(provider_sid="CA0004")
    assert log.route["channel"] == "fallback"
    assert log.engineer is None


def test_while_the_psm_is_absent_the_substitute_takes_the_call(line) -> None:
    team_services.start_absence(
        None, line.alice, IN_HOURS - timedelta(days=1), IN_HOURS + timedelta(days=2), line.bob
    )
    with time_machine.travel(IN_HOURS, tick=False):
        root = ring("CA0005", "1")
    forwarded_as_engine_says(line, "CA0005", IN_HOURS, "P1", root, "bob")


def test_an_unknown_caller_hears_a_clear_message_and_is_logged(line) -> None:
    root = twiml(signed("telephony:voice", call("CA0006", caller="+15550001111")))
    assert "could not recognise the number" in root.findtext("./Say", "")
    assert root.find("./Hangup") is not None
    log = CallLog.objects.get(provider_sid="CA0006")
    assert (log.outcome, log.account) == (Outcome.UNKNOWN, None)


def test_unsigned_and_wrongly_signed_requests_are_refused_and_logged(line, caplog) -> None:
    data = call("CA0007")
    assert Client().post(reverse("telephony:voice"), data).status_code == 403
    assert signed("telephony:voice", data, token="not-the-token").status_code == 403
    tampered = Client().post(
        reverse("telephony:voice"),
        {**data, "From": "+16175550111"},
        HTTP_X_TWILIO_SIGNATURE=RequestValidator(TOKEN).compute_signature(
            settings.BASE_URL + reverse("telephony:voice"), data
        ),
    )
    assert tampered.status_code == 403
    refused = CallLog.objects.filter(outcome=Outcome.REFUSED)
    assert refused.count() == 3
    assert refused.filter(account__isnull=True).count() == 3
    assert "refused" in caplog.text
    assert Client().get(reverse("telephony:voice")).status_code in (403, 405)


def test_no_token_configured_refuses_everything(line, settings) -> None:
    data = call("CA0008")
    settings.PSM_TWILIO_AUTH_TOKEN = ""
    url = settings.BASE_URL + reverse("telephony:voice")
    signature = RequestValidator("").compute_signature(url, data)
    response = Client().post(reverse("telephony:voice"), data, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403


def test_no_answer_goes_to_voicemail_which_opens_a_case(line) -> None:
    from psm.cases.models import Case

    with time_machine.travel(IN_HOURS, tick=False):
        ring("CA0009", "1")
        root = twiml(signed("telephony:voice-dialed", call("CA0009", DialCallStatus="no-answer")))
        record = root.find("./Record")
        assert record is not None
        assert record.get("recordingStatusCallback").endswith("/telephony/voice/recording/")
        done = {
            "RecordingUrl": "https://api.twilio.example/Recordings/RE1",
            "RecordingSid": "RE1",
            "RecordingDuration": "42",
            "RecordingStatus": "completed",
        }
        thanks = twiml(signed("telephony:voice-recorded", call("CA0009", **done)))
        assert thanks.find("./Hangup") is not None
        for _ in range(2):  # the provider may deliver the callback twice
            assert signed("telephony:voice-recording", call("CA0009", **done)).status_code == 204
    case = Case.objects.get()
    assert case.account == line.a
    assert case.contact == line.contact_a
    assert case.priority == "P1"
    log = CallLog.objects.get(provider_sid="CA0009")
    assert (log.outcome, log.case_reference, log.recording_seconds) == (
        Outcome.VOICEMAIL,
        case.reference,
        42,
    )


def test_an_answered_forward_just_ends(line) -> None:
    with time_machine.travel(IN_HOURS, tick=False):
        ring("CA0010", None)
        root = twiml(signed("telephony:voice-dialed", call("CA0010", DialCallStatus="completed")))
    assert root.find("./Hangup") is not None
    assert CallLog.objects.get(provider_sid="CA0010").outcome == Outcome.ANSWERED


def sms(sid: str, sender: str, body: str) -> ElementTree.Element:
    data = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+16175550199",
        "Body": body,
        "NumMedia": "0",
    }
    return twiml(signed("telephony:sms", data))


def test_a_page_keyword_by_sms_opens_a_page_and_ack_by_sms_stops_it(line) -> None:
    with time_machine.travel(IN_HOURS, tick=False):
        reply = sms("SM0001", CALLER, "PAGE production cluster down")
        page = Page.objects.get()
        assert (page.source, page.priority, page.message) == (
            "sms",
            "P1",
            "production cluster down",
        )
        assert page.target == line.alice
        assert f"Page #{page.pk}" in reply.findtext("./Message", "")
        again = sms("SM0001", CALLER, "PAGE production cluster down")  # provider retry
        assert Page.objects.count() == 1
        assert again.findtext("./Message", "") == reply.findtext("./Message", "")
        ack = sms("SM0002", "+16175550111", f"ACK {page.pk}")
    page.refresh_from_db()
    assert (page.status, page.acknowledged_by, page.ack_via) == (
        "acknowledged",
        line.alice,
        "reply",
    )
    assert "acknowledged by you" in ack.findtext("./Message", "")
    assert CallLog.objects.get(provider_sid="SM0001").outcome == Outcome.PAGED


def test_other_texts_get_help_and_strangers_are_told(line) -> None:
    help_reply = sms("SM0003", CALLER, "hello?")
    assert "text PAGE" in help_reply.findtext("./Message", "")
    stranger = sms("SM0004", "+15550001111", "PAGE it is down")
    assert "could not recognise" in stranger.findtext("./Message", "")
    assert Page.objects.count() == 0


def test_a_number_shared_by_two_accounts_identifies_nobody(line) -> None:
    from psm.channels.telephony.rules import identify

    assert identify("+1 617-555-0100") == line.contact_a
    line.contact_b.phone = "617 555 0100"
    line.contact_b.save()
    assert identify(CALLER) is None


def test_sms_keywords() -> None:
    from psm.channels.telephony.rules import parse_page

    assert parse_page("PAGE server room flooded") == ("P1", "server room flooded")
    assert parse_page("p2: slow builds") == ("P2", "slow builds")
    assert parse_page("hello there") is None
    assert parse_page("PAGER duty") is None


# -- refusals (issue 12) ---------------------------------------------------------------------


def sms_data(sid: str, sender: str, body: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+16175550199",
        "Body": body,
        "NumMedia": "0",
    }


def test_a_refused_text_never_blocks_the_real_one_nor_is_echoed(line) -> None:
    data = sms_data("SM0100", CALLER, "PAGE production is down")
    forged = signed("telephony:sms", data, token="not-the-token")
    assert forged.status_code == 403
    assert CallLog.objects.get(outcome=Outcome.REFUSED).provider_sid == ""
    real = sms("SM0100", CALLER, "PAGE production is down")
    reply = real.findtext("./Message", "")
    assert "Page #" in reply
    assert "signature" not in reply and "refused" not in reply
    assert Page.objects.count() == 1
    log = CallLog.objects.exclude(outcome=Outcome.REFUSED).get()
    assert (log.provider_sid, log.outcome) == ("SM0100", Outcome.PAGED)
    # The provider's own retry of the real request is still recognised (same answer).
    again = sms("SM0100", CALLER, "PAGE production is down")
    assert again.findtext("./Message", "") == reply and Page.objects.count() == 1


def test_a_refused_call_never_blocks_the_real_one(line) -> None:
    data = call("CA0100")
    assert Client().post(reverse("telephony:voice"), data).status_code == 403
    with time_machine.travel(IN_HOURS, tick=False):
        root = ring("CA0100", None)
    forwarded_as_engine_says(line, "CA0100", IN_HOURS, "P3", root, "alice")


def test_a_refusal_logged_before_this_fix_is_not_taken_for_the_request(line) -> None:
    """Rows written by the old code kept the claimed id in ``provider_sid``."""
    CallLog.objects.create(
        kind="sms",
        provider_sid="SM0200",
        outcome=Outcome.REFUSED,
        detail="/telephony/sms/: bad (from 203.0.113.9)",
        created_at=IN_HOURS,
    )
    reply = sms("SM0200", CALLER, "hello?").findtext("./Message", "")
    assert "text PAGE" in reply


def test_the_refusal_log_is_rate_limited_and_counts_everything(line, settings, caplog) -> None:
    settings.PSM_TELEPHONY_REFUSAL_LOG_PER_MINUTE = 10
    with time_machine.travel(IN_HOURS, tick=False):
        for n in range(200):
            response = Client().post(reverse("telephony:sms"), sms_data(f"SM9{n:03}", CALLER, "x"))
            assert response.status_code == 403
    refused = CallLog.objects.filter(outcome=Outcome.REFUSED)
    assert refused.count() == 10
    assert sum(1 + r.repeats for r in refused) == 200  # every refusal is counted
    assert caplog.text.count("refused") == 10  # and the log file is spared too
    newest = refused.order_by("-id").first()
    assert newest is not None and newest.repeats == 190
    assert newest.remote_address == "127.0.0.1"
    # A minute later, refusals are written again.
    with time_machine.travel(IN_HOURS + timedelta(minutes=2), tick=False):
        assert (
            Client().post(reverse("telephony:sms"), sms_data("SMx", CALLER, "x")).status_code == 403
        )
    assert CallLog.objects.filter(outcome=Outcome.REFUSED).count() == 11
