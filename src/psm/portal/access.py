"""Who the signed-in client is: their contact record, on an account they may still see."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from psm.accounts.models import Contact
from psm.accounts.scoping import client_contact
from psm.team.models import User


def portal_contact(request: HttpRequest) -> Contact:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Log in to use the portal.")
    return client_contact(user)
