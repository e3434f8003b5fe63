from django.urls import path

from samforlop.messaging import views

app_name = "messaging"
urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/<uuid:message_id>/", views.detail, name="detail"),
    path("messages/write/", views.write, name="write"),
    path("dev/mailbox/", views.dev_mailbox, name="dev_mailbox"),
]
