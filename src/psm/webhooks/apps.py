from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "psm.webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from psm.webhooks import reactions

        reactions.connect()
