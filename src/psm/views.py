"""Project-level pages: the front door that sends each role to its home."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def home(request: HttpRequest) -> HttpResponse:
    if getattr(request.user, "is_client", False):
        return redirect("portal:home")
    return redirect("accounts:list")
