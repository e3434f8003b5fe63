from django.urls import path

from samforlop.portal import views

app_name = "portal"
urlpatterns = [
    path("my/", views.home, name="home"),
    path("my/letters/<uuid:letter_id>/", views.letter, name="letter"),
    path("my/plan/", views.plan, name="plan"),
    path("my/relatives/", views.relatives, name="relatives"),
    path("clinics/<uuid:clinic_id>/", views.clinic_public, name="clinic"),
]
