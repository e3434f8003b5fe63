from django.urls import path

from samforlop.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/<uuid:patient_id>/", views.new, name="new"),
    path("<uuid:referral_id>/", views.detail, name="detail"),
    path("<uuid:referral_id>/edit/", views.edit, name="edit"),
    path("<uuid:referral_id>/decision/", views.decide, name="decide"),
    path("<uuid:referral_id>/letter/", views.letter, name="letter"),
    path("consultations/new/<uuid:patient_id>/", views.ask_consultation, name="ask_consultation"),
    path("consultations/<uuid:consultation_id>/", views.consultation, name="consultation"),
]
