"""Organisations and the staff users who work in them."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.no import orgnr

municipality_number_validator = RegexValidator(
    r"^\d{4}$", _("A municipality number has four digits.")
)


def validate_organisation_number(value: str) -> None:
    if not orgnr.is_valid(value):
        raise ValidationError(
            _("%(value)s is not a valid organisation number (nine digits with a check digit)."),
            params={"value": value},
            code="invalid_orgnr",
        )


class Organisation(models.Model):
    """An organisation taking part in pathways (clinic, GP office, municipal service, NAV, user org)."""

    class Kind(models.TextChoices):
        PAIN_CLINIC = "pain_clinic", _("Pain clinic")
        RHEUMATOLOGY = "rheumatology", _("Rheumatology department")
        GP_OFFICE = "gp_office", _("GP office")
        MUNICIPAL_SERVICE = "municipal_service", _("Municipal service")
        NAV_OFFICE = "nav_office", _("NAV office")
        USER_ORGANISATION = "user_organisation", _("User organisation")

    SPECIALIST_KINDS = (Kind.PAIN_CLINIC, Kind.RHEUMATOLOGY)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(
        _("organisation number"), max_length=9, unique=True, validators=[validate_organisation_number]
    )
    municipality = models.CharField(
        _("municipality number"), max_length=4, validators=[municipality_number_validator]
    )
    email = models.EmailField(_("e-mail for notices"), blank=True)

    class Service(models.TextChoices):
        COORDINATING_UNIT = "coordinating_unit", _("Coordinating unit")
        PHYSIOTHERAPY = "physiotherapy", _("Physiotherapy")
        FRISKLIVSSENTRAL = "frisklivssentral", _("Healthy-life centre")
        LEARNING_AND_COPING = "learning_and_coping", _("Learning and coping")
        OTHER = "other", _("Other")

    # What a municipal service does; the coordinating unit (koordinerende enhet) is told when
    # a patient from the municipality is included in a pathway.
    service = models.CharField(_("service"), max_length=32, choices=Service.choices, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Clinics of the same health trust (helseforetak) are reported on together.
    health_trust = models.CharField(_("health trust"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_specialist_clinic(self) -> bool:
        return self.kind in self.SPECIALIST_KINDS


class User(AbstractUser):
    """A person who logs in. Staff belong to one organisation with one role."""

    class Role(models.TextChoices):
        PHYSICIAN = "physician", _("Physician")
        PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
        PSYCHOLOGIST = "psychologist", _("Psychologist")
        NURSE = "nurse", _("Nurse")
        COORDINATOR = "coordinator", _("Coordinator")
        SECRETARY = "secretary", _("Secretary")
        NAV_OFFICER = "nav_officer", _("NAV officer")
        COURSE_ORGANISER = "course_organiser", _("Course organiser")
        ORG_ADMIN = "org_admin", _("Organisation administrator")
        LEADER = "leader", _("Leader (reports)")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    # Set for a patient who logs in to their own pages (the patient portal).
    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="user"
    )
    # Users made by `manage.py demo`; only they get the one-click log-in, and only with DEBUG on.
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)


class LoginAttempt(models.Model):
    """A failed log-in, for rate limiting (by username and by address)."""

    at = models.DateTimeField(db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(null=True)
