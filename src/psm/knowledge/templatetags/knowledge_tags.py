"""``{% knowledge_account_card account %}``: the account's knowledge-base card, for account 360
(the caller's view has already checked that the viewer may see ``account``)."""

from __future__ import annotations

from typing import Any

from django import template

from psm.accounts.models import Account
from psm.knowledge.models import Article

register = template.Library()


@register.inclusion_tag("knowledge/_account_card.html")
def knowledge_account_card(account: Account) -> dict[str, Any]:
    own = Article.objects.filter(account=account)
    return {
        "account": account,
        "latest": list(own.order_by("-updated_at", "-pk")[:5]),
        "total": own.count(),
        "for_client": Article.objects.for_client(account.pk).count(),
    }
