"""What happens to an account's inventory and the product catalog, for the apps above
(``psm.advisories`` re-matches advisories). Sent inside the transaction of the change."""

from __future__ import annotations

from dataclasses import dataclass

from psm.lib.events import Event


@dataclass(frozen=True)
class InstallsChanged:
    """Installed products of one account were added, edited or removed."""

    account_id: int


@dataclass(frozen=True)
class ProductChanged:
    """A catalog product's names, identifiers or version scheme changed (or it was added)."""

    product_id: int


installs_changed = Event[InstallsChanged](
    "accounts.installs_changed", "An account's installed products changed."
)
product_changed = Event[ProductChanged](
    "accounts.product_changed", "A catalog product was added or its names changed."
)
