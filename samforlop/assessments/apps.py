from django.apps import AppConfig


class Config(AppConfig):
    name = "samforlop.assessments"
    label = "assessments"
