from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "psm.channels"
    verbose_name = "Channels (e-mail)"
