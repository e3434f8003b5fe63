from django.urls import path

from samforlop.assessments import views

app_name = "assessments"
urlpatterns = [
    path("pathways/<uuid:pathway_id>/assessment/", views.assessment, name="assessment"),
]
