"""Named operations on outreach and the collaboration arena. Each validates (naming the field),
changes state, writes the audit row and queues its messages in one transaction. A double-submitted
form stores one row: the operation returns the row its submission id already made."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from samforlop.accounts.models import Organisation
from samforlop.audit.models import record_audit
from samforlop.core import clock
from samforlop.messaging.actions import message_language, queue_message
from samforlop.outreach.listing import is_coordinating_unit
from samforlop.outreach.models import (
    ArenaCase, ArenaConsent, ArenaDecision, ArenaMeeting, CollaborationArena, Outreach, ReasonKind,
)
from samforlop.outreach.rules import get_rules
from samforlop.patients.models import CareTeamMember, Patient, active_on
from samforlop.tasks.actions import assign_task
from samforlop.tasks.models import Task


class OutreachError(ValidationError):
    pass


def _when(moment: dt.datetime) -> str:
    return clock.localtime(moment).strftime("%d.%m.%Y %H:%M")


# --- Outreach ----------------------------------------------------------------------------------------

def follows_outreach_for(actor, patient, today: dt.date) -> bool:
    """The coordinating unit on the patient's care team, or a named contact person of the patient."""
    if getattr(actor, "organisation_id", None) is None:
        return False
    members = CareTeamMember.objects.filter(active_on(today), patient=patient)
    if is_coordinating_unit(actor) and members.filter(organisation_id=actor.organisation_id).exists():
        return True
    return members.filter(person_id=actor.pk, is_contact_person=True).exists()


@transaction.atomic
def record_outreach(*, patient, method: str, result: str, note: str = "", reasons=(), actor, now,
                    submission_id) -> Outreach:
    """Record an attempt to reach a patient on the outreach list and its result. Any result but
    "not reached" answers the reasons the patient was on the list for until now."""
    if (existing := Outreach.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    if not follows_outreach_for(actor, patient, clock.oslo_date(now)):
        raise OutreachError(_("Only the coordinating unit or the patient's contact person records outreach."))
    errors: dict[str, list[str]] = {}
    if method not in Outreach.Method.values:
        errors["method"] = [_("Choose how you tried to reach the patient.")]
    if result not in Outreach.Result.values:
        errors["result"] = [_("Choose the result.")]
    reasons = [r for r in ReasonKind.values if r in set(reasons or ())]
    if not reasons:
        errors["reasons"] = [_("Choose the reasons on the list this outreach answered.")]
    if errors:
        raise OutreachError(errors)
    outreach = Outreach.objects.create(
        patient=patient, organisation=actor.organisation, by=actor, at=now, method=method, result=result,
        note=(note or "").strip(), reasons=reasons, submission_id=submission_id)
    record_audit(actor=actor, action="outreach_recorded", obj=outreach, at=now, patient=str(patient.pk),
                 method=method, result=result, reasons=reasons)
    return outreach


# --- The collaboration arena ---------------------------------------------------------------------------

def _check_arena_fields(*, organisation, name: str, participants, every_weeks, errors: dict) -> list:
    if not name.strip():
        errors["name"] = [_("Give the arena a name.")]
    if every_weeks not in get_rules().every_weeks_choices:
        errors["every_weeks"] = [_("Choose how often the arena meets.")]
    participants = [p for p in participants if p.pk != organisation.pk]
    if not participants:
        errors["participants"] = [_("Choose the services that take part.")]
    elif outside := [p.name for p in participants if p.municipality != organisation.municipality]:
        errors["participants"] = [_("Not in the municipality: %(names)s.") % {"names": ", ".join(sorted(outside))}]
    return participants


def _check_runs(arena: CollaborationArena, actor) -> None:
    if getattr(actor, "organisation_id", None) != arena.organisation_id:
        raise OutreachError(_("Only the coordinating unit that runs the arena can do this."))


@transaction.atomic
def create_arena(*, organisation, name: str, participants, every_weeks: int, place: str = "", description: str = "",
                 actor, now, submission_id) -> CollaborationArena:
    """A coordinating unit sets up a recurring collaboration meeting across services (samarbeidsarena)."""
    if (existing := CollaborationArena.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    if (actor.organisation_id != organisation.pk
            or organisation.service != Organisation.Service.COORDINATING_UNIT):
        raise OutreachError(_("A collaboration arena is run by the municipality's coordinating unit."))
    errors: dict[str, list[str]] = {}
    participants = _check_arena_fields(organisation=organisation, name=name, participants=participants,
                                       every_weeks=every_weeks, errors=errors)
    if errors:
        raise OutreachError(errors)
    arena = CollaborationArena.objects.create(
        organisation=organisation, name=name.strip(), description=description.strip(), every_weeks=every_weeks,
        place=place.strip(), created_at=now, created_by=actor, submission_id=submission_id)
    arena.participants.set(participants)
    record_audit(actor=actor, action="arena_created", obj=arena, at=now,
                 participants=sorted(str(p.pk) for p in participants), every_weeks=every_weeks)
    with message_language():
        _tell_participants(arena, participants, now, kind="arena_joined", subject=_("A collaboration arena"),
                           body=_("%(unit)s has set up the collaboration arena “%(arena)s”, meeting every %(weeks)s "
                                  "weeks, with your service taking part.") % {
                               "unit": organisation.name, "arena": arena.name, "weeks": every_weeks},
                           link=reverse("outreach:arena", args=[arena.pk]), dedupe=f"arena_joined:{arena.pk}")
    return arena


@transaction.atomic
def update_arena(*, arena: CollaborationArena, name: str, participants, every_weeks: int, place: str = "",
                 description: str = "", actor, now) -> CollaborationArena:
    arena = CollaborationArena.objects.select_for_update().get(pk=arena.pk)
    _check_runs(arena, actor)
    errors: dict[str, list[str]] = {}
    participants = _check_arena_fields(organisation=arena.organisation, name=name, participants=participants,
                                       every_weeks=every_weeks, errors=errors)
    if errors:
        raise OutreachError(errors)
    before = {str(pk) for pk in arena.participants.values_list("pk", flat=True)}
    arena.name, arena.description, arena.every_weeks, arena.place = name.strip(), description.strip(), every_weeks, place.strip()
    arena.save(update_fields=["name", "description", "every_weeks", "place"])
    arena.participants.set(participants)
    record_audit(actor=actor, action="arena_changed", obj=arena, at=now, old={"participants": sorted(before)},
                 new={"participants": sorted(str(p.pk) for p in participants), "every_weeks": every_weeks})
    return arena


def _tell_participants(arena, organisations, now, *, kind, subject, body, link, dedupe) -> None:
    for organisation in organisations:
        queue_message(kind=kind, recipient_organisation=organisation, now=now, subject=subject, body=body,
                      link=link, dedupe_key=f"{dedupe}:{organisation.pk}")


def next_meeting_start(arena: CollaborationArena, now: dt.datetime) -> dt.datetime:
    """When the next meeting is by default: the last meeting's time plus the arena's number of
    weeks (as often as needed to be in the future); with no meeting yet, a week from today at the
    usual time (rules.toml)."""
    last = arena.meetings.exclude(status=ArenaMeeting.Status.CANCELLED).order_by("-starts_at").first()
    if last is None:
        day = clock.oslo_date(now) + dt.timedelta(weeks=1)
        return dt.datetime.combine(day, get_rules().default_start_time, tzinfo=clock.OSLO)
    start = clock.localtime(last.starts_at)
    step = 1
    while True:
        day = start.date() + dt.timedelta(weeks=arena.every_weeks * step)
        candidate = dt.datetime.combine(day, start.timetz().replace(tzinfo=None), tzinfo=clock.OSLO)
        if candidate > now:
            return candidate
        step += 1


@transaction.atomic
def schedule_arena_meeting(*, arena: CollaborationArena, starts_at: dt.datetime | None, place: str, actor, now,
                           submission_id, duration_minutes: int | None = None) -> ArenaMeeting:
    """The coordinating unit schedules a meeting; the participating services are invited."""
    if (existing := ArenaMeeting.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    _check_runs(arena, actor)
    errors: dict[str, list[str]] = {}
    if starts_at is None:
        errors["starts_at"] = [_("Give the time of the meeting.")]
    elif starts_at < now:
        errors["starts_at"] = [_("The time has passed.")]
    if not (place or "").strip():
        errors["place"] = [_("Give the place.")]
    if errors:
        raise OutreachError(errors)
    meeting = ArenaMeeting.objects.create(
        arena=arena, starts_at=starts_at, duration_minutes=duration_minutes or get_rules().duration_minutes,
        place=place.strip(), created_at=now, created_by=actor, submission_id=submission_id)
    record_audit(actor=actor, action="arena_meeting_scheduled", obj=meeting, at=now, arena=str(arena.pk),
                 starts_at=starts_at.isoformat())
    with message_language():
        _tell_participants(
            arena, list(arena.participants.all()), now, kind="arena_invitation",
            subject=_("Invitation to the collaboration arena"),
            body=_("The collaboration arena “%(arena)s” meets on %(when)s. Place: %(place)s. The patients to "
                   "discuss are on the meeting's page in Samforløp.") % {
                "arena": arena.name, "when": _when(starts_at), "place": meeting.place},
            link=reverse("outreach:arena_meeting", args=[meeting.pk]), dedupe=f"arena_invitation:{meeting.pk}")
    return meeting


@transaction.atomic
def give_arena_consent(*, patient, arena: CollaborationArena, how: str, actor, now) -> ArenaConsent:
    """The patient consents to being discussed in the arena: in the portal, or orally to the
    coordinating unit's staff, who record it. A consent already in force is returned, not doubled."""
    Patient.objects.select_for_update().filter(pk=patient.pk).first()  # one consent at a time per patient
    if how == ArenaConsent.How.PORTAL:
        if actor.patient_id != patient.pk:
            raise OutreachError(_("Only the patient gives consent in the portal."))
    elif how == ArenaConsent.How.ORALLY:
        if actor.organisation_id != arena.organisation_id:
            raise OutreachError(_("Consent given orally is recorded by the coordinating unit that runs the arena."))
    else:
        raise OutreachError({"how": [_("Say how the consent was given.")]})
    if arena.organisation.municipality != patient.municipality:
        raise OutreachError({"arena": [_("This arena is not in the patient's municipality.")]})
    existing = ArenaConsent.objects.filter(arena=arena, patient=patient, withdrawn_at__isnull=True).first()
    if existing is not None:
        return existing
    consent = ArenaConsent.objects.create(patient=patient, arena=arena, given_at=now, recorded_by=actor, how=how)
    record_audit(actor=actor, action="arena_consent_given", obj=consent, at=now, patient=str(patient.pk),
                 arena=str(arena.pk), how=how)
    return consent


@transaction.atomic
def withdraw_arena_consent(*, consent: ArenaConsent, actor, now) -> ArenaConsent:
    """The patient withdraws (in the portal, or orally to the coordinating unit). The patient leaves
    the arena's lists at once."""
    consent = ArenaConsent.objects.select_for_update().select_related("arena").get(pk=consent.pk)
    if actor.patient_id != consent.patient_id and actor.organisation_id != consent.arena.organisation_id:
        raise OutreachError(_("Only the patient, or the coordinating unit on the patient's word, withdraws consent."))
    if consent.withdrawn_at is None:
        consent.withdrawn_at, consent.withdrawn_by = now, actor
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
        record_audit(actor=actor, action="arena_consent_withdrawn", obj=consent, at=now,
                     patient=str(consent.patient_id), arena=str(consent.arena_id))
    return consent


def _has_consent(arena, patient) -> bool:
    return ArenaConsent.objects.filter(arena=arena, patient=patient, withdrawn_at__isnull=True).exists()


def not_consented() -> str:
    return _("This patient has not consented to be discussed in this arena.")


@transaction.atomic
def add_arena_case(*, meeting: ArenaMeeting, patient, what: str, actor, now, submission_id) -> ArenaCase:
    """Put a patient on a meeting's list: only a patient whose consent to be discussed in this
    arena is in force. The patient is told."""
    if (existing := ArenaCase.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    arena = meeting.arena
    _check_runs(arena, actor)
    errors: dict[str, list[str]] = {}
    if meeting.status != ArenaMeeting.Status.SCHEDULED:
        errors["__all__"] = [_("The meeting has been held or cancelled.")]
    if patient is None or not _has_consent(arena, patient):
        errors["patient"] = [not_consented()]
    elif ArenaCase.objects.filter(meeting=meeting, patient=patient).exists():
        errors["patient"] = [_("The patient is already on this meeting's list.")]
    if not (what or "").strip():
        errors["what"] = [_("Say what to discuss.")]
    if errors:
        raise OutreachError(errors)
    case = ArenaCase.objects.create(meeting=meeting, patient=patient, what=what.strip(), added_by=actor, added_at=now,
                                    submission_id=submission_id)
    record_audit(actor=actor, action="arena_case_added", obj=case, at=now, patient=str(patient.pk),
                 meeting=str(meeting.pk))
    with message_language():
        queue_message(kind="arena_case", recipient_patient=patient, patient=patient, now=now,
                      subject=_("The collaboration arena"), link=reverse("outreach:my_arena"),
                      dedupe_key=f"arena_case:{case.pk}",
                      body=_("As you agreed, your situation will be discussed in “%(arena)s” on %(when)s, with the "
                             "services taking part. You can withdraw your consent in Samforløp.") % {
                          "arena": arena.name, "when": _when(meeting.starts_at)})
    return case


@transaction.atomic
def record_arena_decision(*, meeting: ArenaMeeting, patient, text: str, organisation, due_on: dt.date | None,
                          actor, now, submission_id) -> ArenaDecision:
    """A decision about a patient in the arena becomes a task on the responsible organisation's
    worklist (which must be on the patient's care team)."""
    if (existing := ArenaDecision.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    arena = meeting.arena
    _check_runs(arena, actor)
    errors: dict[str, list[str]] = {}
    if meeting.status == ArenaMeeting.Status.CANCELLED:
        errors["__all__"] = [_("The meeting was cancelled.")]
    if patient is None or not _has_consent(arena, patient):
        errors["patient"] = [not_consented()]
    elif not ArenaCase.objects.filter(meeting=meeting, patient=patient).exists():
        errors["patient"] = [_("Put the patient on the meeting's list first.")]
    if not (text or "").strip():
        errors["text"] = [_("Write the decision.")]
    services = {arena.organisation_id, *arena.participants.values_list("pk", flat=True)}
    if organisation is None or organisation.pk not in services:
        errors["organisation"] = [_("Choose one of the services in the arena.")]
    if errors:
        raise OutreachError(errors)
    with message_language():
        reason = _("Decided in the collaboration arena “%(arena)s” on %(date)s: %(text)s") % {
            "arena": arena.name, "date": clock.localtime(meeting.starts_at).strftime("%d.%m.%Y"), "text": text.strip()}
    try:
        task = assign_task(patient=patient, organisation=organisation, kind=Task.Kind.ARENA_DECISION,
                           source=Task.Source.COLLABORATION_ARENA, reason=reason, due_on=due_on, actor=actor, now=now,
                           submission_id=submission_id)
    except ValidationError as e:
        raise OutreachError(e.message_dict if hasattr(e, "error_dict") else e.messages) from e
    decision = ArenaDecision.objects.create(
        meeting=meeting, patient=patient, text=text.strip(), organisation=organisation, due_on=due_on, task=task,
        decided_by=actor, decided_at=now, submission_id=submission_id)
    record_audit(actor=actor, action="arena_decision_recorded", obj=decision, at=now, patient=str(patient.pk),
                 organisation=str(organisation.pk), task=str(task.pk))
    with message_language():
        queue_message(kind="arena_decision", recipient_organisation=organisation, patient=patient, now=now,
                      subject=_("A task from the collaboration arena"), link=reverse("tasks:detail", args=[task.pk]),
                      dedupe_key=f"arena_decision:{decision.pk}",
                      body=_("The collaboration arena “%(arena)s” decided something for %(patient)s that your service "
                             "is responsible for, due %(due)s. It is on your worklist.") % {
                          "arena": arena.name, "patient": patient.full_name, "due": due_on.strftime("%d.%m.%Y")})
    return decision


@transaction.atomic
def hold_arena_meeting(*, meeting: ArenaMeeting, held_on: dt.date | None, minutes: str, actor, now) -> ArenaMeeting:
    """Mark the meeting held, with its minutes; the participating services are told."""
    meeting = ArenaMeeting.objects.select_for_update(of=("self",)).select_related("arena").get(pk=meeting.pk)
    _check_runs(meeting.arena, actor)
    if meeting.status != ArenaMeeting.Status.SCHEDULED:
        raise OutreachError(_("The meeting has been held or cancelled."))
    errors: dict[str, list[str]] = {}
    if held_on is None:
        errors["held_on"] = [_("Give the date the meeting was held.")]
    elif held_on > clock.oslo_date(now):
        errors["held_on"] = [_("The date is in the future.")]
    if not (minutes or "").strip():
        errors["minutes"] = [_("Write the minutes.")]
    if errors:
        raise OutreachError(errors)
    meeting.status, meeting.held_on, meeting.minutes = ArenaMeeting.Status.HELD, held_on, minutes.strip()
    meeting.save(update_fields=["status", "held_on", "minutes"])
    record_audit(actor=actor, action="arena_meeting_held", obj=meeting, at=now, held_on=held_on.isoformat())
    with message_language():
        _tell_participants(
            meeting.arena, list(meeting.arena.participants.all()), now, kind="arena_minutes",
            subject=_("Minutes from the collaboration arena"),
            body=_("The minutes from “%(arena)s” on %(date)s are in Samforløp.") % {
                "arena": meeting.arena.name, "date": held_on.strftime("%d.%m.%Y")},
            link=reverse("outreach:arena_meeting", args=[meeting.pk]), dedupe=f"arena_minutes:{meeting.pk}")
    return meeting
