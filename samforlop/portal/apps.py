from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "samforlop.portal"
    label = "portal"
