from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "samforlop.demo"
    label = "demo"
