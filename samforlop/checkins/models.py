"""Check-ins (a patient's answers to a questionnaire, scored and triaged), check-in schedules with
reminders, and patient-controlled follow-up (PORS) enrolment."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckIn(models.Model):
    class Colour(models.TextChoices):
        GREEN = "green", _("Green: nothing to do")
        YELLOW = "yellow", _("Yellow: the clinic phones the patient")
        RED = "red", _("Red: the clinic offers an appointment")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="checkins")
    questionnaire = models.CharField(max_length=64)
    answers = models.JSONField()
    scores = models.JSONField()
    colour = models.CharField(max_length=8, choices=Colour.choices)
    # The rules that decided the colour, as the patient and the clinic read them.
    explanations = models.JSONField(default=list)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submission_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["patient", "questionnaire", "submitted_at"])]


class CheckinSchedule(models.Model):
    """A questionnaire the patient is asked to answer every `interval_months`."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="checkin_schedules")
    questionnaire = models.CharField(_("questionnaire"), max_length=64)
    interval_months = models.PositiveSmallIntegerField(_("every (months)"))
    next_due_on = models.DateField(_("next"))
    active = models.BooleanField(default=True)
    # The due date each reminder was sent for: a reminder goes once per due date.
    first_reminder_for = models.DateField(null=True, blank=True)
    second_reminder_for = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["active", "next_due_on"], name="checkin_due")]
        constraints = [models.UniqueConstraint(fields=["patient", "questionnaire"], condition=models.Q(active=True),
                                               name="one_active_schedule_per_questionnaire")]


class FollowUpEnrolment(models.Model):
    """Patient-controlled follow-up (pasientstyrt oppfølging, PORS): the patient leaves routine
    controls; the GP is the medical contact; blood tests on a schedule; contact without referral."""

    patient = models.OneToOneField("patients.Patient", on_delete=models.PROTECT, related_name="follow_up")
    clinic = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    medical_contact = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                        related_name="+", verbose_name=_("medical contact (GP)"))
    other_illness = models.BooleanField(_("has other illness"), default=False)
    blood_test_interval_months = models.PositiveSmallIntegerField()
    next_blood_test_on = models.DateField()
    enrolled_on = models.DateField()
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The promise to the patient: an answer (and an appointment offered) within this many days.
    answer_within_days = models.PositiveSmallIntegerField(default=30)
    active = models.BooleanField(default=True)


class TrainingSession(models.Model):
    """One session of an adapted training programme (a measure), logged by the patient."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    measure = models.ForeignKey("careplan.Measure", on_delete=models.PROTECT, related_name="sessions")
    done_on = models.DateField(_("date"))
    what = models.CharField(_("what you did"), max_length=300)
    how_it_felt = models.TextField(_("how it felt"), blank=True)
    pain_before = models.PositiveSmallIntegerField(_("pain before (0–10)"))
    pain_after = models.PositiveSmallIntegerField(_("pain after (0–10)"))
    logged_at = models.DateTimeField()
    submission_id = models.UUIDField(unique=True)
    reply = models.TextField(_("answer from the physiotherapist"), blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-done_on", "-logged_at"]
