from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "psm.knowledge"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from psm.knowledge import case_panel, report_sections, signals

        signals.connect()
        case_panel.register()
        report_sections.register_all()
