"""Work: the work situation, the return-to-work coordinator's follow-up and letters to the employer."""

from django.urls import path

from samforlop.work import views

app_name = "work"
urlpatterns = [
    path("patients/<uuid:patient_id>/work/", views.patient_work, name="patient"),
    path("patients/<uuid:patient_id>/work/letters/<uuid:letter_id>/", views.letter, name="letter"),
    path("patients/<uuid:patient_id>/work/letters/<uuid:letter_id>/print/", views.letter_print, name="letter_print"),
    path("patients/<uuid:patient_id>/work/<slug:what>/", views.change, name="change"),
    path("my/work/", views.mine, name="mine"),
    path("my/work/letters/<uuid:letter_id>/", views.my_letter, name="my_letter"),
    path("my/work/letters/<uuid:letter_id>/print/", views.my_letter_print, name="my_letter_print"),
]
