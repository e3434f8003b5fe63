from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "samforlop.offers"
    label = "offers"
