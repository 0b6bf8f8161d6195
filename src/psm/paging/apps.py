from django.apps import AppConfig


class PagingConfig(AppConfig):
    name = "psm.paging"
    verbose_name = "Pages and escalation"
