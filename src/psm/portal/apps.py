from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "psm.portal"
    verbose_name = "Client portal"
