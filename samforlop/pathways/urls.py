from django.urls import path

from samforlop.pathways import views

app_name = "pathways"
urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/follow-up/", views.follow_up_list, name="follow_up_list"),
    path("pathways/<uuid:pathway_id>/milestones/", views.register_milestone, name="register_milestone"),
    path("pathways/<uuid:pathway_id>/corrections/", views.correct_event, name="correct_event"),
]
