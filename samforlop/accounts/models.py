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
    # National log-in (OpenID Connect, see accounts/oidc.py). Health personnel are found by their
    # HPR number (Helsepersonellregisteret) from HelseID.
    hpr_number = models.CharField(
        _("HPR number"), max_length=9, null=True, blank=True, unique=True,
        validators=[RegexValidator(r"^\d{1,9}$", _("An HPR number has up to nine digits."))],
    )
    # For people who log in by identity number but are not patients here (a relative; staff
    # without an HPR number): HMAC-SHA256 of the identity number (oidc.person_identifier), so the
    # number itself is not stored on the user.
    person_identifier = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
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

    @property
    def may_be_contact_person(self) -> bool:
        return self.is_active and self.role in CONTACT_PERSON_ROLES


# Who can be a patient's fixed contact person (fast kontaktperson) or coordinator: people who follow
# the patient up themselves. Not the secretary, the leader or the administrators.
CONTACT_PERSON_ROLES = frozenset({
    User.Role.PHYSICIAN, User.Role.PHYSIOTHERAPIST, User.Role.PSYCHOLOGIST, User.Role.NURSE,
    User.Role.COORDINATOR, User.Role.NAV_OFFICER, User.Role.COURSE_ORGANISER,
})


class LoginAttempt(models.Model):
    """A failed log-in, for rate limiting (by username and by address)."""

    at = models.DateTimeField(db_index=True)
    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(null=True)


class UsedNonce(models.Model):
    """An OpenID Connect nonce that has been accepted once. A second ID token with the same nonce
    is a replay and is refused; the unique index decides when two callbacks race. Only a hash of
    the nonce is kept, and rows older than a day are pruned (an ID token that old has expired)."""

    provider = models.CharField(max_length=32)
    value_hash = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "value_hash"], name="nonce_used_once")]


class LoginRefusal(models.Model):
    """A refused national (OpenID Connect) log-in and why. Never an identity number or a token."""

    class Reason(models.TextChoices):
        WRONG_AUDIENCE = "wrong_audience", _("ID token for another client")
        NONCE_REPLAYED = "nonce_replayed", _("nonce used before")
        NONCE_MISMATCH = "nonce_mismatch", _("nonce does not match the log-in")
        LEVEL_TOO_LOW = "level_too_low", _("security level too low")
        BAD_SIGNATURE = "bad_signature", _("signature not valid with the provider's keys")
        EXPIRED = "expired", _("ID token expired or not yet valid")
        WRONG_ISSUER = "wrong_issuer", _("wrong issuer")
        UNKNOWN_STATE = "unknown_state", _("unknown, expired or reused state")
        NO_SUCH_USER = "no_such_user", _("no user matches the person")
        ORGANISATION_MISMATCH = "organisation_mismatch", _("organisation number does not match the user's")
        INACTIVE_USER = "inactive_user", _("user deactivated")
        PROVIDER_ERROR = "provider_error", _("identity provider error or unreachable")
        TOKEN_ERROR = "token_error", _("token request failed or answer malformed")

    at = models.DateTimeField(db_index=True)
    provider = models.CharField(max_length=32)
    reason = models.CharField(max_length=32, choices=Reason.choices)
    address = models.GenericIPAddressField(null=True)

    class Meta:
        ordering = ["-at"]
