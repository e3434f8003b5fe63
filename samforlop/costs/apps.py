from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "samforlop.costs"
    label = "costs"
