"""Outreach (oppsøkende oppfølging) and the municipality's collaboration arena (samarbeidsarena).

- `Outreach`: an attempt to reach a patient from the outreach list, how and with what result.
- `CollaborationArena`: a coordinating unit's recurring meeting across services (NFF's hub model),
  `ArenaMeeting` its meetings, `ArenaConsent` the patient's consent to be discussed in it,
  `ArenaCase` a patient on a meeting's list and `ArenaDecision` a decision that became a task.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReasonKind(models.TextChoices):
    """The three rules that put a patient on the outreach list."""

    NO_CONTACT = "no_contact", _("No contact")
    DECLINED_OR_DROPPED_OUT = "declined_or_dropped_out", _("Declined or dropped out")
    PATHWAY_ENDED_WITHOUT_OWNER = "pathway_ended_without_owner", _("Pathway ended without a plan owner in the municipality")


class Outreach(models.Model):
    """One attempt to reach a patient, with its result. Append-only: a new attempt is a new row."""

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")
        MESSAGE = "message", _("Message")
        HOME_VISIT = "home_visit", _("Home visit")
        MEETING = "meeting", _("Meeting")

    class Result(models.TextChoices):
        REACHED_FOLLOW_UP = "reached_follow_up", _("Reached, agreed follow-up")
        REACHED_NO_NEED = "reached_no_need", _("Reached, no need now")
        NOT_REACHED = "not_reached", _("Not reached")
        DECLINED_CONTACT = "declined_contact", _("Declined contact")

    # Every result but "not reached" means the patient was reached (and answered, if only with no).
    REACHED = (Result.REACHED_FOLLOW_UP, Result.REACHED_NO_NEED, Result.DECLINED_CONTACT)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="outreach")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"))
    method = models.CharField(_("how"), max_length=16, choices=Method.choices)
    result = models.CharField(_("result"), max_length=24, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)
    # The reasons on the list this attempt answered (ReasonKind values).
    reasons = models.JSONField(_("reasons it answered"), default=list)
    submission_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["patient", "result", "at"], name="outreach_patient_result")]

    @property
    def reached(self) -> bool:
        return self.result in self.REACHED

    @property
    def reason_labels(self) -> list[str]:
        return [ReasonKind(r).label for r in self.reasons if r in ReasonKind.values]


class CollaborationArena(models.Model):
    """A coordinating unit's recurring collaboration meeting across services, every N weeks."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("coordinating unit"),
                                     on_delete=models.PROTECT, related_name="arenas")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("what the arena is for"), blank=True)
    participants = models.ManyToManyField("accounts.Organisation", verbose_name=_("participating services"),
                                          related_name="arenas_participating")
    every_weeks = models.PositiveSmallIntegerField(_("meets every (weeks)"))
    place = models.CharField(_("usual place"), max_length=200, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submission_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ArenaMeeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    arena = models.ForeignKey(CollaborationArena, on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField(_("time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    place = models.CharField(_("place"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submission_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["arena", "starts_at"])]


class ArenaConsent(models.Model):
    """The patient's consent to be discussed in one arena. Withdrawn consent is kept, with when."""

    class How(models.TextChoices):
        PORTAL = "portal", _("Given in the portal")
        ORALLY = "orally", _("Given orally to staff")

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="arena_consents")
    arena = models.ForeignKey(CollaborationArena, on_delete=models.PROTECT, related_name="consents")
    given_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    how = models.CharField(_("how"), max_length=16, choices=How.choices)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["-given_at"]
        indexes = [models.Index(fields=["arena", "patient", "withdrawn_at"])]
        constraints = [models.UniqueConstraint(fields=["arena", "patient"], condition=Q(withdrawn_at__isnull=True),
                                               name="one_arena_consent_in_force")]

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None


class ArenaCase(models.Model):
    """A patient on a meeting's list, and what to discuss."""

    meeting = models.ForeignKey(ArenaMeeting, on_delete=models.PROTECT, related_name="cases")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="arena_cases")
    what = models.TextField(_("what to discuss"))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    submission_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "patient"], name="patient_once_per_arena_meeting")]


class ArenaDecision(models.Model):
    """A decision about a patient in an arena meeting; it is a task on the responsible organisation's worklist."""

    meeting = models.ForeignKey(ArenaMeeting, on_delete=models.PROTECT, related_name="decisions")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="arena_decisions")
    text = models.TextField(_("decision"))
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("responsible"), on_delete=models.PROTECT,
                                     related_name="+")
    due_on = models.DateField(_("due"))
    task = models.OneToOneField("tasks.Task", on_delete=models.PROTECT, related_name="arena_decision")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    submission_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["decided_at", "pk"]
