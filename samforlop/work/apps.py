from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "samforlop.work"
    label = "work"
