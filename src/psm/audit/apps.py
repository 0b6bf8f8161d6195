from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "psm.audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from psm.audit import timeline as changes
        from psm.lib import timeline

        timeline.register(changes.LABEL, "Changes", changes.entries)
