from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "psm.engagement"
    verbose_name = "Proactive engagement"

    def ready(self) -> None:
        # Status report sections: the reports app's catalogue, below this layer.
        from psm.engagement import report_sections

        report_sections.register_all()
