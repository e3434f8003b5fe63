from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "samforlop.reports"
    label = "reports"
