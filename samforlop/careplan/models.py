"""The individual plan (individuell plan): the patient's goals in their own words and the measures
(tiltak) each service owns. It belongs to the patient, not to a pathway, so it lives on after the
pathway ends. Every change is kept as a version; concurrent edits of the same goal or measure are
refused for the second editor instead of overwriting silently."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Plan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.OneToOneField("patients.Patient", on_delete=models.PROTECT, related_name="plan")
    created_at = models.DateTimeField()
    # Bumped by every change; the patient agrees to a given version.
    version = models.PositiveIntegerField(default=0)
    patient_agreed_version = models.PositiveIntegerField(null=True, blank=True)
    patient_agreed_at = models.DateTimeField(null=True, blank=True)

    @property
    def patient_agrees_to_current(self) -> bool:
        return self.patient_agreed_version is not None and self.patient_agreed_version == self.version

    def has_content(self) -> bool:
        """A plan the patient can agree to: at least one goal or measure (an empty plan says nothing)."""
        return self.goals.exists() or self.measures.exists()


class Goal(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Working on it")
        REACHED = "reached", _("Reached")
        CHANGED = "changed", _("Changed or let go")

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="goals")
    text = models.TextField(_("Goal, in the patient's own words"))
    reached_means = models.TextField(_("What “reached” means"), blank=True)
    review_on = models.DateField(_("Review date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # What the goal needs (physical activity, pain coping, work, peer support, social contact): used
    # to match offers from the catalogue.
    needs = models.JSONField(_("needs"), default=list, blank=True)
    revision = models.PositiveIntegerField(default=1)
    submission_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["pk"]


class Measure(models.Model):
    """A measure (tiltak) with an owner: an organisation and, usually, a named person."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        STOPPED = "stopped", _("Stopped")

    OPEN = (Status.PLANNED, Status.IN_PROGRESS)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="measures")
    title = models.CharField(_("Measure"), max_length=200)
    description = models.TextField(_("Description"), blank=True)
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("Responsible organisation"),
                                     on_delete=models.PROTECT, related_name="measures")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("Responsible person"),
                               on_delete=models.PROTECT, null=True, blank=True, related_name="measures")
    start_on = models.DateField(_("Start"), null=True, blank=True)
    due_on = models.DateField(_("Due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    stop_reason = models.TextField(_("Why it was stopped"), blank=True)
    # When the measure was stopped (the patient dropped out, or it was ended early): the outreach list.
    stopped_at = models.DateTimeField(null=True, blank=True)
    # What the measure costs the patient in all (NOK), and whether the co-payment counts toward the
    # co-payment ceiling (egenandelstak) that gives the exemption card (frikort).
    cost_nok = models.PositiveIntegerField(_("Cost to the patient (NOK)"), default=0)
    counts_toward_ceiling = models.BooleanField(_("Counts toward the co-payment ceiling"), default=False)
    goal = models.ForeignKey(Goal, verbose_name=_("Goal"), on_delete=models.PROTECT, null=True, blank=True,
                             related_name="measures")
    # An adapted training programme: the patient logs sessions in a training diary.
    is_training_programme = models.BooleanField(_("Training programme (the patient keeps a diary)"), default=False)
    decision = models.OneToOneField("meetings.Decision", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="measure")
    revision = models.PositiveIntegerField(default=1)
    submission_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["person", "status", "due_on"], name="measure_mine"),
            models.Index(fields=["organisation", "status", "due_on"], name="measure_organisation"),
        ]


class PlanVersion(models.Model):
    """One change to the plan: who, when, what (and the plan as it then was)."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    what = models.CharField(max_length=300)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="one_plan_version_number")]


class PlanComment(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("Comment"))
    at = models.DateTimeField()
    submission_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["at"]
