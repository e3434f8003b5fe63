"""Patients and their care teams, and the one scoped entry point to patient data.

Every query for patient data starts from `Patient.objects.visible_to(user, today)`: a staff user
sees a patient while their organisation is on the patient's care team (from/to dates inclusive).
"""

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from samforlop.accounts.models import municipality_number_validator
from samforlop.patients import identity


def active_on(day: dt.date, prefix: str = "") -> Q:
    """Care-team membership in force on `day` (both ends inclusive)."""
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def visibility_condition(user, today: dt.date, patient_field: str = "pk", now: dt.datetime | None = None):
    """The one rule for who may see a patient, as a condition on `patient_field`.

    A staff user sees a patient while their organisation is on the patient's care team. Used by
    `Patient.objects.visible_to` and by querysets of patient data reached through another model
    (e.g. pathways), so the rule is written once. Correlated EXISTS rather than IN or a join: the
    worklist walks pathways in deadline order and checks membership per row through the
    (patient, organisation) index, stopping after one page.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if getattr(user, "patient_id", None) is not None:
        return Q(**{patient_field: user.patient_id})  # a patient sees their own data, nobody else's
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is None:
        return None
    on_team = Exists(CareTeamMember.objects.filter(
        active_on(today), patient=OuterRef(patient_field), organisation_id=organisation_id
    ))
    # A patient can block a named person or a whole organisation: blocked, they see nothing,
    # even while on the care team.
    blocked = Exists(Block.objects.filter(
        Q(person_id=user.pk) | Q(organisation_id=organisation_id), patient=OuterRef(patient_field),
        lifted_at__isnull=True,
    ))
    # Emergency access (akuttilgang): a clinician outside the care team, for a stated reason, for a
    # few hours. Blocks apply to it too.
    from django.utils import timezone

    emergency = Exists(EmergencyAccess.objects.filter(
        patient=OuterRef(patient_field), user_id=user.pk, expires_at__gt=now or timezone.now()))
    return (on_team | emergency) & ~blocked


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user, today: dt.date):
        """The patients `user` may see on `today`; nothing for anyone else."""
        condition = visibility_condition(user, today)
        return self.none() if condition is None else self.filter(condition)


class Patient(models.Model):
    """A person on a pathway (pasient/bruker). The id is opaque: identity numbers never go in URLs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    national_id = models.CharField(
        _("national identity number"), max_length=11, unique=True,
        validators=[identity.validate_identity_number],
    )
    municipality = models.CharField(
        _("municipality number"), max_length=4, validators=[municipality_number_validator]
    )
    gp = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("GP"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="gp_patients",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    # For matching offers: the diagnosis group (if any) and what the patient has said they prefer.
    diagnosis_group = models.CharField(_("diagnosis group"), max_length=32, blank=True)
    prefers_no_referral = models.BooleanField(_("prefers offers without referral"), default=False)
    prefers_low_cost = models.BooleanField(_("prefers free or low-cost offers"), default=False)
    needs_transport = models.BooleanField(_("needs transport"), default=False)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("patient")
        verbose_name_plural = _("patients")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def birth_date(self) -> dt.date:
        return identity.birth_date(self.national_id)


class CareTeamMember(models.Model):
    """Who serves this patient: an organisation (and optionally a named person) in a role, from/to.

    Each organisation has at most one contact person (fast kontaktperson) for the patient at a
    time, and the patient has one coordinator (koordinator).
    """

    class Role(models.TextChoices):
        SPECIALIST_CLINIC = "specialist_clinic", _("Specialist clinic")
        GP = "gp", _("GP")
        PHYSIOTHERAPIST = "physiotherapist", _("Treating physiotherapist")
        MUNICIPAL_SERVICE = "municipal_service", _("Municipal service")
        NAV = "nav", _("NAV")
        USER_ORGANISATION = "user_organisation", _("User organisation")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="care_team")
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="care_team_memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_contact_person = models.BooleanField(_("contact person"), default=False)
    is_coordinator = models.BooleanField(_("coordinator"), default=False)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["valid_from", "pk"]
        indexes = [models.Index(fields=["patient", "organisation", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="care_team_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(is_contact_person=False) & Q(is_coordinator=False) | Q(person__isnull=False),
                name="care_team_named_person_for_contact_and_coordinator",
            ),
            # Backstops for the open-ended case; overlaps of dated periods are checked by
            # add_care_team_member().
            models.UniqueConstraint(
                fields=["patient", "organisation"],
                condition=Q(is_contact_person=True, valid_to__isnull=True),
                name="one_open_contact_person_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(is_coordinator=True, valid_to__isnull=True),
                name="one_open_coordinator_per_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"

    def overlaps(self, valid_from: dt.date, valid_to: dt.date | None) -> bool:
        far = dt.date.max
        return self.valid_from <= (valid_to or far) and valid_from <= (self.valid_to or far)

    def clean(self):
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date is before the start date.")})


class RelativeConsent(models.Model):
    """The patient's consent for a named relative (pårørende) to take part, e.g. in meetings.
    Withdrawn consent is kept, with when it ended."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="relative_consents")
    relative_name = models.CharField(_("relative's name"), max_length=200)
    relation = models.CharField(_("relation"), max_length=100, blank=True)
    given_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["relative_name"]

    def __str__(self) -> str:
        return f"{self.relative_name} ({self.relation})" if self.relation else self.relative_name


class Block(models.Model):
    """The patient has blocked a named person or an organisation from their data (sperring)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="blocks")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "lifted_at"])]
        constraints = [models.CheckConstraint(
            condition=Q(person__isnull=False, organisation__isnull=True) | Q(person__isnull=True, organisation__isnull=False),
            name="block_names_a_person_or_an_organisation")]


class EmergencyAccess(models.Model):
    """Access outside the care team for a stated reason, limited in time, reviewed by a leader."""

    HOURS = 4

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="emergency_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["patient", "user", "expires_at"])]
