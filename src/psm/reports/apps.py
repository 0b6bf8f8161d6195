from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "psm.reports"
    verbose_name = "Status reports"

    def ready(self) -> None:
        from psm.reports import core_sections

        core_sections.register_all()
