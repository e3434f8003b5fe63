"""The catalogue of local offers (courses, training groups, peer contact, NAV measures, …), kept
by the organisations that run them, matched to patients and recommended actively."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DiagnosisGroup(models.TextChoices):
    LONG_TERM_PAIN = "long_term_pain", _("Long-term pain")
    INFLAMMATORY_RHEUMATIC = "inflammatory_rheumatic", _("Inflammatory rheumatic disease")
    PSORIASIS = "psoriasis", _("Psoriasis")
    OSTEOARTHRITIS = "osteoarthritis", _("Osteoarthritis")
    OTHER_MUSCULOSKELETAL = "other_musculoskeletal", _("Other musculoskeletal disease")


class Need(models.TextChoices):
    """What an offer helps with; goals and measures in the plan carry the same tags."""

    PHYSICAL_ACTIVITY = "physical_activity", _("Physical activity")
    PAIN_COPING = "pain_coping", _("Coping with pain")
    WORK = "work", _("Work")
    PEER_SUPPORT = "peer_support", _("Peer support")
    SOCIAL_CONTACT = "social_contact", _("Social contact")


class Offer(models.Model):
    class Kind(models.TextChoices):
        SPECIALIST_COURSE = "specialist_course", _("Learning-and-coping course (specialist care)")
        LIVING_WITH_COURSE = "living_with_course", _("“Living with” course (municipality)")
        FRISKLIVSSENTRAL = "frisklivssentral", _("Healthy-life centre (frisklivssentral)")
        ADAPTED_TRAINING = "adapted_training", _("Adapted training group")
        WARM_WATER_POOL = "warm_water_pool", _("Warm-water pool")
        PEER_CONTACT = "peer_contact", _("Peer contact")
        SELF_HELP_GROUP = "self_help_group", _("Self-help group")
        REHABILITATION_STAY = "rehabilitation_stay", _("Rehabilitation stay")
        WARM_CLIMATE_TRIP = "warm_climate_trip", _("Treatment trip to a warm climate")
        NAV_MEASURE = "nav_measure", _("NAV measure")
        WORK_REHABILITATION = "work_rehabilitation", _("Work-oriented rehabilitation")

    COURSE_KINDS = (Kind.SPECIALIST_COURSE, Kind.LIVING_WITH_COURSE)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    provider = models.ForeignKey("accounts.Organisation", verbose_name=_("provider"), on_delete=models.PROTECT,
                                 related_name="offers")
    open_without_diagnosis = models.BooleanField(_("open to people with and without a diagnosis"), default=True)
    diagnosis_groups = models.JSONField(_("for diagnosis groups"), default=list, blank=True)
    needs_referral = models.BooleanField(_("needs a referral"), default=False)
    needs_decision = models.BooleanField(_("needs an administrative decision"), default=False)
    cost_nok = models.PositiveIntegerField(_("cost to the participant (NOK)"), default=0)
    counts_toward_exemption = models.BooleanField(_("the co-payment counts toward the exemption card"), default=False)
    transport = models.BooleanField(_("transport offered"), default=False)
    accessibility = models.CharField(_("accessibility"), max_length=300, blank=True)
    languages = models.CharField(_("languages"), max_length=200, default="norsk", blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    schedule = models.CharField(_("when"), max_length=300, blank=True)
    next_start_dates = models.JSONField(_("next start dates"), default=list, blank=True)
    seats = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    contact = models.CharField(_("contact"), max_length=300, blank=True)
    needs = models.JSONField(_("helps with"), default=list, blank=True)
    last_verified = models.DateField(_("last verified"))
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["kind"]), models.Index(fields=["last_verified"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_free(self) -> bool:
        return self.cost_nok == 0

    @property
    def low_threshold(self) -> bool:
        return not self.needs_referral and not self.needs_decision


class OfferMunicipality(models.Model):
    """The municipalities an offer serves (one row each, so a municipality's list is one index)."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="served")
    municipality = models.CharField(max_length=4)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "offer"], name="offer_served_once")]


class Recommendation(models.Model):
    """A professional recommends an offer to a patient; it becomes a measure and a message; the
    patient answers; no answer in 14 days sends one reminder and puts it on the contact's list."""

    class Status(models.TextChoices):
        RECOMMENDED = "recommended", _("Recommended, no answer yet")
        INTERESTED = "interested", _("Interested")
        SIGNED_UP = "signed_up", _("Signed up")
        STARTED = "started", _("Started")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Not for me")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="recommendations")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="recommendations")
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recommended_at = models.DateTimeField()
    note = models.TextField(_("why this offer"), blank=True)
    measure = models.OneToOneField("careplan.Measure", on_delete=models.PROTECT, null=True, related_name="recommendation")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECOMMENDED)
    declined_reason = models.TextField(_("why not"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    submission_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["-recommended_at"]
        indexes = [models.Index(fields=["status", "recommended_at"], name="recommendation_unanswered")]


class PeerInformation(models.Model):
    """Recorded when a patient has been told about user organisations and peer contacts (SINTEF 4)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="peer_information")
    told_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    told_at = models.DateTimeField()
    note = models.CharField(_("note"), max_length=300, blank=True)
