"""Collaboration meetings: invited by role, answered, held only with the required roles present."""

import datetime as dt
import uuid

import pytest
import time_machine

from samforlop.meetings import actions
from samforlop.meetings.models import Meeting, Participant
from samforlop.messaging.models import Message
from samforlop.pathways.models import PathwayEvent
from samforlop.patients.actions import add_care_team_member, record_relative_consent, withdraw_relative_consent
from samforlop.patients.models import CareTeamMember
from tests.conftest import register, start

D = dt.date
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
MEETING_AT = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def pathway(personas):
    add_care_team_member(patient=personas.patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                         person=personas.nav_officer, is_contact_person=True, valid_from=D(2026, 1, 1), now=NOW)
    pathway = start(personas, D(2026, 9, 1))
    register(personas, pathway, "assessment_start", D(2026, 10, 1))
    return pathway


def schedule(personas, pathway, kind="summarizing", **kw):
    return actions.schedule_meeting(pathway=pathway, kind=kind, starts_at=MEETING_AT, place="Møterom 2",
                                    actor=personas.clinic_physician, now=NOW, submission_id=uuid.uuid4(), **kw)


def roles(meeting):
    return sorted(meeting.participants.values_list("role", flat=True))


def test_the_gp_the_physiotherapist_and_nav_are_invited_by_default(personas, pathway):
    meeting = schedule(personas, pathway)
    assert roles(meeting) == ["gp", "nav", "patient", "physiotherapist", "team_member"]
    people = {p.role: p.user for p in meeting.participants.all()}
    assert people["gp"] == personas.gp and people["physiotherapist"] == personas.physiotherapist
    assert people["nav"] == personas.nav_officer and people["team_member"] == personas.clinic_physician
    invitations = Message.objects.filter(kind="meeting_invitation")
    assert {m.recipient_user for m in invitations if m.recipient_user} == {personas.gp, personas.physiotherapist,
                                                                          personas.nav_officer}
    assert invitations.filter(recipient_patient=personas.patient).exists()
    ics = invitations.first().attachment
    assert "BEGIN:VEVENT" in ics and "DTSTART:20261201T090000Z" in ics and "Møterom 2" in ics
    assert personas.patient.family_name not in ics  # a calendar file names no patient


def test_nav_is_not_invited_when_the_patient_declined(personas, pathway):
    from samforlop.referrals.actions import save_referral_draft

    save_referral_draft(author=personas.gp, patient=personas.patient, clinic=personas.clinic, treatments=[],
                        fields={"nav_participation": "no"}, submission_id=uuid.uuid4(), now=NOW)
    meeting = schedule(personas, pathway)
    assert "nav" not in roles(meeting)
    assert not Message.objects.filter(recipient_user=personas.nav_officer).exists()


def test_a_relative_without_consent_is_refused(personas, pathway, english):
    with pytest.raises(actions.MeetingError, match="has not consented"):
        schedule(personas, pathway, relative_names=["Ola Testesen"])
    assert not Meeting.objects.exists()
    consent = record_relative_consent(patient=personas.patient, relative_name="Ola Testesen", relation="ektefelle",
                                      actor=personas.clinic_nurse, now=NOW)
    withdraw_relative_consent(consent=consent, actor=personas.clinic_nurse, now=NOW)
    with pytest.raises(actions.MeetingError, match="has not consented"):
        schedule(personas, pathway, relative_names=["Ola Testesen"])
    record_relative_consent(patient=personas.patient, relative_name="Ola Testesen", actor=personas.clinic_nurse, now=NOW)
    assert "relative" in roles(schedule(personas, pathway, relative_names=["ola testesen"]))


def held(meeting, present_roles, personas, held_on=D(2026, 11, 23)):
    ids = [p.pk for p in meeting.participants.all() if p.role in present_roles]
    return actions.hold_meeting(meeting=meeting, held_on=held_on, attended_ids=ids, minutes="Referat",
                                decisions=["Fysioterapi to ganger i uka", "Arbeidsavklaring med NAV"],
                                actor=personas.clinic_physician, now=NOW)


@pytest.mark.parametrize("missing, says", [("team_member", "Interdisciplinary team"), ("patient", "Patient")])
def test_a_meeting_without_a_team_member_or_the_patient_cannot_be_held(personas, pathway, missing, says, english):
    meeting = schedule(personas, pathway)
    present = {"patient", "team_member", "gp", "physiotherapist", "nav"} - {missing}
    with pytest.raises(actions.MeetingError) as e:
        held(meeting, present, personas)
    assert f"{says} must be present for the meeting to be held." in str(e.value.message_dict["attended"])
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"
    assert not PathwayEvent.objects.filter(pathway=pathway, key="summarizing_meeting").exists()


def test_holding_registers_the_milestone_with_the_date_of_the_meeting(personas, pathway):
    meeting = held(schedule(personas, pathway), {"patient", "team_member", "gp", "physiotherapist", "nav"}, personas,
                   held_on=D(2026, 11, 20))
    assert meeting.status == "held" and meeting.decisions.count() == 2
    derived = pathway.derive()
    assert derived.done["summarizing_meeting"].date == D(2026, 11, 20)
    assert {ls.limit.key: ls.state for ls in derived.limits}["assessment_time"] == "met"
    assert Participant.objects.get(meeting=meeting, role="gp").attended is True


def test_invitees_answer_for_themselves_only(personas, pathway, login):
    meeting = schedule(personas, pathway)
    gp_invitation = meeting.participants.get(role="gp")
    response = login(personas.gp).post(f"/meetings/{meeting.pk}/answer/", {"participant": gp_invitation.pk,
                                                                          "answer": "accept"})
    assert response.status_code == 302
    gp_invitation.refresh_from_db()
    assert gp_invitation.response == "accepted"
    nav_invitation = meeting.participants.get(role="nav")
    assert login(personas.gp).post(f"/meetings/{meeting.pk}/answer/", {
        "participant": nav_invitation.pk, "answer": "decline"}).status_code == 403
    nav_invitation.refresh_from_db()
    assert nav_invitation.response == "pending"


def test_the_meeting_is_hidden_from_outsiders(personas, pathway, login):
    meeting = schedule(personas, pathway)
    assert login(personas.outsider).get(f"/meetings/{meeting.pk}/").status_code == 404
    assert login(personas.gp).get(f"/meetings/{meeting.pk}/").status_code == 200
    ics = login(personas.gp).get(f"/meetings/{meeting.pk}/invitation.ics")
    assert ics["Content-Type"].startswith("text/calendar") and b"BEGIN:VCALENDAR" in ics.content


def test_scheduling_over_http_and_holding_without_the_patient_says_why(personas, pathway, login, english):
    client = login(personas.clinic_physician)
    response = client.post(f"/pathways/{pathway.pk}/meetings/summarizing/new/", {
        "submission_id": str(uuid.uuid4()), "starts_at": "2026-12-01T10:00", "duration_minutes": "60",
        "place": "", "video_link": "", "agenda": "Agenda", "invite_defaults": "on"})
    assert response.status_code == 400 and "Give a place or a video link." in response.content.decode()
    response = client.post(f"/pathways/{pathway.pk}/meetings/summarizing/new/", {
        "submission_id": str(uuid.uuid4()), "starts_at": "2026-12-01T10:00", "duration_minutes": "60",
        "place": "Rom 1", "agenda": "Agenda", "invite_defaults": "on"})
    meeting = Meeting.objects.get()
    team = meeting.participants.get(role="team_member")
    response = client.post(f"/meetings/{meeting.pk}/held/", {"held_on": "2026-11-23", "attended": [team.pk]})
    assert response.status_code == 400
    assert "Patient must be present for the meeting to be held." in response.content.decode()


def test_the_patient_records_and_withdraws_consent_for_a_relative(personas, pathway, login):
    from samforlop.accounts.models import User

    me = login(User.objects.create(username="kari", patient=personas.patient))
    assert me.post("/my/relatives/", {"relative_name": "Ola Testesen", "relation": "ektefelle"}).status_code == 302
    consent = personas.patient.relative_consents.get()
    assert "relative" in roles(schedule(personas, pathway, relative_names=["Ola Testesen"]))
    me.post("/my/relatives/", {"withdraw": consent.pk})
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert me.post("/my/relatives/", {"relative_name": ""}).status_code == 400
