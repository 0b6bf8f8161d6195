"""Only the provider may call the webhooks: every request carries ``X-Twilio-Signature``, an
HMAC of the URL and the form fields with the account's auth token, checked with the
provider's own helper library. A request without a valid one is refused with 403 and logged."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

log = logging.getLogger("psm.telephony")

HEADER = "X-Twilio-Signature"

View = Callable[[HttpRequest], HttpResponse]


def public_url(request: HttpRequest) -> str:
    """The URL the provider called: our public base URL and the path with its query."""
    return settings.BASE_URL.rstrip("/") + request.get_full_path()


def is_signed(request: HttpRequest) -> bool:
    token = settings.PSM_TWILIO_AUTH_TOKEN
    signature = request.headers.get(HEADER, "")
    if not token or not signature:
        return False
    validator = RequestValidator(token)
    params = {k: request.POST.get(k, "") for k in request.POST}
    candidates = {public_url(request), request.build_absolute_uri()}
    return any(validator.validate(url, params, signature) for url in candidates)


def provider_webhook(kind: str) -> Callable[[View], View]:
    """Public (no log-in, no CSRF: the signature is the credential), POST only, signed."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest) -> HttpResponse:
            if not is_signed(request):
                _refuse(request, kind)
                return HttpResponseForbidden("Invalid or missing request signature.")
            return view(request)

        return login_not_required(csrf_exempt(require_POST(wrapped)))

    return decorate


def _refuse(request: HttpRequest, kind: str) -> None:
    """Log a refused request, at most ``PSM_TELEPHONY_REFUSAL_LOG_PER_MINUTE`` rows a minute;
    past that, each refusal is counted on the newest row (``repeats``), so a flood of forged
    requests costs one UPDATE each and the log stays readable.

    A refused request is not the provider's: what it claims (its CallSid or MessageSid) is
    kept in the detail only, never where a real request with that id is looked up."""
    from psm.channels.telephony.models import CallLog, Outcome

    why = "no signature" if HEADER.lower() not in {h.lower() for h in request.headers} else "bad"
    if not settings.PSM_TWILIO_AUTH_TOKEN:
        why = "PSM_TWILIO_AUTH_TOKEN is not set"
    claimed = request.POST.get("From", "")[:40]
    claimed_sid = request.POST.get("CallSid", request.POST.get("MessageSid", ""))[:64]
    remote = request.META.get("REMOTE_ADDR", "?")[:45]
    now = timezone.now()
    recent = CallLog.objects.filter(
        outcome=Outcome.REFUSED, created_at__gte=now - timedelta(minutes=1)
    )
    if recent.count() >= settings.PSM_TELEPHONY_REFUSAL_LOG_PER_MINUTE:
        newest = recent.order_by("-created_at", "-id").values_list("pk", flat=True).first()
        if newest is not None and CallLog.objects.filter(pk=newest).update(
            repeats=F("repeats") + 1, updated_at=now
        ):
            log.debug("telephony webhook %s refused (%s) from %s", request.path, why, remote)
            return
    log.warning(
        "telephony webhook %s refused (%s) from %s, claimed caller %r",
        request.path,
        why,
        remote,
        claimed,
    )
    sid = f", claimed id {claimed_sid}" if claimed_sid else ""
    CallLog.objects.create(
        kind=kind,
        from_number=claimed,
        to_number=request.POST.get("To", "")[:40],
        outcome=Outcome.REFUSED,
        detail=f"{request.path}: {why} (from {remote}{sid})"[:300],
        remote_address=remote,
        created_at=now,
    )
