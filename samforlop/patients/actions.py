"""Named operations on patients and care teams. Each validates, changes state and writes the
audit row in one transaction."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samforlop.audit.models import AuditEntry, record_audit
from samforlop.patients import identity
from samforlop.patients.models import (
    CONSENT_ORGANISATION_KINDS, Block, CareTeamMember, Category, EmergencyAccess, Patient, RelativeConsent,
    SharingConsent, active_on, needs_consent,
)


@transaction.atomic
def register_patient(*, given_name, family_name, national_id, municipality="", gp=None, actor, now) -> Patient:
    patient = Patient(
        given_name=given_name, family_name=family_name,
        national_id=identity.compact(national_id), municipality=municipality, gp=gp,
    )
    patient.full_clean()
    patient.save()
    # The audit row names the patient by opaque id only, never by identity number.
    record_audit(actor=actor, action="patient_registered", obj=patient, at=now)
    return patient


@transaction.atomic
def add_care_team_member(
    *, patient, organisation, role, valid_from: dt.date, valid_to: dt.date | None = None,
    person=None, is_contact_person=False, is_coordinator=False, actor=None, now,
) -> CareTeamMember:
    """Put an organisation (and optionally a named person) on the patient's care team.

    One contact person per organisation and one coordinator per patient at any time: an
    overlapping period is refused, naming the field.
    """
    member = CareTeamMember(
        patient=patient, organisation=organisation, role=role, person=person,
        is_contact_person=is_contact_person, is_coordinator=is_coordinator,
        valid_from=valid_from, valid_to=valid_to,
    )
    # Our own checks first, so the user reads which field is wrong rather than a constraint name.
    member.clean()
    if (is_contact_person or is_coordinator) and person is None:
        raise ValidationError({"person": _("A contact person or coordinator must be a named person.")})
    if person is not None and person.organisation_id != organisation.pk:
        raise ValidationError({"person": _("The person does not work in this organisation.")})
    if (is_contact_person or is_coordinator) and not person.may_be_contact_person:
        raise ValidationError({"person": _("A contact person or coordinator follows the patient up: choose a "
                                           "clinician, a coordinator or an officer, not a secretary, leader or "
                                           "administrator.")})
    existing = list(CareTeamMember.objects.select_for_update().filter(patient=patient))
    if is_contact_person and any(
        m.is_contact_person and m.organisation_id == organisation.pk and m.overlaps(valid_from, valid_to)
        for m in existing
    ):
        raise ValidationError({"is_contact_person": _("This organisation already has a contact person for the patient in that period.")})
    if is_coordinator and any(m.is_coordinator and m.overlaps(valid_from, valid_to) for m in existing):
        raise ValidationError({"is_coordinator": _("The patient already has a coordinator in that period.")})
    member.full_clean()
    member.save()
    record_audit(
        actor=actor, action="care_team_member_added", obj=member, at=now,
        patient=str(patient.pk), organisation=str(organisation.pk), role=role,
        old=None, new={"role": role, "person": getattr(person, "pk", None), "valid_from": valid_from.isoformat(),
                       "valid_to": valid_to.isoformat() if valid_to else None,
                       "contact_person": is_contact_person, "coordinator": is_coordinator},
    )
    return member


@transaction.atomic
def name_contact_person(*, member: CareTeamMember, person, is_coordinator: bool = False, actor, now) -> CareTeamMember:
    """Name `person` the contact person of their organisation's membership `member` (which has none):
    one row per organisation on the care team, rather than a second row with the person on it."""
    member = CareTeamMember.objects.select_for_update().get(pk=member.pk)
    if person.organisation_id != member.organisation_id:
        raise ValidationError({"person": _("The person does not work in this organisation.")})
    if not person.may_be_contact_person:
        raise ValidationError({"person": _("A contact person or coordinator follows the patient up: choose a "
                                           "clinician, a coordinator or an officer, not a secretary, leader or "
                                           "administrator.")})
    others = CareTeamMember.objects.filter(patient_id=member.patient_id).exclude(pk=member.pk)
    if any(m.is_contact_person and m.organisation_id == member.organisation_id and m.overlaps(member.valid_from, member.valid_to)
           for m in others):
        raise ValidationError({"is_contact_person": _("This organisation already has a contact person for the patient in that period.")})
    if is_coordinator and any(m.is_coordinator and m.overlaps(member.valid_from, member.valid_to) for m in others):
        raise ValidationError({"is_coordinator": _("The patient already has a coordinator in that period.")})
    old = {"person": member.person_id, "contact_person": member.is_contact_person, "coordinator": member.is_coordinator}
    member.person, member.is_contact_person = person, True
    member.is_coordinator = member.is_coordinator or is_coordinator
    member.save(update_fields=["person", "is_contact_person", "is_coordinator"])
    record_audit(actor=actor, action="care_team_contact_person_named", obj=member, at=now,
                 patient=str(member.patient_id), old=old,
                 new={"person": person.pk, "contact_person": True, "coordinator": member.is_coordinator})
    return member


def ensure_on_care_team(*, patient, organisation, role, valid_from: dt.date, actor, now) -> None:
    """Add the organisation to the care team unless it is already on it from `valid_from`."""
    members = CareTeamMember.objects.filter(patient=patient, organisation=organisation)
    if not members.filter(active_on(valid_from)).exists():
        add_care_team_member(
            patient=patient, organisation=organisation, role=role, valid_from=valid_from, actor=actor, now=now
        )


@transaction.atomic
def end_care_team_membership(*, member: CareTeamMember, valid_to: dt.date, actor, now) -> CareTeamMember:
    """End an organisation's (or person's) part in the care team after `valid_to`."""
    member = CareTeamMember.objects.select_for_update().get(pk=member.pk)
    if valid_to < member.valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    old = member.valid_to
    member.valid_to = valid_to
    member.save(update_fields=["valid_to"])
    record_audit(actor=actor, action="care_team_membership_ended", obj=member, at=now,
                 patient=str(member.patient_id), valid_to=valid_to.isoformat(),
                 old={"valid_to": old.isoformat() if old else None}, new={"valid_to": valid_to.isoformat()})
    return member


@transaction.atomic
def record_relative_consent(*, patient, relative_name: str, relation: str = "", actor, now) -> RelativeConsent:
    """The patient consents to a named relative taking part (recorded by the patient, or by staff
    on the patient's word)."""
    if not relative_name.strip():
        raise ValidationError({"relative_name": _("Give the relative's name.")})
    consent = RelativeConsent.objects.create(patient=patient, relative_name=relative_name.strip(),
                                             relation=relation.strip(), given_at=now, recorded_by=actor)
    record_audit(actor=actor, action="relative_consent_recorded", obj=consent, at=now, patient=str(patient.pk))
    return consent


@transaction.atomic
def withdraw_relative_consent(*, consent: RelativeConsent, actor, now) -> RelativeConsent:
    consent = RelativeConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is None:
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
        record_audit(actor=actor, action="relative_consent_withdrawn", obj=consent, at=now)
    return consent


@transaction.atomic
def block_access(*, patient, person=None, organisation=None, actor, now) -> Block:
    """The patient blocks a named person or an organisation from their data."""
    if actor.patient_id != patient.pk:
        raise ValidationError(_("Only the patient can block access to their data."))
    if (person is None) == (organisation is None):
        raise ValidationError(_("Block either a person or an organisation."))
    block = Block.objects.create(patient=patient, person=person, organisation=organisation, created_at=now,
                                 created_by=actor)
    record_audit(actor=actor, action="access_blocked", obj=block, at=now, old=None,
                 new={"person": getattr(person, "pk", None), "organisation": str(getattr(organisation, "pk", "")) or None})
    return block


@transaction.atomic
def lift_block(*, block: Block, actor, now) -> Block:
    block = Block.objects.select_for_update().get(pk=block.pk)
    if actor.patient_id != block.patient_id:
        raise ValidationError(_("Only the patient can lift a block."))
    if block.lifted_at is None:
        block.lifted_at = now
        block.save(update_fields=["lifted_at"])
        record_audit(actor=actor, action="access_block_lifted", obj=block, at=now, old="blocked", new="lifted")
    return block


HEALTH_PERSONNEL = ("physician", "nurse", "psychologist", "physiotherapist")


@transaction.atomic
def grant_emergency_access(*, patient, reason: str, actor, now) -> EmergencyAccess:
    """A clinician outside the care team opens a record for a stated reason, for a few hours. The
    grant is in the patient's access log and on the leader's review list."""
    from samforlop.audit.models import log_access

    # Not NAV or a user organisation either, whatever the role: the guard never opens a record to them this way.
    if actor.organisation_id is None or actor.role not in HEALTH_PERSONNEL or needs_consent(actor):
        raise ValidationError(_("Only health personnel can use emergency access."))
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": [_("State the reason (at least a sentence).")]})
    access = EmergencyAccess.objects.create(
        patient=patient, user=actor, organisation=actor.organisation, reason=reason.strip(), granted_at=now,
        expires_at=now + dt.timedelta(hours=EmergencyAccess.HOURS))
    log_access(user=actor, what="emergency_access", at=now, patients=[patient])
    record_audit(actor=actor, action="emergency_access_granted", obj=access, at=now, patient=str(patient.pk))
    return access


@transaction.atomic
def review_emergency_access(*, access: EmergencyAccess, actor, now) -> EmergencyAccess:
    access = EmergencyAccess.objects.select_for_update().get(pk=access.pk)
    if actor.role != "leader" or actor.organisation_id != access.organisation_id:
        raise ValidationError(_("The leader of the organisation reviews its emergency accesses."))
    if access.reviewed_at is None:
        access.reviewed_by, access.reviewed_at = actor, now
        access.save(update_fields=["reviewed_by", "reviewed_at"])
        record_audit(actor=actor, action="emergency_access_reviewed", obj=access, at=now)
    return access


def relative_user(*, national_id: str, name: str):
    """The user a relative logs in as (with ID-porten), made the first time the patient names them.
    Only a keyed hash of the identity number is stored."""
    from samforlop.accounts.models import User

    key = identity.person_identifier(national_id)
    user = User.objects.filter(person_identifier=key).first()
    if user is None:
        given, _sep, family = name.strip().rpartition(" ")
        user = User(username=f"relative-{key[:16]}", first_name=given or family, last_name=family if given else "",
                    person_identifier=key)
        user.set_unusable_password()
        user.save()
    return user


@transaction.atomic
def grant_consent(*, patient, categories, valid_from: dt.date, valid_to: dt.date | None = None, person=None,
                  organisation=None, actor, now, submission_id=None) -> list[SharingConsent]:
    """The patient shares categories of their data with a relative, a NAV office or a user
    organisation for a period (samtykke). One row per category, so each can be withdrawn on its own.

    Returns the consents for the categories: new rows, or the same consent in force already given
    (a double submit stores one row). With `submission_id` (the FHIR API's Idempotency-Key) a
    retried submission returns what it stored the first time, whatever has happened since."""
    if actor.patient_id != patient.pk:
        raise ValidationError(_("Only the patient can give consent to share their data."))
    # One grant at a time per patient, so two simultaneous retries cannot both store.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    if submission_id is not None and (earlier := _consents_of_submission(patient, submission_id)):
        return earlier
    if (person is None) == (organisation is None):
        raise ValidationError(_("Share with either a relative or an organisation."))
    if organisation is not None and organisation.kind not in CONSENT_ORGANISATION_KINDS:
        raise ValidationError({"organisation": _("Consent is given to NAV or a user organisation; health personnel "
                                                 "on the care team see what they need for treatment.")})
    if person is not None and (person.organisation_id is not None or person.pk == actor.pk):
        raise ValidationError({"national_id": _("Consent is given to a relative, not to staff or to yourself.")})
    categories = [c for c in Category.values if c in set(categories)]
    if not categories:
        raise ValidationError({"categories": _("Choose at least one kind of information to share.")})
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})
    grantee = {"person": person} if person is not None else {"organisation": organisation}
    already = {c.category: c for c in SharingConsent.objects.select_for_update().filter(
        patient=patient, valid_from=valid_from, valid_to=valid_to, withdrawn_at__isnull=True, **grantee,
    )}
    consents = []
    for category in categories:
        if category in already:
            consents.append(already[category])  # a double submit, or given before: one row
            continue
        consent = SharingConsent.objects.create(
            patient=patient, person=person, organisation=organisation, category=category,
            valid_from=valid_from, valid_to=valid_to, given_at=now, recorded_by=actor)
        record_audit(actor=actor, action="consent_granted", obj=consent, at=now, patient=str(patient.pk),
                     old=None, new={"grantee": _grantee(consent), "category": category,
                                    "valid_from": valid_from.isoformat(),
                                    "valid_to": valid_to.isoformat() if valid_to else None},
                     **({"submission_id": str(submission_id)} if submission_id is not None else {}))
        consents.append(consent)
    return consents


def _consents_of_submission(patient, submission_id) -> list[SharingConsent]:
    """The consents a submission stored (its id is in their audit rows; the patient's consents are few)."""
    mine = [str(pk) for pk in SharingConsent.objects.filter(patient=patient).values_list("pk", flat=True)]
    stored = AuditEntry.objects.filter(action="consent_granted", object_type=SharingConsent._meta.label_lower,
                                       object_id__in=mine, data__submission_id=str(submission_id))
    return list(SharingConsent.objects.filter(pk__in=[int(i) for i in stored.values_list("object_id", flat=True)])
                .order_by("pk"))


def _grantee(consent) -> str:
    return f"user:{consent.person_id}" if consent.person_id else f"organisation:{consent.organisation_id}"


@transaction.atomic
def withdraw_consent(*, consent: SharingConsent, actor, now) -> SharingConsent:
    """The patient withdraws a consent; it takes effect on the grantee's next request."""
    consent = SharingConsent.objects.select_for_update().get(pk=consent.pk)
    if actor.patient_id != consent.patient_id:
        raise ValidationError(_("Only the patient can withdraw their consent."))
    if consent.withdrawn_at is None:
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
        record_audit(actor=actor, action="consent_withdrawn", obj=consent, at=now, patient=str(consent.patient_id),
                     old={"grantee": _grantee(consent), "category": consent.category, "status": "active"},
                     new={"status": "withdrawn"})
    return consent
