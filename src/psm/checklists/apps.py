from django.apps import AppConfig


class ChecklistsConfig(AppConfig):
    name = "psm.checklists"
    verbose_name = "Checklists"

    def ready(self) -> None:
        from psm.checklists import report_sections
        from psm.checklists import timeline as checklists
        from psm.checklists.due import register_due
        from psm.lib import timeline

        timeline.register("checklists", "Checklists", checklists.entries)
        register_due()
        report_sections.register_all()
