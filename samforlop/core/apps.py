from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "samforlop.core"
    label = "core"
