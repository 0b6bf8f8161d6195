from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "psm.insights"
    verbose_name = "Insights: my day, overview, search, health, performance"

    def ready(self) -> None:
        from psm.cases.events import sla_settled
        from psm.insights import rollups
        from psm.paging.events import page_triggered

        # The daily rollups follow what happens (see ``psm.insights.rollups``).
        sla_settled.subscribe(rollups.on_sla_settled)
        page_triggered.subscribe(rollups.on_page)
