from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "samforlop.fhir"
    label = "fhir"
    verbose_name = "FHIR R4 API"
