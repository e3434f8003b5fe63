from django.urls import path

from samforlop.tasks import views

app_name = "tasks"
urlpatterns = [
    path("tasks/<uuid:task_id>/", views.detail, name="detail"),
]
