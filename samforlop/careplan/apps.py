from django.apps import AppConfig


class Config(AppConfig):
    name = "samforlop.careplan"
    label = "careplan"
