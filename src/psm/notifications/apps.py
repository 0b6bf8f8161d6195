from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "psm.notifications"
    verbose_name = "Notifications"
