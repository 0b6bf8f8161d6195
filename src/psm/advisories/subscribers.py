"""Reactions to the accounts app's events: keep the stored matches current, inside the
transaction of the change (an inventory that commits always has its matches)."""

from __future__ import annotations

from psm.accounts.events import InstallsChanged, ProductChanged
from psm.advisories.services import rematch_accounts, rematch_product


def on_installs_changed(event: InstallsChanged) -> None:
    rematch_accounts([event.account_id])


def on_product_changed(event: ProductChanged) -> None:
    rematch_product(event.product_id)
