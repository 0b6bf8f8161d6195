from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "psm.knowledge"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from psm.knowledge import signals

        signals.connect()
