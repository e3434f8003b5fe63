from django.urls import path

from samforlop.checkins import views as checkin_views
from samforlop.offers import views as offer_views
from samforlop.portal import sharing, views

app_name = "portal"
urlpatterns = [
    path("my/", views.home, name="home"),
    path("my/letters/<uuid:letter_id>/", views.letter, name="letter"),
    path("my/plan/", views.plan, name="plan"),
    path("my/relatives/", views.relatives, name="relatives"),
    path("my/privacy/", views.privacy, name="privacy"),
    path("my/sharing/", sharing.sharing, name="sharing"),
    path("shared/", sharing.shared_with_me, name="shared"),
    path("shared/<uuid:patient_id>/", sharing.shared_patient, name="shared_patient"),
    path("my/checkins/", checkin_views.my_checkins, name="checkins"),
    path("my/checkins/<slug:questionnaire_key>/", checkin_views.checkin, name="checkin"),
    path("my/checkins/done/<uuid:checkin_id>/", checkin_views.checkin_done, name="checkin_done"),
    path("my/appointment/", checkin_views.appointment, name="appointment"),
    path("my/training/", checkin_views.training, name="training"),
    path("my/offers/", offer_views.my_offers, name="offers"),
    path("clinics/<uuid:clinic_id>/", views.clinic_public, name="clinic"),
]
