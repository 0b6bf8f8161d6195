from django.apps import AppConfig


class BackgroundConfig(AppConfig):
    name = "psm.background"
    verbose_name = "Background work"
