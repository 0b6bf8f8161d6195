from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "psm.engagement"
    verbose_name = "Proactive engagement"

    def ready(self) -> None:
        from psm.engagement import reactions, report_sections
        from psm.engagement import timeline as engagement
        from psm.lib import timeline

        timeline.register("engagement", "Touchpoints and work", engagement.entries)
        reactions.connect()
        # Status report sections: the reports app's catalogue, below this layer.
        report_sections.register_all()
