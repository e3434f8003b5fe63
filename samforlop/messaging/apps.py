from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "samforlop.messaging"
    label = "messaging"
