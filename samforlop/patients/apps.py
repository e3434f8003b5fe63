from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "samforlop.patients"
    label = "patients"
