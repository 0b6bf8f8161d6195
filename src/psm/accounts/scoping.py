"""Who may see which account: the one place where tenant isolation is decided.

Every view, API endpoint, file link, report and search that reads client data starts from
``visible_accounts(user)`` or ``scope(queryset, user)``; nothing else filters by account.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from psm.accounts.models import Account, Contact
from psm.team.models import Absence, Assignment, Role, User

M = TypeVar("M", bound=Model)


def visible_accounts(user: User | object) -> QuerySet[Account]:
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return Account.objects.none()
    if user.is_admin:
        return Account.objects.all()
    if user.role == Role.CLIENT:
        return Account.objects.filter(contacts__user=user, contacts__is_active=True)
    today = timezone.localdate()
    current = Assignment.objects.active_on(today)
    mine = Q(pk__in=current.filter(engineer=user).values("account"))
    # Covering now for an absent colleague: their accounts are visible for the absence.
    absent_colleagues = (
        Absence.objects.at(timezone.now()).filter(substitute=user).values("engineer")
    )
    mine |= Q(pk__in=current.filter(engineer__in=absent_colleagues).values("account"))
    if user.role == Role.MANAGER:
        mine |= Q(pk__in=current.filter(engineer__engineer__manager=user).values("account"))
    return Account.objects.filter(mine)


def scope(queryset: QuerySet[M], user: User | object, path: str = "account") -> QuerySet[M]:
    """Restrict any queryset of account-owned rows to what ``user`` may see."""
    if isinstance(user, User) and user.is_active and user.is_admin:
        return queryset
    return queryset.filter(**{f"{path}__in": visible_accounts(user)})


def get_visible_account(user: User | object, slug: str) -> Account:
    try:
        return visible_accounts(user).distinct().get(slug=slug)
    except Account.DoesNotExist:
        raise Http404("No such account") from None


def client_contact(user: User | object) -> Contact:
    """A client's own contact record, on an account they may still see.

    Every portal page (and every app's portal view) starts here; no record means the
    client's portal access was revoked or never granted, which the client is told.
    """
    contact = (
        Contact.objects.filter(user=user, is_active=True, account__in=visible_accounts(user))
        .select_related("account__service_plan", "site")
        .first()
        if isinstance(user, User)
        else None
    )
    if contact is None:
        raise PermissionDenied("Your portal access is not active; ask your PSM.")
    return contact
