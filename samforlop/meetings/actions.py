"""Named operations on collaboration meetings: schedule (and invite by role), answer an
invitation, hold the meeting (registering its milestone), and turn decisions into measures."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from samforlop.audit.models import record_audit
from samforlop.careplan import actions as plan_actions
from samforlop.core import clock
from samforlop.meetings.ics import meeting_ics
from samforlop.meetings.models import Decision, Meeting, Participant
from samforlop.messaging.actions import message_language, queue_message
from samforlop.pathways import actions as pathway_actions
from samforlop.patients.models import CareTeamMember, RelativeConsent, active_on

Role = Participant.Role


class MeetingError(ValidationError):
    pass


def nav_declined(patient) -> bool:
    """The patient has said no to NAV taking part (in the latest referral that asked)."""
    latest = patient.referrals.exclude(nav_participation="").order_by("-updated_at").first()
    return latest is not None and latest.nav_participation == "no"


def _holds(member: CareTeamMember, role: str) -> bool:
    """Whether a care-team membership is in a meeting role of the definition."""
    if role == Role.GP:
        return member.role == CareTeamMember.Role.GP
    if role == Role.PHYSIOTHERAPIST:  # the treating physiotherapist, also as a municipal physiotherapy service
        return member.role == CareTeamMember.Role.PHYSIOTHERAPIST or (
            member.role == CareTeamMember.Role.MUNICIPAL_SERVICE
            and member.organisation.service == member.organisation.Service.PHYSIOTHERAPY)
    if role == Role.NAV:
        return member.role == CareTeamMember.Role.NAV
    return False


INVITABLE_ROLES = (Role.GP, Role.PHYSIOTHERAPIST, Role.NAV)


def invitation_choices(pathway, template, today) -> tuple[list[dict], list[str]]:
    """Who the definition invites, from the care team: every member in each role the meeting invites
    by default or requires (the GP and the treating physiotherapist on the same footing; NAV unless
    the patient has declined NAV taking part), and the roles no one on the care team holds (to be
    named, so the clinic can add them before it schedules)."""
    patient = pathway.patient
    wanted = [r for r in dict.fromkeys([*template.invited_by_default, *template.required_roles]) if r in INVITABLE_ROLES]
    if Role.NAV in wanted and nav_declined(patient):
        wanted.remove(Role.NAV)
    members = list(CareTeamMember.objects.filter(active_on(today), patient=patient)
                   .select_related("person", "organisation").order_by("-is_contact_person", "valid_from", "pk"))
    choices, missing = [], []
    for role in wanted:
        holders = [m for m in members if _holds(m, role)]
        for m in holders:
            person = m.person
            if role == Role.GP and person is None and patient.gp_id and patient.gp.organisation_id == m.organisation_id:
                person = patient.gp
            choices.append({"key": str(m.pk), "member": m, "role": role, "user": person, "organisation": m.organisation})
        if not holders:
            missing.append(role)
    return choices, missing


def default_invitees(pathway, template, today) -> list[dict]:
    """The invitations the definition gives by default (every choice of `invitation_choices`)."""
    return [{"role": c["role"], "user": c["user"], "organisation": c["organisation"]}
            for c in invitation_choices(pathway, template, today)[0]]


@transaction.atomic
def schedule_meeting(
    *, pathway, kind: str, starts_at: dt.datetime, place: str = "", video_link: str = "", agenda: str = "",
    duration_minutes: int = 60, team_members=(), relative_names=(), invite_defaults=True, invitees=None, actor, now,
    submission_id,
) -> Meeting:
    """The clinic schedules a meeting and everyone invited gets an invitation with an .ics file.
    `invitees`: the keys of `invitation_choices` to invite (None: all of them, with `invite_defaults`)."""
    if (existing := Meeting.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    template = pathway.definition.meeting(kind)
    errors: dict[str, list[str]] = {}
    if template is None:
        raise MeetingError(_("This pathway has no meeting of that kind."))
    if actor.organisation_id != pathway.clinic_id:
        raise MeetingError(_("Only the clinic running the pathway schedules its meetings."))
    if pathway.status != "active":
        errors["__all__"] = [_("The pathway has ended.")]
    if Meeting.objects.filter(pathway=pathway, kind=kind).exclude(status=Meeting.Status.CANCELLED).exists():
        errors["__all__"] = [_("This meeting is already scheduled or held.")]
    if not place.strip() and not video_link.strip():
        errors["place"] = [_("Give a place or a video link.")]
    team = [u for u in team_members if u.organisation_id == pathway.clinic_id]
    if actor not in team:
        team.insert(0, actor)
    consents = []
    for name in [n.strip() for n in relative_names if n.strip()]:
        consent = RelativeConsent.objects.filter(patient=pathway.patient, relative_name__iexact=name,
                                                 withdrawn_at__isnull=True).first()
        if consent is None:
            errors.setdefault("relatives", []).append(
                _("%(name)s cannot be invited: the patient has not consented to this relative taking part.")
                % {"name": name})
        consents.append(consent)
    if invitees is not None:
        offered = {c["key"] for c in invitation_choices(pathway, template, clock.oslo_date(now))[0]}
        if set(invitees) - offered:
            errors["invitees"] = [_("Invite only members of the patient's care team in the roles this meeting has.")]
    if errors:
        raise MeetingError(errors)

    meeting = Meeting.objects.create(
        submission_id=submission_id, pathway=pathway, kind=kind, starts_at=starts_at, place=place.strip(),
        video_link=video_link.strip(), agenda=agenda.strip() or str(template.agenda),
        duration_minutes=duration_minutes, scheduled_by=actor, created_at=now)
    participants = [Participant(meeting=meeting, role=Role.PATIENT, patient=pathway.patient)]
    participants += [Participant(meeting=meeting, role=Role.TEAM_MEMBER, user=u, organisation=u.organisation,
                                 response=Participant.Response.ACCEPTED if u == actor else Participant.Response.PENDING)
                     for u in team]
    if invite_defaults or invitees:
        choices = invitation_choices(pathway, template, clock.oslo_date(now))[0]
        participants += [Participant(meeting=meeting, role=c["role"], user=c["user"], organisation=c["organisation"])
                         for c in choices if invitees is None or c["key"] in invitees]
    participants += [Participant(meeting=meeting, role=Role.RELATIVE, name=c.relative_name, consent=c) for c in consents]
    Participant.objects.bulk_create(participants)
    record_audit(actor=actor, action="meeting_scheduled", obj=meeting, at=now, kind=kind,
                 roles=sorted({p.role for p in participants}))
    _invite(meeting, [p for p in meeting.participants.select_related("user", "organisation", "patient")
                      if p.response == Participant.Response.PENDING], now)
    return meeting


def _invite(meeting: Meeting, participants, now) -> None:
    with message_language():
        ics = meeting_ics(meeting, summary=_("Meeting (Samforløp)"), now=now)
        when = clock.localtime(meeting.starts_at).strftime("%d.%m.%Y %H:%M")
        body = _("You are invited to a collaboration meeting about %(patient)s on %(when)s. Place: %(place)s.\n\n"
                 "Agenda:\n%(agenda)s\n\nPlease answer whether you can come.") % {
            "patient": meeting.pathway.patient.full_name, "when": when,
            "place": meeting.place or meeting.video_link, "agenda": meeting.agenda}
        for p in participants:
            recipient = {"recipient_patient": p.patient} if p.patient_id else (
                {"recipient_user": p.user} if p.user_id else {"recipient_organisation": p.organisation})
            if not any(recipient.values()):
                continue  # a relative is invited through the patient
            queue_message(kind="meeting_invitation", subject=_("Invitation to a meeting"), body=body, now=now,
                          link=reverse("meetings:detail", args=[meeting.pk]), patient=meeting.pathway.patient,
                          attachment=("invitation.ics", ics, "text/calendar; method=REQUEST"),
                          dedupe_key=f"meeting_invitation:{meeting.pk}:{p.pk}", **recipient)


def may_answer_for(participant: Participant, user) -> bool:
    if participant.patient_id:
        return user.patient_id == participant.patient_id
    if participant.user_id:
        return participant.user_id == user.pk
    return participant.organisation_id is not None and participant.organisation_id == user.organisation_id


@transaction.atomic
def answer_invitation(*, participant: Participant, accept: bool, actor, now) -> Participant:
    participant = Participant.objects.select_for_update(of=("self",)).select_related("meeting").get(pk=participant.pk)
    if not may_answer_for(participant, actor):
        raise MeetingError(_("You can only answer your own invitation."))
    if participant.meeting.status != Meeting.Status.SCHEDULED:
        raise MeetingError(_("The meeting is no longer scheduled."))
    participant.response = Participant.Response.ACCEPTED if accept else Participant.Response.DECLINED
    participant.responded_at = now
    participant.save(update_fields=["response", "responded_at"])
    record_audit(actor=actor, action="meeting_invitation_answered", obj=participant.meeting, at=now,
                 role=participant.role, response=participant.response)
    return participant


@transaction.atomic
def hold_meeting(*, meeting: Meeting, held_on: dt.date, attended_ids, minutes: str = "", decisions=(), actor, now) -> Meeting:
    """Mark the meeting held. Without every required role present it cannot be, and says why.
    Holding registers the meeting's milestone, dated the day of the meeting."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("pathway").get(pk=meeting.pk)
    pathway = meeting.pathway
    if actor.organisation_id != pathway.clinic_id:
        raise MeetingError(_("Only the clinic running the pathway records the meeting."))
    if meeting.status != Meeting.Status.SCHEDULED:
        raise MeetingError(_("The meeting is not scheduled (it is held or cancelled)."))
    participants = list(meeting.participants.all())
    attended = {p.pk for p in participants if str(p.pk) in {str(i) for i in attended_ids}}
    present_roles = {p.role for p in participants if p.pk in attended}
    missing = [r for r in meeting.template.required_roles if r not in present_roles]
    if missing:
        raise MeetingError({"attended": [
            _("%(role)s must be present for the meeting to be held.") % {"role": Participant.Role(r).label}
            for r in missing]})
    template = meeting.template
    try:
        pathway_actions.register_milestone(
            pathway=pathway, key=template.milestone, outcome=template.outcome or "", date=held_on, actor=actor,
            now=now, comment=str(template.name), event_id=f"meeting:{meeting.pk}", source="meeting")
    except pathway_actions.PathwayError as e:
        raise MeetingError({"held_on": e.messages})
    for p in participants:
        p.attended = p.pk in attended
    Participant.objects.bulk_update(participants, ["attended"])
    meeting.status, meeting.held_on, meeting.minutes = Meeting.Status.HELD, held_on, minutes.strip()
    meeting.save(update_fields=["status", "held_on", "minutes"])
    for i, text in enumerate(d.strip() for d in decisions):
        if text:
            Decision.objects.create(meeting=meeting, text=text, at=now, by=actor,
                                    submission_id=_decision_id(meeting, i))
    record_audit(actor=actor, action="meeting_held", obj=meeting, at=now, held_on=held_on.isoformat(),
                 present=sorted(present_roles))
    return meeting


def _decision_id(meeting, index):
    """Decisions written when holding the meeting get ids derived from it: a resubmit adds none."""
    return uuid.uuid5(meeting.pk, f"decision-{index}")


@transaction.atomic
def add_decision(*, meeting: Meeting, text: str, actor, now, submission_id) -> Decision:
    if (existing := Decision.objects.filter(submission_id=submission_id).first()) is not None:
        return existing
    if actor.organisation_id != meeting.pathway.clinic_id:
        raise MeetingError(_("Only the clinic running the pathway records the minutes."))
    if not text.strip():
        raise MeetingError({"text": [_("Write the decision.")]})
    decision = Decision.objects.create(meeting=meeting, text=text.strip(), at=now, by=actor, submission_id=submission_id)
    record_audit(actor=actor, action="meeting_decision_added", obj=meeting, at=now)
    return decision


def decision_to_measure(*, decision: Decision, organisation, person=None, title: str = "", start_on=None, due_on=None,
                        actor, now, submission_id):
    """A decision in the minutes becomes a measure in the individual plan."""
    return plan_actions.add_measure(
        patient=decision.meeting.pathway.patient, title=title or decision.text[:200], description=decision.text,
        organisation=organisation, person=person, start_on=start_on, due_on=due_on, decision=decision,
        actor=actor, now=now, submission_id=submission_id)
