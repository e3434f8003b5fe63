"""Outreach (oppsøkende oppfølging) and the municipality's collaboration arena."""
from django.urls import path

from samforlop.outreach import arena, views

app_name = "outreach"
urlpatterns = [
    path("outreach/", views.outreach_list, name="list"),
    path("outreach/patients/<uuid:patient_id>/", views.outreach_patient, name="patient"),
    path("outreach/arenas/", arena.arenas, name="arenas"),
    path("outreach/arenas/<uuid:arena_id>/", arena.arena_detail, name="arena"),
    path("outreach/arenas/<uuid:arena_id>/consents/", arena.arena_consents, name="arena_consents"),
    path("outreach/arena-meetings/<uuid:meeting_id>/", arena.arena_meeting, name="arena_meeting"),
    path("my/arena/", arena.my_arena, name="my_arena"),
]
