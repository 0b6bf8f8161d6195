from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "psm.cases"
    verbose_name = "Cases"
