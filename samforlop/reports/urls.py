from django.urls import path

from samforlop.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report, name="report"),
    path("drilldown/", views.drilldown, name="drilldown"),
    path("registry/", views.registry_export, name="registry"),
    path("emergency/", views.emergency_review, name="emergency"),
]
