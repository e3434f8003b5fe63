from django.urls import path

from samforlop.offers import views

app_name = "offers"
urlpatterns = [
    path("offers/", views.catalogue, name="catalogue"),
    path("offers/mine/", views.mine, name="mine"),
    path("offers/mine/new/", views.edit, name="new"),
    path("offers/mine/export.csv", views.export, name="export"),
    path("offers/mine/<uuid:offer_id>/edit/", views.edit, name="edit"),
    path("offers/mine/<uuid:offer_id>/verify/", views.verify, name="verify"),
    path("offers/<uuid:offer_id>/", views.offer_detail, name="detail"),
    path("api/public/offers", views.api_offers, name="api"),
    path("patients/<uuid:patient_id>/offers/", views.for_patient, name="for_patient"),
    path("patients/<uuid:patient_id>/offers/<uuid:offer_id>/recommend/", views.recommend, name="recommend"),
]
