"""The provider's webhooks (Twilio's convention): form-encoded POSTs signed with
``X-Twilio-Signature``, answered with TwiML call or message instructions.

    voice/          a call comes in: known contact → menu; unknown → a clear message
    voice/route/    after the menu: forward (<Dial>) to whoever covers now
    voice/dialed/   the forward ended: answered, or voicemail (<Record>)
    voice/recorded/ the caller finished the message: thank them
    voice/recording/ the recording is stored: open a case (recordingStatusCallback)
    sms/            a text message: PAGE/P1 keyword from a contact, ACK from an engineer
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

from psm.accounts.models import Priority
from psm.channels.telephony import services
from psm.channels.telephony.models import CallLog, Kind
from psm.channels.telephony.signature import provider_webhook

DIAL_SECONDS = 25
VOICEMAIL_SECONDS = 300


def _twiml(response: VoiceResponse | MessagingResponse) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml; charset=utf-8")


def _url(name: str) -> str:
    return settings.BASE_URL.rstrip("/") + reverse(name)


def _call(request: HttpRequest) -> CallLog:
    return services.log_call(
        request.POST.get("CallSid", ""), request.POST.get("From", ""), request.POST.get("To", "")
    )


def _voicemail(response: VoiceResponse, say: str = "") -> VoiceResponse:
    response.say(say or "Please leave a message after the tone. Press the hash key when done.")
    response.record(
        action=_url("telephony:voice-recorded"),
        recording_status_callback=_url("telephony:voice-recording"),
        recording_status_callback_event="completed",
        max_length=VOICEMAIL_SECONDS,
        finish_on_key="#",
        play_beep=True,
    )
    response.say("We did not receive a message. Goodbye.")
    response.hangup()
    return response


@provider_webhook(Kind.VOICE)
def voice(request: HttpRequest) -> HttpResponse:
    call = _call(request)
    response = VoiceResponse()
    if call.contact is None:
        response.say(
            "Welcome to Premium Support. We could not recognise the number you are calling "
            "from. Please call from the number your support engineer has on file, or write to "
            "your account's support e-mail address. Goodbye."
        )
        response.hangup()
        return _twiml(response)
    menu = Gather(num_digits=1, timeout=5, action=_url("telephony:voice-route"))
    menu.say(
        f"Hello {call.contact.name}. For an emergency, press 1. "
        "To reach your support engineer, press 2 or stay on the line."
    )
    response.append(menu)
    response.redirect(_url("telephony:voice-route"))
    return _twiml(response)


@provider_webhook(Kind.VOICE)
def voice_route(request: HttpRequest) -> HttpResponse:
    call = _call(request)
    response = VoiceResponse()
    if call.contact is None:
        response.hangup()
        return _twiml(response)
    digits = request.POST.get("Digits", "")
    priority = Priority.P1 if digits == "1" else call.contact.default_priority
    call.body = f"menu: {digits or 'no choice'}"
    call.save(update_fields=["body", "updated_at"])
    forward = services.route_call(call, priority)
    if not forward.number:
        return _twiml(_voicemail(response, f"{forward.say} Please leave a message after the tone."))
    response.say(forward.say)
    dial = response.dial(
        action=_url("telephony:voice-dialed"),
        timeout=DIAL_SECONDS,
        caller_id=request.POST.get("To") or None,
    )
    dial.number(forward.number)
    return _twiml(response)


@provider_webhook(Kind.VOICE)
def voice_dialed(request: HttpRequest) -> HttpResponse:
    call = _call(request)
    response = VoiceResponse()
    if services.dial_finished(call, request.POST.get("DialCallStatus", "")):
        response.hangup()
        return _twiml(response)
    return _twiml(_voicemail(response, "Your engineer could not answer. Please leave a message."))


@provider_webhook(Kind.VOICE)
def voice_recorded(request: HttpRequest) -> HttpResponse:
    response = VoiceResponse()
    response.say("Thank you. Your message has been passed on. Goodbye.")
    response.hangup()
    return _twiml(response)


@provider_webhook(Kind.VOICE)
def voice_recording(request: HttpRequest) -> HttpResponse:
    call = _call(request)
    if request.POST.get("RecordingStatus", "completed") == "completed":
        raw = request.POST.get("RecordingDuration", "")
        services.voicemail_recorded(
            call,
            request.POST.get("RecordingUrl", ""),
            request.POST.get("RecordingSid", ""),
            int(raw) if raw.isdigit() else None,
        )
    return HttpResponse(status=204)


@provider_webhook(Kind.SMS)
def sms(request: HttpRequest) -> HttpResponse:
    _, reply = services.sms_received(
        request.POST.get("MessageSid", request.POST.get("SmsSid", "")),
        request.POST.get("From", ""),
        request.POST.get("To", ""),
        request.POST.get("Body", ""),
    )
    response = MessagingResponse()
    response.message(reply)
    return _twiml(response)
