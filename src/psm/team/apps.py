from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "psm.team"
    verbose_name = "People and team"
