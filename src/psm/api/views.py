"""The user's API tokens, under their profile: make one (shown once), revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from psm.api import services
from psm.api.forms import TokenForm
from psm.api.models import Token
from psm.team.access import acting_user

_SHOW_ONCE = "psm_api_token_once"


def tokens(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, key = services.issue_token(
                user,
                user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_days=form.expires_days(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # Shown on the next page only: never stored, never shown again.
            request.session[_SHOW_ONCE] = {"id": token.pk, "key": key}
            return redirect("api-tokens:tokens")
    shown = request.session.pop(_SHOW_ONCE, None)
    rows = list(Token.objects.filter(user=user))
    now = timezone.now()
    context = {
        "form": form,
        "rows": [(t, t.state(now)) for t in rows],
        "new_key": shown["key"] if shown else None,
        "new_id": shown["id"] if shown else None,
        "api_base": request.build_absolute_uri("/api/v1/"),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "api/tokens.html", context, status=status)


@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = acting_user(request)
    token = Token.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404("No such token")
    if services.revoke_token(user, token):
        messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("api-tokens:tokens")
