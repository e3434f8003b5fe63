"""Work: the work situation, the return-to-work coordinator's follow-up and letters to the employer.

- The **work situation** is an append-only history: each row is the situation as recorded then
  (from the assessment, a check-in, the care team or the patient); the current one is the latest.
- The **return-to-work coordinator** (koordinator for arbeidsrettet oppfølging) is a care-team role
  (`CareTeamMember.is_return_to_work_coordinator`); how often they follow up is set per patient
  (`ReturnToWorkFollowUp`, the latest row counts).
- **Workplace agreements**: the measures agreed with the employee and the employer.
- **Letters to the employer** are written with the patient and released only with the patient's
  explicit consent to that exact content (`EmployerLetterRelease` keeps what was approved).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from samforlop.assessments.models import AssessmentEntry

Status = AssessmentEntry.Employment  # one list of work situations, shared with the assessment


class WorkSituation(models.Model):
    """The patient's work situation as recorded at one moment. Never changed: a new row replaces it."""

    class Source(models.TextChoices):
        ASSESSMENT = "assessment", _("The assessment")
        CHECKIN = "checkin", _("A check-in")
        COORDINATOR = "coordinator", _("The care team")
        PATIENT = "patient", _("The patient")

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="work_situations")
    status = models.CharField(_("Work situation"), max_length=32, choices=Status.choices)
    sick_leave_percent = models.PositiveSmallIntegerField(_("Sick leave (%)"), null=True, blank=True)
    valid_from = models.DateField(_("From"), null=True, blank=True)
    valid_to = models.DateField(_("To"), null=True, blank=True)
    note = models.TextField(_("Note"), blank=True)
    source = models.CharField(_("Source"), max_length=16, choices=Source.choices)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submission_id = models.UUIDField(unique=True, null=True, blank=True)
    # Where it came from, when it came with an assessment entry or a check-in.
    assessment_entry = models.ForeignKey("assessments.AssessmentEntry", on_delete=models.PROTECT, null=True,
                                         blank=True, related_name="+")
    checkin = models.ForeignKey("checkins.CheckIn", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["patient", "recorded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=Status.SICK_LEAVE, sick_leave_percent__gte=1, sick_leave_percent__lte=100)
                | (~Q(status=Status.SICK_LEAVE) & Q(sick_leave_percent__isnull=True)),
                name="work_situation_sick_leave_has_a_percentage"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="work_situation_period_ordered"),
        ]

    def same_as(self, *, status, sick_leave_percent, valid_from, valid_to, note) -> bool:
        return (self.status, self.sick_leave_percent, self.valid_from, self.valid_to, self.note) == (
            status, sick_leave_percent, valid_from, valid_to, note)


class ReturnToWorkFollowUp(models.Model):
    """How the return-to-work coordinator follows this patient up: every N weeks, and in what way.
    A new row when the coordinator or the intensity changes; the latest counts."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="return_to_work_follow_ups")
    coordinator = models.ForeignKey("patients.CareTeamMember", on_delete=models.PROTECT, related_name="+")
    every_weeks = models.PositiveSmallIntegerField(_("Follow up every (weeks)"))
    note = models.TextField(_("How the follow-up is done"), blank=True)
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submission_id = models.UUIDField(unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        indexes = [models.Index(fields=["patient", "decided_at"])]


class WorkplaceAgreement(models.Model):
    """Measures agreed with the employee and the employer (tilrettelegging), with a review date."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="workplace_agreements")
    agreed_on = models.DateField(_("Agreed on"))
    employer_name = models.CharField(_("Employer"), max_length=200)
    employer_contact = models.CharField(_("Contact at the employer"), max_length=200, blank=True)
    adjustments = models.JSONField(_("Adjustments"), default=list, blank=True)  # keys in rules.toml
    other_adjustments = models.TextField(_("Other measures agreed"), blank=True)
    review_on = models.DateField(_("Review on"), null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submission_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["-agreed_on", "-recorded_at"]
        constraints = [models.CheckConstraint(
            condition=Q(review_on__isnull=True) | Q(review_on__gte=F("agreed_on")), name="workplace_agreement_review_after")]


class EmployerLetter(models.Model):
    """A letter to the employer, written with the patient. Printable only while the patient's
    consent to its current content is in force; any change needs a new approval."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Waiting for the patient's approval")
        APPROVED = "approved", _("Approved by the patient")
        WITHDRAWN = "withdrawn", _("Consent withdrawn")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="employer_letters")
    status = models.CharField(_("Status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    employer_name = models.CharField(_("To (the employer)"), max_length=200, blank=True)
    general_text = models.TextField(_("What the condition means for work, in general terms"))
    adjustments = models.JSONField(_("Adjustments that help"), default=list, blank=True)
    schemes = models.JSONField(_("Support schemes for the employer"), default=list, blank=True)
    nav_contact_name = models.CharField(_("NAV contact person"), max_length=200, blank=True)
    nav_contact_office = models.CharField(_("NAV office"), max_length=200, blank=True)
    nav_contact_email = models.EmailField(_("NAV contact e-mail"), blank=True)
    # Only the patient chooses to name a diagnosis; empty unless they do.
    include_diagnosis = models.BooleanField(_("Include a diagnosis"), default=False)
    diagnosis_text = models.TextField(_("Diagnosis, as you want the employer to read it"), blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submission_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "created_at"])]
        constraints = [models.CheckConstraint(
            condition=Q(include_diagnosis=True) | Q(diagnosis_text=""), name="employer_letter_diagnosis_only_if_chosen")]


class EmployerLetterRelease(models.Model):
    """The patient's consent to release one revision of a letter, with exactly what it said. In
    force until the patient withdraws it or the letter changes."""

    class Ended(models.TextChoices):
        WITHDRAWN = "withdrawn", _("The patient withdrew the consent")
        CHANGED = "changed", _("The letter changed")

    letter = models.ForeignKey(EmployerLetter, on_delete=models.PROTECT, related_name="releases")
    revision = models.PositiveIntegerField()
    content = models.JSONField()
    consented_at = models.DateTimeField()
    consented_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    ended_because = models.CharField(max_length=16, choices=Ended.choices, blank=True)

    class Meta:
        ordering = ["-consented_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["letter"], condition=Q(ended_at__isnull=True),
                                               name="one_release_in_force_per_letter")]
