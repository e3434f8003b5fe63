from django.urls import path

from samforlop.careplan import views

app_name = "careplan"
urlpatterns = [
    path("patients/<uuid:patient_id>/plan/", views.plan, name="plan"),
    path("patients/<uuid:patient_id>/plan/print/", views.print_plan, name="print"),
    path("patients/<uuid:patient_id>/plan/<slug:what>/", views.change, name="change"),
    path("measures/", views.my_measures, name="my_measures"),
]
