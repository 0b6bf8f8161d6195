"""The engagement policy an account follows: its own switches, else its plan's, else defaults."""

from __future__ import annotations

from typing import Any

from psm.accounts.models import Account
from psm.engagement.models import EngagementPolicy


def policy(account: Account) -> dict[str, Any]:
    values: dict[str, Any] = dict(EngagementPolicy.DEFAULTS)
    layers = [
        EngagementPolicy.objects.filter(plan_id=account.service_plan_id).first(),
        EngagementPolicy.objects.filter(account=account).first(),
    ]
    for layer in layers:
        if layer is None:
            continue
        for name in EngagementPolicy.DEFAULTS:
            value = getattr(layer, name)
            if value is not None:
                values[name] = value
    return values
