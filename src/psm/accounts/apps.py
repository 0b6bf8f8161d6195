from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "psm.accounts"
    verbose_name = "Client accounts"
