"""The interdisciplinary assessment record (tverrfaglig utredning): sections each team member
writes their part in; the record shows who wrote what. Entries are never changed: a new entry
by the same author in the same section takes the place of the earlier one."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentEntry(models.Model):
    class Section(models.TextChoices):
        PHYSICAL = "physical", _("Physical factors")
        PSYCHOLOGICAL = "psychological", _("Psychological factors")
        SOCIAL = "social", _("Social factors")
        PATIENT_GOALS = "patient_goals", _("The patient's goals")
        PATIENT_OWN_ACTIONS = "patient_own_actions", _("What the patient thinks they should do to reach them")
        PATIENT_EXPECTATIONS = "patient_expectations", _("The patient's expectations")
        WORK_AND_ECONOMY = "work_and_economy", _("Work and economy")

    # What NAV and relatives may read with consent: the patient's own words, and work and economy.
    NOT_CLINICAL = (Section.PATIENT_GOALS, Section.PATIENT_OWN_ACTIONS, Section.PATIENT_EXPECTATIONS,
                    Section.WORK_AND_ECONOMY)

    class Employment(models.TextChoices):
        EMPLOYED = "employed", _("Employed")
        SICK_LEAVE = "sick_leave", _("On sick leave")
        WORK_ASSESSMENT_ALLOWANCE = "work_assessment_allowance", _("Work assessment allowance (AAP)")
        DISABILITY_BENEFIT = "disability_benefit", _("Disability benefit")
        UNEMPLOYED = "unemployed", _("Unemployed")
        STUDENT = "student", _("Student")
        OTHER = "other", _("Other")

    class Strain(models.TextChoices):
        NONE = "none", _("None")
        SOME = "some", _("Some")
        SEVERE = "severe", _("Severe")

    pathway = models.ForeignKey("pathways.Pathway", on_delete=models.PROTECT, related_name="assessment_entries")
    section = models.CharField(_("Section"), max_length=32, choices=Section.choices)
    text = models.TextField(_("Text"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(max_length=32)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    submission_id = models.UUIDField(unique=True)
    # Work and economy, asked as NFF wants them recorded.
    employment = models.CharField(_("Employment"), max_length=32, choices=Employment.choices, blank=True)
    sick_leave_percent = models.PositiveSmallIntegerField(_("Sick leave (%)"), null=True, blank=True)
    nav_contact = models.CharField(_("In contact with NAV"), max_length=3, choices=[("yes", _("Yes")), ("no", _("No"))],
                                   blank=True)
    financial_strain = models.CharField(_("Financial strain"), max_length=16, choices=Strain.choices, blank=True)

    class Meta:
        ordering = ["section", "written_at"]
        indexes = [models.Index(fields=["pathway", "section"])]
