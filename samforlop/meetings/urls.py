from django.urls import path

from samforlop.meetings import views

app_name = "meetings"
urlpatterns = [
    path("pathways/<uuid:pathway_id>/meetings/<slug:kind>/new/", views.schedule, name="schedule"),
    path("meetings/<uuid:meeting_id>/", views.detail, name="detail"),
    path("meetings/<uuid:meeting_id>/answer/", views.answer, name="answer"),
    path("meetings/<uuid:meeting_id>/held/", views.hold, name="hold"),
    path("meetings/<uuid:meeting_id>/invitation.ics", views.ics, name="ics"),
    path("decisions/<int:decision_id>/measure/", views.decision_measure, name="decision_measure"),
]
