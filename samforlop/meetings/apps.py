from django.apps import AppConfig


class Config(AppConfig):
    name = "samforlop.meetings"
    label = "meetings"
