"""Project-level pages: the front door that sends each role to its home."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if getattr(user, "is_client", False):
        return redirect("portal:home")
    if getattr(user, "is_manager", False) or getattr(user, "is_admin", False):
        return redirect("insights:overview")
    return redirect("insights:my-day")
