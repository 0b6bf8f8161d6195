"""How advisories react to the accounts app's events (see ``psm.lib.events``): keep the
stored matches current inside the transaction of the change, so an inventory or a catalog
change that commits always has its matches."""

from __future__ import annotations

from psm.accounts.events import (
    InstallsChanged,
    ProductChanged,
    installs_changed,
    product_changed,
)
from psm.advisories.services import rematch_accounts, rematch_product


def rematch_the_account(event: InstallsChanged) -> None:
    rematch_accounts([event.account_id])


def rematch_the_product(event: ProductChanged) -> None:
    rematch_product(event.product_id)


def connect() -> None:
    installs_changed.subscribe(rematch_the_account)
    product_changed.subscribe(rematch_the_product)
