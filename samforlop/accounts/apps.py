from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "samforlop.accounts"
    label = "accounts"
