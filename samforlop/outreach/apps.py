from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "samforlop.outreach"
    label = "outreach"
