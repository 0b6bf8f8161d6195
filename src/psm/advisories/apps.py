from django.apps import AppConfig


class AdvisoriesConfig(AppConfig):
    name = "psm.advisories"
    verbose_name = "Advisories"

    def ready(self) -> None:
        from psm.advisories import reactions, report_sections
        from psm.advisories import timeline as advisories
        from psm.lib import timeline

        timeline.register("advisories", "Advisories", advisories.entries)
        reactions.connect()
        report_sections.register_all()
