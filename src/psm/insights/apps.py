from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "psm.insights"
    verbose_name = "Insights: my day, overview, search"
