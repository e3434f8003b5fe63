"""Referrals (henvisning) and collaborative consultations before referral.

A referral is written by a GP (or another referring organisation) for a patient to a clinic. It is
a draft until submitted; the clinic then includes the patient (the pathway starts), answers "not
included" (the pathway starts and ends with that outcome), or asks for more information.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samforlop.pathways.definitions import TREATMENT_KINDS, get_definition


class YesNo(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")


class Consultation(models.Model):
    """Samhandlende konsultasjon før henvisning: the GP asks the clinic about a patient; the clinic
    answers with advice or a proposed meeting time."""

    class Status(models.TextChoices):
        ASKED = "asked", _("Waiting for the clinic")
        ANSWERED = "answered", _("Answered")

    class AnswerKind(models.TextChoices):
        ADVICE = "advice", _("Advice")
        MEETING = "meeting", _("Proposed meeting")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    submission_id = models.UUIDField(unique=True)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="consultations")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asking_organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="consultations")
    question = models.TextField(_("question"))
    asked_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ASKED)
    answer_kind = models.CharField(_("answer"), max_length=16, choices=AnswerKind.choices, blank=True)
    answer = models.TextField(_("advice or message"), blank=True)
    proposed_meeting_at = models.DateTimeField(_("proposed meeting time"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    answered_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-asked_at"]
        indexes = [models.Index(fields=["clinic", "status", "asked_at"])]


class Referral(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Received, waiting for assessment")
        NEEDS_INFORMATION = "needs_information", _("Returned for more information")
        INCLUDED = "included", _("Included")
        NOT_INCLUDED = "not_included", _("Not included")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The id of the form that created it: a double submit creates one referral.
    submission_id = models.UUIDField(unique=True)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="referrals")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referring_organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey("accounts.Organisation", verbose_name=_("clinic"), on_delete=models.PROTECT,
                               related_name="referrals_received")
    pathway_type = models.CharField(max_length=32, default="smerte")
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="referrals")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    # The pain and what it does.
    pain_duration_months = models.PositiveSmallIntegerField(_("How long has the pain lasted (months)?"), null=True, blank=True)
    pain_location = models.TextField(_("Where is the pain?"), blank=True)
    function_reduced = models.CharField(_("Is function reduced?"), max_length=3, choices=YesNo.choices, blank=True)
    function_impact = models.TextField(_("How the pain affects function and daily life"), blank=True)
    work_impact = models.TextField(_("How the pain affects work or studies"), blank=True)
    quality_of_life_reduced = models.CharField(_("Is quality of life reduced?"), max_length=3, choices=YesNo.choices, blank=True)
    quality_of_life_impact = models.TextField(_("How the pain affects quality of life"), blank=True)
    # Factors that matter for the pain condition (biopsychosocial), never a single "cause".
    factors_physical = models.TextField(_("Physical factors"), blank=True)
    factors_psychological = models.TextField(_("Psychological factors"), blank=True)
    factors_social = models.TextField(_("Social factors"), blank=True)
    factors_work = models.TextField(_("Work"), blank=True)
    factors_economy = models.TextField(_("Economy"), blank=True)
    # Sensitive: visible only to the author and the receiving clinic.
    traumatic_experiences = models.TextField(_("Traumatic experiences (optional, sensitive)"), blank=True)
    patient_goals = models.TextField(_("The patient's goals, in their own words"), blank=True)
    patient_expectations = models.TextField(_("The patient's expectations, in their own words"), blank=True)
    nav_participation = models.CharField(_("Does the patient agree to NAV taking part?"), max_length=3,
                                         choices=YesNo.choices, blank=True)

    # Receipt and assessment.
    received_on = models.DateField(null=True)
    assessment_deadline = models.DateField(null=True)
    returned_on = models.DateField(null=True)
    paused_working_days = models.PositiveSmallIntegerField(default=0)
    questions = models.TextField(_("questions to the referrer"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    decision_advice = models.TextField(_("advice to the GP and the patient"), blank=True)
    pathway = models.OneToOneField("pathways.Pathway", on_delete=models.PROTECT, null=True, related_name="referral")
    # The sending record system's own id of an electronic referral (FHIR ServiceRequest.identifier):
    # a retried send with the same id finds this referral instead of creating another.
    sender_identifier_system = models.CharField(max_length=200, blank=True)
    sender_identifier_value = models.CharField(max_length=200, blank=True)

    FACTOR_FIELDS = ["factors_physical", "factors_psychological", "factors_social", "factors_work", "factors_economy"]

    class Meta:
        ordering = ["received_on", "created_at"]
        indexes = [models.Index(fields=["clinic", "status", "received_on"], name="referral_inbox")]
        constraints = [models.UniqueConstraint(
            fields=["referring_organisation", "sender_identifier_system", "sender_identifier_value"],
            condition=~models.Q(sender_identifier_value=""), name="referral_sender_identifier_once")]

    def __str__(self) -> str:
        return f"{self.patient} → {self.clinic}"

    @property
    def definition(self):
        return get_definition(self.pathway_type)

    def may_see_sensitive(self, user) -> bool:
        """Traumatic experiences: the author and the receiving clinic only (never NAV, the
        municipality or a user organisation, even on the care team)."""
        return user.pk == self.author_id or (
            user.organisation_id is not None and user.organisation_id == self.clinic_id
        )


class ReferralTreatment(models.Model):
    """A treatment tried before the referral: kind, period and effect."""

    class Kind(models.TextChoices):
        PHYSIOTHERAPY = "physiotherapy", _("Physiotherapy")
        FRISKLIVSSENTRAL = "frisklivssentral", _("Healthy-life centre (frisklivssentral)")
        MEDICATION = "medication", _("Medication")
        PSYCHOLOGICAL = "psychological", _("Psychological treatment")
        OTHER = "other", _("Other")

    class Effect(models.TextChoices):
        NONE = "none", _("No effect")
        SOME = "some", _("Some effect")
        GOOD = "good", _("Good effect")
        UNKNOWN = "unknown", _("Not known")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="treatments")
    kind = models.CharField(_("treatment"), max_length=32, choices=Kind.choices)
    period = models.CharField(_("period"), max_length=100)
    effect = models.CharField(_("effect"), max_length=16, choices=Effect.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]


assert set(ReferralTreatment.Kind.values) == set(TREATMENT_KINDS), "definitions and referral form disagree"
