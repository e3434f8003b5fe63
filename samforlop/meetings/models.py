"""Collaboration meetings (samhandlingsmøter): summarizing and follow-up. The clinic schedules;
participants are invited by role and answer; holding the meeting registers its milestone."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission_id = models.UUIDField(unique=True)
    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(max_length=32)  # a meeting template key in the pathway definition
    starts_at = models.DateTimeField(_("Time"))
    duration_minutes = models.PositiveSmallIntegerField(_("Duration (minutes)"), default=60)
    place = models.CharField(_("Place"), max_length=200, blank=True)
    video_link = models.URLField(_("Video link"), blank=True)
    agenda = models.TextField(_("Agenda"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    held_on = models.DateField(null=True)
    minutes = models.TextField(_("Minutes"), blank=True)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]

    @property
    def template(self):
        return self.pathway.definition.meeting(self.kind)


class Participant(models.Model):
    class Role(models.TextChoices):
        PATIENT = "patient", _("Patient")
        TEAM_MEMBER = "team_member", _("Interdisciplinary team")
        GP = "gp", _("GP")
        PHYSIOTHERAPIST = "physiotherapist", _("Treating physiotherapist")
        NAV = "nav", _("NAV")
        RELATIVE = "relative", _("Relative")
        OTHER = "other", _("Other")

    class Response(models.TextChoices):
        PENDING = "pending", _("Not answered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(max_length=32, choices=Role.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=200, blank=True)  # a relative, or someone without an account
    consent = models.ForeignKey("patients.RelativeConsent", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    response = models.CharField(max_length=16, choices=Response.choices, default=Response.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        if self.user_id:
            return self.user.display_name
        if self.patient_id:
            return self.patient.full_name
        if self.organisation_id:
            return self.organisation.name
        return self.name


class Decision(models.Model):
    """A decision in the minutes; it can become a measure in the individual plan."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    text = models.TextField(_("Decision"))
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submission_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["pk"]
