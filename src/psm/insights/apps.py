from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "psm.insights"
    verbose_name = "Insights: my day, overview, search, health, performance"

    def ready(self) -> None:
        from psm.insights import reactions

        reactions.connect()
