from django.urls import path

from samforlop.pathways import views as pathway_views
from samforlop.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("search/", views.search, name="search"),
    path("emergency-access/", views.emergency_access, name="emergency_access"),
    path("<uuid:patient_id>/", views.patient_detail, name="detail"),
    path("<uuid:patient_id>/pathways/", pathway_views.start_pathway, name="start_pathway"),
    path("<uuid:patient_id>/identity-number/", views.show_identity_number, name="identity_number"),
]
