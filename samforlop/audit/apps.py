from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "samforlop.audit"
    label = "audit"
