from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "samforlop.referrals"
    label = "referrals"
