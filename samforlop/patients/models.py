"""Patients and their care teams, and the one scoped entry point to patient data.

Every query for patient data starts from `Patient.objects.visible_to(user, today, category)`: a staff
user sees a patient while their organisation is on the patient's care team (from/to dates inclusive).
Every call names the sharing category of what it reads or writes (see `ACCESS_SCOPES`); a call that
names none is refused, so a new view cannot open patient data by forgetting to ask.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
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


class Category(models.TextChoices):
    """What a patient may share beyond treatment, one category at a time (FHIR Consent provision.class)."""

    PLAN_AND_MEETINGS = "plan_and_meetings", _("Plan and meetings")
    CHECKINS = "checkins", _("Check-ins")
    REFERRAL_AND_ASSESSMENT = "referral_and_assessment", _("Referral and assessment")
    WORK = "work", _("Work and economy")


# What a view declares when it asks the guard, besides the four consent categories above:
# - HEALTH_PERSONNEL_ONLY: clinical data no consent opens (NAV, relatives and user organisations never
#   see it; the patient sees their own, health personnel on the care team see it);
# - OVERVIEW: the patient's basic page (name, care team, which sections exist); any consent in force
#   opens it, and each section on it then asks for its own category (`shared_categories`).
HEALTH_PERSONNEL_ONLY = "health_personnel_only"
OVERVIEW = "overview"
ACCESS_SCOPES = frozenset(Category.values) | {HEALTH_PERSONNEL_ONLY, OVERVIEW}


def _checked_scope(category) -> str:
    if category not in ACCESS_SCOPES:
        raise ValueError(f"The guard needs a sharing category (one of {sorted(ACCESS_SCOPES)}), got {category!r}.")
    return category


# Organisations that are not health personnel: on a care team they see only what the patient has
# consented to share with them, as relatives do (NAV; user organisations: peer contacts, self-help groups).
CONSENT_ORGANISATION_KINDS = ("nav_office", "user_organisation")


def needs_consent(user) -> bool:
    """NAV officers, user organisations and relatives are not health personnel: they see only what
    the patient has consented to share with them (the health personnel act's need-to-know, Normen)."""
    if getattr(user, "patient_id", None) is not None:
        return False
    organisation = getattr(user, "organisation", None)
    return organisation is None or organisation.kind in CONSENT_ORGANISATION_KINDS


def refuse_unless_health_personnel(actor, what: str) -> None:
    """For a named operation that writes clinical data (the diagnosis group, goals and their needs,
    other services' measures, ...): NAV, user organisations and relatives never do, whatever the
    patient shares with them (PermissionDenied, a 403). The patient and health personnel may; so
    may the system itself (no actor)."""
    if actor is not None and needs_consent(actor):
        raise PermissionDenied(f"{what}: written by health personnel and the patient, not with consent.")


def visibility_condition(user, today: dt.date, patient_field: str = "pk", now: dt.datetime | None = None, *,
                         category: str):
    """The one rule for who may see a patient's data, as a condition on `patient_field`.

    - A patient sees their own data, nobody else's.
    - Health personnel see a patient while their organisation is on the care team (from/to
      dates inclusive), or for a few hours with emergency access.
    - NAV and user organisations (on the care team) and relatives see only the categories the
      patient has consented to share with them, within the consent's period; `category=OVERVIEW`
      asks for the patient's basic page, which any consent in force opens; `HEALTH_PERSONNEL_ONLY`
      is never opened by consent.
    - A patient's block of a person or an organisation overrides everything above.

    Used by `Patient.objects.visible_to` and by querysets of patient data reached through another
    model (e.g. pathways), so the rule is written once (tests compare it with a reference
    implementation). Correlated EXISTS rather than IN or a join: the worklist walks pathways in
    deadline order and checks membership per row through the (patient, organisation) index,
    stopping after one page.
    """
    _checked_scope(category)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if getattr(user, "patient_id", None) is not None:
        return Q(**{patient_field: user.patient_id})
    if category == HEALTH_PERSONNEL_ONLY and needs_consent(user):
        return None
    organisation_id = getattr(user, "organisation_id", None)
    consents = SharingConsent.objects.filter(
        active_on(today), patient=OuterRef(patient_field), withdrawn_at__isnull=True,
        **({} if category == OVERVIEW else {"category": category}))
    blocked = Block.objects.filter(patient=OuterRef(patient_field), lifted_at__isnull=True)
    if organisation_id is None:  # a relative
        return Exists(consents.filter(person_id=user.pk)) & ~Exists(blocked.filter(person_id=user.pk))
    blocked = Exists(blocked.filter(Q(person_id=user.pk) | Q(organisation_id=organisation_id)))
    on_team = Exists(CareTeamMember.objects.filter(
        active_on(today), patient=OuterRef(patient_field), organisation_id=organisation_id
    ))
    if needs_consent(user):  # NAV, a user organisation
        return on_team & Exists(consents.filter(organisation_id=organisation_id)) & ~blocked
    from django.utils import timezone

    emergency = Exists(EmergencyAccess.objects.filter(
        patient=OuterRef(patient_field), user_id=user.pk, expires_at__gt=now or timezone.now()))
    return (on_team | emergency) & ~blocked


def shared_categories(user, patient, today: dt.date) -> set[str]:
    """The categories of `patient`'s data `user` may read (all of them for health personnel on
    the care team and for the patient). Call after the guard has let the user see the patient."""
    if not needs_consent(user):
        return set(Category.values)
    grantee = {"person_id": user.pk} if user.organisation_id is None else {"organisation_id": user.organisation_id}
    return set(SharingConsent.objects.filter(active_on(today), patient=patient, withdrawn_at__isnull=True, **grantee)
               .values_list("category", flat=True))


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user, today: dt.date, category: str):
        """The patients `user` may see on `today` in `category` (see ACCESS_SCOPES); nothing for anyone else."""
        condition = visibility_condition(user, today, category=category)
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
    # The return-to-work coordinator (koordinator for arbeidsrettet oppfølging): any service may
    # hold the role; NAV by default when the patient has consented to share work with NAV.
    is_return_to_work_coordinator = models.BooleanField(_("return-to-work coordinator"), default=False)
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
                condition=Q(is_contact_person=False) & Q(is_coordinator=False) & Q(is_return_to_work_coordinator=False)
                | Q(person__isnull=False),
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
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(is_return_to_work_coordinator=True, valid_to__isnull=True),
                name="one_open_return_to_work_coordinator_per_patient",
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


class SharingConsent(models.Model):
    """The patient's consent to share one category of their data, for a period, with a relative
    (a person who logs in) or with a NAV office or a user organisation (samtykke; modelled like FHIR
    Consent: patient, provision.actor, provision.class, provision.period). Withdrawn consent is kept,
    with when."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sharing_consents")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("relative"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="consents_received")
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    category = models.CharField(_("what"), max_length=32, choices=Category.choices)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"), null=True, blank=True)
    given_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["valid_from", "pk"]
        indexes = [models.Index(fields=["patient", "category"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, organisation__isnull=True)
                | Q(person__isnull=True, organisation__isnull=False),
                name="consent_names_a_person_or_an_organisation"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="consent_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.person or self.organisation}: {self.get_category_display()}"

    @property
    def grantee(self):
        return self.person or self.organisation

    def in_force(self, day: dt.date) -> bool:
        return self.withdrawn_at is None and self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
