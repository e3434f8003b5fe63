from django.urls import path, re_path

from samforlop.fhir import views

app_name = "fhir"

urlpatterns = [
    path("token", views.token, name="token"),
    path("metadata", views.metadata, name="metadata"),
    path("Patient", views.patient_type, name="patient_type"),
    path("Patient/_search", views.patient_search, name="patient_search"),
    path("Patient/<str:resource_id>", views.patient_read, name="patient"),
    path("Organization/<str:resource_id>", views.organization_read, name="organization"),
    path("EpisodeOfCare", views.episode_search, name="episode_search"),
    path("EpisodeOfCare/<str:resource_id>", views.episode_read, name="episode"),
    path("HealthcareService", views.healthcare_service_search, name="healthcare_service_search"),
    path("HealthcareService/<str:resource_id>", views.healthcare_service_read, name="healthcare_service"),
    re_path(r"^(?P<rest>.*)$", views.unsupported),
]
