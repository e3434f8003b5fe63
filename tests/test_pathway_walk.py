"""What the walk through the whole pathway in a browser stopped at (issue 17 point 6): meeting
invitations that follow the definition's roles, one care-team row per organisation after inclusion,
contact persons who follow the patient up, and a saved draft that returns to its form."""

import datetime as dt
import re
import uuid

import pytest
import time_machine

from samforlop.meetings.models import Meeting
from samforlop.patients.actions import add_care_team_member
from samforlop.patients.models import CareTeamMember
from samforlop.referrals.models import Referral
from tests.conftest import make_user, register, start
from tests.test_referrals import form_data, gp_patient, submitted_referral  # noqa: F401 (fixture)

D = dt.date
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def assessed(personas):
    pathway = start(personas, D(2026, 9, 1))
    register(personas, pathway, "assessment_start", D(2026, 10, 1))
    return pathway


def schedule_page(login, personas, pathway):
    return login(personas.clinic_physician).get(f"/pathways/{pathway.pk}/meetings/summarizing/new/").content.decode()


def offered(html):
    fieldset = re.search(r"<fieldset data-invitees>.*?</fieldset>", html, re.S).group(0)
    return re.findall(r'<input type="checkbox" name="invitees" value="(\d+)"[^>]*checked', fieldset)


# --- Meeting invitations follow the definition's roles -------------------------------------------------

def test_every_care_team_member_in_the_definitions_roles_is_offered_and_checked(personas, assessed, login):
    nav = add_care_team_member(patient=personas.patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                               person=personas.nav_officer, is_contact_person=True, valid_from=D(2026, 1, 1), now=NOW)
    html = schedule_page(login, personas, assessed)
    team = {m.role: str(m.pk) for m in personas.patient.care_team.all()}
    assert set(offered(html)) == {team["gp"], team["physiotherapist"], str(nav.pk)}
    assert "data-missing-roles" not in html


def test_a_role_the_meeting_invites_that_nobody_on_the_care_team_holds_is_named_with_a_link(personas, assessed, login):
    html = schedule_page(login, personas, assessed)
    missing = re.search(r"<div[^>]*data-missing-roles>.*?</div>", html, re.S).group(0)
    assert re.findall(r"<li data-missing-role>(.*?)</li>", missing) == ["NAV"]
    assert f'href="/patients/{personas.patient.pk}/' in missing


def test_a_municipal_physiotherapy_service_counts_as_the_treating_physiotherapist(personas, assessed, login):
    other = personas.physio_service.__class__.objects.create(
        kind="municipal_service", name="Fysioterapi Nabobyen", org_number="991000999", municipality="4601",
        service="physiotherapy")
    member = add_care_team_member(patient=personas.patient, organisation=other,
                                  role=CareTeamMember.Role.MUNICIPAL_SERVICE, valid_from=D(2026, 1, 1), now=NOW)
    assert str(member.pk) in offered(schedule_page(login, personas, assessed))


def test_the_clinic_invites_exactly_the_members_it_leaves_checked(personas, assessed, login):
    gp_member = personas.patient.care_team.get(role="gp")
    response = login(personas.clinic_physician).post(f"/pathways/{assessed.pk}/meetings/summarizing/new/", {
        "submission_id": str(uuid.uuid4()), "starts_at": "2026-12-01T10:00", "duration_minutes": "60",
        "place": "Rom 1", "agenda": "Agenda", "invitees": [str(gp_member.pk)]})
    assert response.status_code == 302
    roles = sorted(Meeting.objects.get().participants.values_list("role", flat=True))
    assert roles == ["gp", "patient", "team_member"]


def test_an_invitee_from_outside_the_care_team_is_refused_and_nothing_is_scheduled(personas, assessed, login):
    response = login(personas.clinic_physician).post(f"/pathways/{assessed.pk}/meetings/summarizing/new/", {
        "submission_id": str(uuid.uuid4()), "starts_at": "2026-12-01T10:00", "duration_minutes": "60",
        "place": "Rom 1", "agenda": "Agenda", "invitees": ["999999"]})
    assert response.status_code == 400 and Meeting.objects.count() == 0


# --- Inclusion: one row per organisation, contact persons who follow the patient up ----------------------

def include(login, personas, referral, contact):
    return login(personas.clinic_physician).post(f"/referrals/{referral.pk}/decision/", {
        "decision": "include", "contact_person": str(contact.pk)})


def test_after_inclusion_the_clinic_is_on_the_care_team_once_with_its_contact_person(personas, gp_patient, login):
    referral = submitted_referral(personas, gp_patient, login)
    assert include(login, personas, referral, personas.clinic_nurse).status_code == 302
    rows = list(CareTeamMember.objects.filter(patient=gp_patient, organisation=personas.clinic))
    assert len(rows) == 1
    assert (rows[0].person, rows[0].is_contact_person) == (personas.clinic_nurse, True)
    page = login(personas.clinic_physician).get(f"/patients/{gp_patient.pk}/").content.decode()
    team = re.search(r'<table class="care-team">.*?</table>', page, re.S).group(0)
    assert team.count(personas.clinic.name) == 1


def test_the_secretary_and_the_leader_are_not_offered_as_contact_person(personas, gp_patient, login):
    secretary = make_user("secretary", personas.clinic, "secretary", "Sara", "Sekretær")
    leader = make_user("leader", personas.clinic, "leader", "Leif", "Leder")
    referral = submitted_referral(personas, gp_patient, login)
    html = login(personas.clinic_physician).get(f"/referrals/{referral.pk}/").content.decode()
    choices = re.search(r'<select name="contact_person".*?</select>', html, re.S).group(0)
    assert personas.clinic_nurse.display_name in choices
    assert secretary.display_name not in choices and leader.display_name not in choices
    assert include(login, personas, referral, secretary).status_code == 400
    assert Referral.objects.get(pk=referral.pk).status == "submitted"


# --- A saved draft returns to its form ------------------------------------------------------------------

def test_saving_a_draft_returns_to_the_editable_form_saying_it_is_saved(personas, gp_patient, login):
    client = login(personas.gp)
    response = client.post(f"/referrals/new/{gp_patient.pk}/", form_data(personas, action="save",
                                                                          overrides={"patient_goals": ""}))
    referral = Referral.objects.get(patient=gp_patient)
    assert response.status_code == 302 and response["Location"] == f"/referrals/{referral.pk}/edit/"
    html = client.get(response["Location"]).content.decode()
    assert "Utkastet er lagret" in html
    assert 'value="send"' in html or 'value="submit"' in html  # the form to go on with, and send
    assert "Korsrygg og nakke" in html


# --- Titles --------------------------------------------------------------------------------------------

def test_the_find_patient_page_has_a_plain_title(personas, login):
    html = login(personas.clinic_physician).get("/patients/search/").content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title == "Finn pasient – Samforløp"
