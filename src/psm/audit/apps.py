from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "psm.audit"
    verbose_name = "Audit log"
