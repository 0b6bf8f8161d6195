from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "psm.engagement"
    verbose_name = "Proactive engagement"
