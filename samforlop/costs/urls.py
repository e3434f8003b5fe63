"""Costs the patient can see: co-payments against the co-payment ceiling (egenandelstak)."""
from django.urls import path

from samforlop.costs import views

app_name = "costs"
urlpatterns = [
    path("my/costs/", views.mine, name="mine"),
    path("patients/<uuid:patient_id>/costs/", views.for_patient, name="patient"),
]
