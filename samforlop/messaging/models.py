"""The outbox: every message to a person or organisation is a row here first.

The full text is read inside Samforløp by its recipients. E-mail carries only a neutral notice with
a link: no health details leave the service by e-mail, and none are ever in a subject line.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    class Delivery(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        NO_ADDRESS = "no_address", _("no e-mail address: in Samforløp only")
        FAILED = "failed", _("could not be sent")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField()
    kind = models.CharField(max_length=64)
    # Exactly one recipient: a person, an organisation (its staff read it) or a patient.
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    recipient_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    recipient_patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="messages_to"
    )
    # The patient the message is about (for the access log when it is read), if any.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="messages_about"
    )
    # Who wrote it, when a person did (a patient to their contact person, or the answer).
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="sent_messages")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    link = models.CharField(max_length=300, blank=True)
    # Makes queueing idempotent: the same event never sends the same message twice.
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)

    # An optional attachment (e.g. an .ics calendar invitation); it must hold no health details.
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    attachment = models.TextField(blank=True)

    to_address = models.EmailField(blank=True)
    delivery = models.CharField(max_length=16, choices=Delivery.choices, default=Delivery.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["delivery", "next_attempt_at"], name="message_outbox"),
            models.Index(fields=["recipient_user", "created_at"]),
            models.Index(fields=["recipient_organisation", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(recipient_user__isnull=False, recipient_organisation__isnull=True, recipient_patient__isnull=True)
                    | models.Q(recipient_user__isnull=True, recipient_organisation__isnull=False, recipient_patient__isnull=True)
                    | models.Q(recipient_user__isnull=True, recipient_organisation__isnull=True, recipient_patient__isnull=False)
                ),
                name="message_has_one_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def recipient_name(self) -> str:
        recipient = self.recipient_user or self.recipient_organisation or self.recipient_patient
        return str(recipient)
