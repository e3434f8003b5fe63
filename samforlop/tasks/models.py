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


def task_visibility_condition(user, today, *, now=None, patient_field: str = "patient_id"):
    """The guard for tasks: a task belongs to the sharing category of what raised it (a check-in's
    phone call is check-in data, a return-to-work follow-up is work data, ...), so NAV sees a task
    only with the patient's consent to that category. Health personnel and the patient: the guard
    as for any clinical data (the category does not change what they see)."""
    from django.db.models import Q

    from samforlop.patients.models import HEALTH_PERSONNEL_ONLY, needs_consent, visibility_condition

    if not needs_consent(user):
        return visibility_condition(user, today, patient_field=patient_field, now=now, category=HEALTH_PERSONNEL_ONLY)
    condition = None
    for category, sources in TASK_SOURCES_BY_CATEGORY.items():
        granted = visibility_condition(user, today, patient_field=patient_field, now=now, category=category)
        if granted is not None:
            part = Q(source__in=sources) & granted
            condition = part if condition is None else condition | part
    return condition


# What each task source is, as shared data (patients.models.Category / OVERVIEW).
TASK_SOURCES_BY_CATEGORY = {
    "checkins": [Task.Source.CHECKIN, Task.Source.PATIENT_REQUEST],
    "plan_and_meetings": [Task.Source.RECOMMENDATION],
    "work": [Task.Source.RETURN_TO_WORK],
    # Arena decisions are discussed under the patient's consent to that arena; on a NAV office's
    # worklist they need some consent to NAV in force, as the patient's basic page does.
    "overview": [Task.Source.COLLABORATION_ARENA],
}
assert {s for sources in TASK_SOURCES_BY_CATEGORY.values() for s in sources} == set(Task.Source), \
    "every task source names its sharing category"
