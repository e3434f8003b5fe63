"""Named operations on referrals and consultations. Each validates, changes state, writes its
audit row and queues its messages in one transaction."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from samforlop.accounts.models import Organisation, User
from samforlop.audit.models import record_audit
from samforlop.core import clock
from samforlop.core.workdays import add_working_days, working_days_between
from samforlop.messaging.actions import message_language, queue_message
from samforlop.pathways import actions as pathway_actions
from samforlop.pathways.definitions import all_definitions
from samforlop.pathways.timeframes import recent_times
from samforlop.patients.actions import add_care_team_member, ensure_on_care_team, name_contact_person
from samforlop.patients.models import CareTeamMember, active_on
from samforlop.portal.models import Letter
from samforlop.referrals.models import Consultation, Referral, ReferralTreatment

EDITABLE = (Referral.Status.DRAFT, Referral.Status.NEEDS_INFORMATION)
CONTENT_FIELDS = [
    "pain_duration_months", "pain_location", "function_reduced", "function_impact", "work_impact",
    "quality_of_life_reduced", "quality_of_life_impact", *Referral.FACTOR_FIELDS, "traumatic_experiences",
    "patient_goals", "patient_expectations", "nav_participation",
]
# What the referral page shows to health personnel only (`may_see_clinical`): never to NAV or relatives.
CLINICAL_FIELDS = ["pain_location", "quality_of_life_impact", "factors_physical", "factors_psychological",
                   "factors_social"]
REQUIRED_ON_SUBMIT = [
    "pain_duration_months", "pain_location", "function_reduced", "function_impact", "work_impact",
    "quality_of_life_reduced", "quality_of_life_impact", "patient_goals", "patient_expectations",
    "nav_participation",
]


class ReferralError(ValidationError):
    """Refused; `.message_dict` names each field and what is missing or wrong."""


def missing_items(referral: Referral, treatments) -> dict[str, list[str]]:
    """Everything a complete referral needs that this one lacks, by field."""
    missing: dict[str, list[str]] = {}
    for name in REQUIRED_ON_SUBMIT:
        if getattr(referral, name) in (None, ""):
            missing[name] = [_("%(field)s is missing.") % {"field": Referral._meta.get_field(name).verbose_name}]
    if not any(getattr(referral, f).strip() for f in Referral.FACTOR_FIELDS):
        missing["factors_physical"] = [_(
            "Describe at least one group of factors that matter for the pain condition "
            "(physical, psychological, social, work or economy)."
        )]
    if not list(treatments):
        missing["treatments"] = [_("Name at least one treatment tried, with period and effect.")]
    return missing


@transaction.atomic
def save_referral_draft(
    *, author: User, patient, clinic: Organisation, fields: dict, treatments: list[dict], submission_id,
    now, referral: Referral | None = None, consultation: Consultation | None = None,
    sender_identifier: tuple[str, str] = ("", ""),
) -> Referral:
    """Create or update a draft. A second submission of the same new-referral form updates the
    first instead of creating another. `sender_identifier` (system, value): an electronic
    referral's id in the sending record system, kept on a new referral."""
    if referral is None:
        referral = Referral.objects.filter(submission_id=submission_id).first()
        if referral is not None and referral.status not in EDITABLE:
            return referral  # the same form sent twice after it was submitted: nothing to change
    if referral is not None:
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.status not in EDITABLE:
            raise ReferralError(_("This referral has been submitted and can no longer be changed."))
        if referral.referring_organisation_id != author.organisation_id:
            raise ReferralError(_("Only the referring office can change the referral."))
    else:
        if not clinic.is_specialist_clinic:
            raise ReferralError({"clinic": [_("Choose a specialist clinic.")]})
        definitions = [d for d in all_definitions().values() if clinic.kind in d.clinic_kinds]
        referral = Referral(
            submission_id=submission_id, patient=patient, author=author,
            referring_organisation=author.organisation, created_at=now, consultation=consultation,
            pathway_type=definitions[0].key if definitions else "smerte",
            sender_identifier_system=sender_identifier[0], sender_identifier_value=sender_identifier[1],
        )
    referral.clinic = clinic if referral.status == Referral.Status.DRAFT else referral.clinic
    for name in CONTENT_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(referral, name, "" if value is None and name != "pain_duration_months" else value)
    referral.updated_at = now
    referral.save()
    referral.treatments.all().delete()  # draft content, replaced as a whole
    ReferralTreatment.objects.bulk_create(ReferralTreatment(referral=referral, **t) for t in treatments)
    record_audit(actor=author, action="referral_saved", obj=referral, at=now, status=referral.status)
    return referral


def _assessment_deadline(referral: Referral) -> dt.date:
    rules = referral.definition.referral
    return add_working_days(referral.received_on, rules.assessment_working_days + referral.paused_working_days)


@transaction.atomic
def submit_referral(*, referral: Referral, actor: User, now) -> Referral:
    """Send the referral to the clinic. Incomplete: refused, naming every missing item."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status == Referral.Status.SUBMITTED:
        return referral  # submitted twice: once is enough
    if referral.status not in EDITABLE:
        raise ReferralError(_("This referral has already been assessed."))
    missing = missing_items(referral, referral.treatments.all())
    if missing:
        raise ReferralError(missing)
    today = clock.oslo_date(now)
    if referral.status == Referral.Status.DRAFT:
        referral.received_on = today
        # The receiving clinic joins the care team: it needs the patient's data to assess.
        ensure_on_care_team(patient=referral.patient, organisation=referral.clinic,
                            role=CareTeamMember.Role.SPECIALIST_CLINIC, valid_from=today, actor=actor, now=now)
    elif referral.definition.referral.pause_while_with_referrer:
        referral.paused_working_days += max(0, working_days_between(referral.returned_on, today))
    referral.status = Referral.Status.SUBMITTED
    referral.assessment_deadline = _assessment_deadline(referral)
    referral.updated_at = now
    referral.save()
    record_audit(actor=actor, action="referral_submitted", obj=referral, at=now,
                 deadline=referral.assessment_deadline.isoformat())
    with message_language():
        queue_message(
            kind="referral_received", recipient_organisation=referral.clinic, patient=referral.patient, now=now,
            subject=_("New referral"), link=reverse("referrals:detail", args=[referral.pk]),
            body=_("A referral for %(patient)s from %(office)s is in your inbox. Assessment deadline: %(deadline)s.")
            % {"patient": referral.patient.full_name, "office": referral.referring_organisation.name,
               "deadline": referral.assessment_deadline.strftime("%d.%m.%Y")},
            dedupe_key=f"referral_received:{referral.pk}:{referral.updated_at.isoformat()}",
        )
    return referral


def _require_assessable(referral: Referral, actor: User) -> Referral:
    referral = Referral.objects.select_for_update(of=("self",)).select_related("patient", "clinic", "author").get(pk=referral.pk)
    if actor.organisation_id != referral.clinic_id:
        raise ReferralError(_("Only the receiving clinic assesses the referral."))
    if referral.status != Referral.Status.SUBMITTED:
        raise ReferralError(_("This referral is not waiting for assessment."))
    return referral


@transaction.atomic
def request_more_information(*, referral: Referral, questions: str, actor: User, now) -> Referral:
    """Return the referral to the referrer with questions."""
    referral = _require_assessable(referral, actor)
    if not questions.strip():
        raise ReferralError({"questions": [_("Write the questions for the referrer.")]})
    referral.status = Referral.Status.NEEDS_INFORMATION
    referral.questions = questions.strip()
    referral.returned_on = clock.oslo_date(now)
    referral.updated_at = now
    referral.save()
    record_audit(actor=actor, action="referral_returned", obj=referral, at=now)
    with message_language():
        queue_message(
            kind="referral_returned", recipient_user=referral.author, patient=referral.patient, now=now,
            subject=_("Questions about a referral"), link=reverse("referrals:edit", args=[referral.pk]),
            body=_("%(clinic)s needs more information about the referral for %(patient)s:\n\n%(questions)s")
            % {"clinic": referral.clinic.name, "patient": referral.patient.full_name, "questions": referral.questions},
        )
    return referral


def _start_date(referral: Referral, today: dt.date) -> dt.date:
    return referral.received_on if referral.definition.referral.start_date == "received" else today


def coordinating_unit(municipality: str) -> Organisation | None:
    return Organisation.objects.filter(
        kind=Organisation.Kind.MUNICIPAL_SERVICE, service=Organisation.Service.COORDINATING_UNIT,
        municipality=municipality,
    ).order_by("name").first()


@transaction.atomic
def include_referral(*, referral: Referral, contact_person: User, actor: User, now) -> Referral:
    """Include the patient: the pathway starts, the care team is formed, and the GP, the
    municipality's coordinating unit and the patient are told at once."""
    referral = _require_assessable(referral, actor)
    if contact_person.organisation_id != referral.clinic_id or not contact_person.is_active:
        raise ReferralError({"contact_person": [_("The contact person must work at the clinic.")]})
    if not contact_person.may_be_contact_person:
        raise ReferralError({"contact_person": [_("Choose a clinician or coordinator who will follow the patient up.")]})
    today = clock.oslo_date(now)
    patient = referral.patient
    pathway = pathway_actions.start_pathway(
        patient=patient, clinic=referral.clinic, type=referral.pathway_type, date=_start_date(referral, today),
        actor=actor, now=now, source="referral",
    )
    team = list(patient.care_team.filter(active_on(today)))
    has_coordinator = any(m.is_coordinator for m in team)
    clinic_rows = [m for m in team if m.organisation_id == referral.clinic_id]
    if not any(m.is_contact_person for m in clinic_rows):
        if clinic_rows:  # on the team since the referral arrived: that row gets its contact person
            name_contact_person(member=clinic_rows[0], person=contact_person, is_coordinator=not has_coordinator,
                                actor=actor, now=now)
        else:
            add_care_team_member(
                patient=patient, organisation=referral.clinic, role=CareTeamMember.Role.SPECIALIST_CLINIC,
                person=contact_person, is_contact_person=True, is_coordinator=not has_coordinator,
                valid_from=today, actor=actor, now=now,
            )
    ensure_on_care_team(patient=patient, organisation=referral.referring_organisation,
                        role=CareTeamMember.Role.GP, valid_from=today, actor=actor, now=now)
    unit = coordinating_unit(patient.municipality)
    if unit is not None and not any(m.organisation_id == unit.pk for m in team):
        unit_contact = unit.staff.filter(is_active=True, role=User.Role.COORDINATOR).order_by("last_name").first()
        add_care_team_member(
            patient=patient, organisation=unit, role=CareTeamMember.Role.MUNICIPAL_SERVICE, person=unit_contact,
            is_contact_person=unit_contact is not None, valid_from=today, actor=actor, now=now,
        )

    referral.status = Referral.Status.INCLUDED
    referral.pathway = pathway
    referral.decided_by, referral.decided_at, referral.updated_at = actor, now, now
    referral.save()
    letter = _inclusion_letter(referral, pathway, contact_person, now)
    record_audit(actor=actor, action="referral_included", obj=referral, at=now, pathway=str(pathway.pk))

    deadline = pathway.next_deadline.strftime("%d.%m.%Y") if pathway.next_deadline else "–"
    facts = {"patient": patient.full_name, "clinic": referral.clinic.name, "contact": contact_person.display_name,
             "deadline": deadline}
    with message_language():
        queue_message(
            kind="referral_included", recipient_user=referral.author, patient=patient, now=now,
            subject=_("Referral assessed"), link=reverse("patients:detail", args=[patient.pk]),
            body=_("%(patient)s is included in the pathway at %(clinic)s. Contact person at the clinic: %(contact)s. "
                   "Interdisciplinary assessment is to start by %(deadline)s. Please plan local follow-up from now on.")
            % facts,
        )
    if unit is not None:
        with message_language():
            queue_message(
                kind="pathway_started_in_municipality", recipient_organisation=unit, patient=patient, now=now,
                subject=_("New patient in a pathway in your municipality"),
                link=reverse("patients:detail", args=[patient.pk]),
                body=_("%(patient)s is included in the pathway at %(clinic)s. Contact person at the clinic: %(contact)s. "
                       "The coordinating unit is on the care team so that local follow-up can be planned from day one.")
                % facts,
            )
    with message_language():
        queue_message(
            kind="letter", recipient_patient=patient, patient=patient, now=now,
            subject=_("You have a new letter"),
            link=reverse("portal:letter", args=[letter.pk]),
            body=_("You are included in the pathway at %(clinic)s. Your contact person is %(contact)s. "
                   "Read the letter to see what happens next and how long it usually takes.") % facts,
        )
    return referral


def _inclusion_letter(referral: Referral, pathway, contact_person: User, now) -> Letter:
    definition = referral.definition
    today = clock.oslo_date(now)
    times = recent_times(referral.clinic, referral.pathway_type, today)
    return Letter.objects.create(
        patient=referral.patient, kind=Letter.Kind.INCLUDED, created_at=now, referral=referral,
        data={
            "clinic": referral.clinic.name,
            "clinic_id": str(referral.clinic_id),
            "pathway_type": referral.pathway_type,
            "started_on": pathway.started_on.isoformat(),
            "contact_person": contact_person.display_name,
            "contact_role": contact_person.role,
            "next_milestone": pathway.next_milestone,
            "next_deadline": pathway.next_deadline.isoformat() if pathway.next_deadline else None,
            "national_limits": [{"key": t.key, "weeks": t.weeks} for t in definition.time_limits],
            "recent_times": times.as_dict(),
        },
    )


@transaction.atomic
def decline_referral(*, referral: Referral, reason: str, advice: str, actor: User, now) -> Referral:
    """Not included: the pathway starts and ends with that outcome; the GP gets the reason, advice
    and the municipal offers the patient can use without a referral."""
    referral = _require_assessable(referral, actor)
    errors = {}
    if not reason.strip():
        errors["decision_reason"] = [_("Give the reason.")]
    if not advice.strip():
        errors["decision_advice"] = [_("Give advice for the GP and the patient.")]
    if errors:
        raise ReferralError(errors)
    today = clock.oslo_date(now)
    patient = referral.patient
    pathway = pathway_actions.start_pathway(
        patient=patient, clinic=referral.clinic, type=referral.pathway_type, date=_start_date(referral, today),
        actor=actor, now=now, source="referral",
    )
    pathway_actions.register_milestone(
        pathway=pathway, key=pathway.definition.end.key, outcome="not_included", date=today, actor=actor, now=now,
        comment=reason.strip(), source="referral",
    )
    referral.status = Referral.Status.NOT_INCLUDED
    referral.pathway = pathway
    referral.decision_reason, referral.decision_advice = reason.strip(), advice.strip()
    referral.decided_by, referral.decided_at, referral.updated_at = actor, now, now
    referral.save()
    record_audit(actor=actor, action="referral_not_included", obj=referral, at=now, pathway=str(pathway.pk))
    offers = municipal_offers(patient.municipality)
    offer_lines = "\n".join(f"- {o.name}" + (f": {o.description}" if o.description else "") for o in offers)
    with message_language():
        body = _("%(clinic)s has assessed the referral for %(patient)s: not included.\n\nReason: %(reason)s\n\n"
                 "Advice: %(advice)s") % {"clinic": referral.clinic.name, "patient": patient.full_name,
                                           "reason": referral.decision_reason, "advice": referral.decision_advice}
        if offer_lines:
            body += "\n\n" + _("Offers in the municipality that need no referral:") + "\n" + offer_lines
        queue_message(kind="referral_not_included", recipient_user=referral.author, patient=patient, now=now,
                      subject=_("Referral assessed"), link=reverse("referrals:detail", args=[referral.pk]), body=body)
    return referral


def municipal_offers(municipality: str):
    """The municipality's own services, for now the offers a patient can use without referral."""
    return list(Organisation.objects.filter(kind=Organisation.Kind.MUNICIPAL_SERVICE, municipality=municipality)
                .exclude(service=Organisation.Service.COORDINATING_UNIT).order_by("name"))


@transaction.atomic
def ask_for_consultation(*, patient, clinic: Organisation, question: str, actor: User, submission_id, now) -> Consultation:
    if (existing := Consultation.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    if not clinic.is_specialist_clinic:
        raise ReferralError({"clinic": [_("Choose a specialist clinic.")]})
    if not question.strip():
        raise ReferralError({"question": [_("Write what you would like to discuss.")]})
    today = clock.oslo_date(now)
    consultation = Consultation.objects.create(
        submission_id=submission_id, patient=patient, asked_by=actor, asking_organisation=actor.organisation,
        clinic=clinic, question=question.strip(), asked_at=now,
    )
    # The clinic needs to see the patient to give advice.
    ensure_on_care_team(patient=patient, organisation=clinic, role=CareTeamMember.Role.SPECIALIST_CLINIC,
                        valid_from=today, actor=actor, now=now)
    record_audit(actor=actor, action="consultation_asked", obj=consultation, at=now)
    with message_language():
        queue_message(kind="consultation_asked", recipient_organisation=clinic, patient=patient, now=now,
                      subject=_("Request for a collaborative consultation"),
                      link=reverse("referrals:consultation", args=[consultation.pk]),
                      body=_("%(office)s asks for a collaborative consultation about %(patient)s:\n\n%(question)s")
                      % {"office": actor.organisation.name, "patient": patient.full_name, "question": consultation.question})
    return consultation


@transaction.atomic
def answer_consultation(*, consultation: Consultation, kind: str, answer: str, meeting_at, actor: User, now) -> Consultation:
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if actor.organisation_id != consultation.clinic_id:
        raise ReferralError(_("Only the clinic that was asked can answer."))
    if consultation.status != Consultation.Status.ASKED:
        raise ReferralError(_("This consultation has already been answered."))
    errors = {}
    if kind not in Consultation.AnswerKind.values:
        errors["answer_kind"] = [_("Choose advice or a proposed meeting.")]
    if not answer.strip():
        errors["answer"] = [_("Write the advice or a message with the proposal.")]
    if kind == Consultation.AnswerKind.MEETING and meeting_at is None:
        errors["proposed_meeting_at"] = [_("Give the proposed meeting time.")]
    if errors:
        raise ReferralError(errors)
    consultation.status = Consultation.Status.ANSWERED
    consultation.answer_kind, consultation.answer = kind, answer.strip()
    consultation.proposed_meeting_at = meeting_at if kind == Consultation.AnswerKind.MEETING else None
    consultation.answered_by, consultation.answered_at = actor, now
    consultation.save()
    record_audit(actor=actor, action="consultation_answered", obj=consultation, at=now, kind=kind)
    with message_language():
        queue_message(kind="consultation_answered", recipient_user=consultation.asked_by, patient=consultation.patient,
                      now=now, subject=_("Answer to your request for a consultation"),
                      link=reverse("referrals:consultation", args=[consultation.pk]),
                      body=_("%(clinic)s has answered about %(patient)s:\n\n%(answer)s")
                      % {"clinic": consultation.clinic.name, "patient": consultation.patient.full_name,
                         "answer": consultation.answer})
    return consultation
