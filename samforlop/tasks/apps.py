from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "samforlop.tasks"
    label = "tasks"
