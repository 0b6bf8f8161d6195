from django.apps import AppConfig


class AdvisoriesConfig(AppConfig):
    name = "psm.advisories"
    verbose_name = "Advisories"

    def ready(self) -> None:
        # Inventory and catalog live below us: they announce changes, we re-match.
        from psm.accounts.events import installs_changed, product_changed
        from psm.advisories.subscribers import on_installs_changed, on_product_changed

        installs_changed.subscribe(on_installs_changed)
        product_changed.subscribe(on_product_changed)
