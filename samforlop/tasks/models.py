"""Tasks: a to-do for a clinic with a due date and a reason (phone the patient after a yellow
check-in, offer an appointment after a red one or when the patient asks). They land on the
clinic's worklist with breach flags like the pathway limits."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Task(models.Model):
    class Kind(models.TextChoices):
        PHONE_PATIENT = "phone_patient", _("Phone the patient")
        OFFER_APPOINTMENT = "offer_appointment", _("Offer an appointment")
        FOLLOW_UP_RECOMMENDATION = "follow_up_recommendation", _("Follow up an unanswered recommendation")
        # The return-to-work coordinator's work (arbeidsrettet oppfølging).
        AGREE_WORKPLACE_MEASURES = "agree_workplace_measures", _("Agree workplace measures with employee and employer")
        FOLLOW_UP_WORK = "follow_up_work", _("Follow up that work has resumed as agreed")
        ADJUST_WORK = "adjust_work", _("Adjust the work measures as the disease fluctuates")
        # A decision in the municipality's collaboration arena (samarbeidsarena).
        ARENA_DECISION = "arena_decision", _("Carry out a decision from the collaboration arena")

    class Source(models.TextChoices):
        CHECKIN = "checkin", _("Check-in")
        PATIENT_REQUEST = "patient_request", _("The patient asked for an appointment")
        RECOMMENDATION = "recommendation", _("A recommended offer")
        RETURN_TO_WORK = "return_to_work", _("Return-to-work follow-up")
        COLLABORATION_ARENA = "collaboration_arena", _("Collaboration arena")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="tasks")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="tasks")
    # The named person who holds the task, when there is one (e.g. the return-to-work coordinator).
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="assigned_tasks")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    source = models.CharField(max_length=32, choices=Source.choices)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField()
    due_on = models.DateField(_("due"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    checkin = models.ForeignKey("checkins.CheckIn", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks")
    submission_id = models.UUIDField(unique=True, null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    answer = models.TextField(_("what was done"), blank=True)
    appointment_on = models.DateField(_("appointment date"), null=True, blank=True)
    # Bumped by every change (answering is the only one): the FHIR API's version, so an update
    # based on an old read is refused instead of overwriting.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [
            models.Index(fields=["organisation", "status", "due_on"], name="task_worklist"),
            # FHIR Task search by owner and due date (any status), in (due_on, id) order; the
            # patient is in the index so the guard's check needs no table lookup.
            models.Index(fields=["organisation", "due_on", "id", "patient"], name="task_owner_due"),
        ]

    @property
    def answered_in_time(self) -> bool | None:
        if self.answered_at is None:
            return None
        from samforlop.core import clock

        return clock.oslo_date(self.answered_at) <= self.due_on
