from django.urls import path

from samforlop.checkins import views

app_name = "checkins"
urlpatterns = [
    path("patients/<uuid:patient_id>/checkins/", views.patient_checkins, name="patient"),
    path("training/<uuid:session_id>/reply/", views.reply, name="reply"),
]
