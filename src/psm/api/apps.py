from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "psm.api"
    label = "api"
    verbose_name = "API"
