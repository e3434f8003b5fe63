"""Letters to the patient, kept as they were written: a letter states the figures of its day."""

import uuid

from django.db import models


class Letter(models.Model):
    class Kind(models.TextChoices):
        INCLUDED = "included", "included"
        NOT_INCLUDED = "not_included", "not_included"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    created_at = models.DateTimeField()
    referral = models.OneToOneField("referrals.Referral", on_delete=models.PROTECT, null=True, related_name="letter")
    # What the letter states, as of `created_at` (time limits, the clinic's recent times,
    # contact person, next step); rendered by the template for its kind.
    data = models.JSONField()

    class Meta:
        ordering = ["-created_at"]
