"""``{% advisory_exposure_card account %}``: the account's exposure card, for account 360
(wherever that page lives, it needs only this line; the query is ``queries.exposure``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from psm.accounts.models import Account
from psm.advisories.queries import exposure

register = template.Library()


@register.inclusion_tag("advisories/_account_card.html")
def advisory_exposure_card(account: Account) -> dict[str, Any]:
    """The caller's view has already checked that the viewer may see ``account``."""
    return {"account": account, "advisory_exposure": exposure(account, timezone.now())}
