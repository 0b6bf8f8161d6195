from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "psm.cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from psm.cases import timeline as cases
        from psm.lib import timeline

        timeline.register("cases", "Cases and messages", cases.entries)
