from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "psm.ops"
    label = "ops"
    verbose_name = "Operations: health, metrics, backups, privacy, retention, audit"
