from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "psm.coverage"
    verbose_name = "Coverage and service plans"
