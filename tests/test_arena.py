"""The municipality's collaboration arena (samarbeidsarena): only patients whose consent to be
discussed in this arena is in force are on a meeting's list; decisions become tasks on the
responsible organisation's worklist; organisations outside the arena get 404."""

import datetime as dt
import html
import uuid

import pytest
import time_machine

from samforlop.accounts.models import Organisation, User
from samforlop.audit.models import AccessLog
from samforlop.messaging.models import Message
from samforlop.outreach import actions
from samforlop.outreach.models import ArenaCase, ArenaConsent, ArenaDecision, ArenaMeeting
from samforlop.patients.actions import add_care_team_member, block_access
from samforlop.patients.models import CareTeamMember
from samforlop.tasks.models import Task
from tests.conftest import make_org, make_user

D = dt.date
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
MEETING_AT = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)  # 13:00 in Oslo


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def new_arena(personas, name="Samarbeidsarena for smerte", participants=None, **kw):
    return actions.create_arena(
        organisation=personas.coordinating_unit, name=name, every_weeks=kw.pop("every_weeks", 4), place="Rådhuset",
        participants=participants or [personas.gp_office, personas.physio_service, personas.nav_office],
        actor=personas.municipal_coordinator, now=NOW, submission_id=uuid.uuid4(), **kw)


@pytest.fixture
def arena(personas):
    add_care_team_member(patient=personas.patient, organisation=personas.coordinating_unit,
                         role=CareTeamMember.Role.MUNICIPAL_SERVICE, valid_from=D(2020, 1, 1), now=NOW)
    return new_arena(personas)


@pytest.fixture
def meeting(personas, arena):
    return actions.schedule_arena_meeting(arena=arena, starts_at=MEETING_AT, place="Rådhuset, møterom 3",
                                          actor=personas.municipal_coordinator, now=NOW, submission_id=uuid.uuid4())


@pytest.fixture
def patient_client(personas, client):
    user = User.objects.create(username="kari", patient=personas.patient)
    client.force_login(user)
    return client


def consent_in_portal(client, arena, action="consent"):
    return client.post("/my/arena/", {"arena": arena.pk, "action": action})


def add_case(client, meeting, patient, what="Trenger hjelp til å komme i gang med trening"):
    return client.post(f"/outreach/arena-meetings/{meeting.pk}/", {
        "action": "case", "submission_id": uuid.uuid4(), "patient": patient.pk, "what": what})


def decide(client, meeting, patient, organisation, text="Fysioterapeuten tar kontakt og avtaler oppstart",
           due_on="2026-12-15"):
    return client.post(f"/outreach/arena-meetings/{meeting.pk}/", {
        "action": "decision", "submission_id": uuid.uuid4(), "patient": patient.pk, "text": text,
        "organisation": organisation.pk if organisation else "", "due_on": due_on})


def meeting_page(client, meeting):
    response = client.get(f"/outreach/arena-meetings/{meeting.pk}/")
    assert response.status_code == 200
    return response.content.decode()


# --- Consent decides who is on the list ----------------------------------------------------------------------

def test_a_patient_who_never_consented_is_not_on_the_list_and_cannot_be_added(personas, meeting, login, english):
    client = login(personas.municipal_coordinator)
    assert personas.patient.full_name not in meeting_page(client, meeting)
    response = add_case(client, meeting, personas.patient)
    assert response.status_code == 400
    assert ("Patient (only those who have consented): This patient has not consented to be discussed in this arena."
            in response.content.decode())
    assert not ArenaCase.objects.exists()
    with pytest.raises(actions.OutreachError) as refused:
        actions.add_arena_case(meeting=meeting, patient=personas.patient, what="Noe", actor=personas.municipal_coordinator,
                               now=NOW, submission_id=uuid.uuid4())
    assert list(refused.value.message_dict) == ["patient"]


def test_a_patient_who_consented_in_the_portal_is_put_on_the_list_and_told(personas, meeting, login, patient_client):
    assert consent_in_portal(patient_client, meeting.arena).status_code == 302
    assert consent_in_portal(patient_client, meeting.arena).status_code == 302  # a double submit: one consent
    consent = ArenaConsent.objects.get()
    assert (consent.how, consent.withdrawn_at) == ("portal", None)
    client = login(personas.municipal_coordinator)
    assert f'value="{personas.patient.pk}"' in meeting_page(client, meeting)  # may be chosen
    assert add_case(client, meeting, personas.patient).status_code == 302
    assert 'data-case="%s"' % personas.patient.pk in meeting_page(client, meeting)
    assert Message.objects.filter(kind="arena_case", recipient_patient=personas.patient).exists()


def test_a_patient_who_withdraws_disappears_from_the_list_with_the_decisions(personas, meeting, login, patient_client,
                                                                            english):
    consent_in_portal(patient_client, meeting.arena)
    client = login(personas.municipal_coordinator)
    add_case(client, meeting, personas.patient)
    assert decide(client, meeting, personas.patient, personas.physio_service).status_code == 302
    patient_client.force_login(personas.patient.user)
    assert consent_in_portal(patient_client, meeting.arena, action="withdraw").status_code == 302
    page = meeting_page(login(personas.municipal_coordinator), meeting)
    assert personas.patient.full_name not in page and "Fysioterapeuten tar kontakt" not in page
    assert add_case(client, meeting, personas.patient).status_code == 400
    refused = decide(client, meeting, personas.patient, personas.physio_service)
    assert refused.status_code == 400 and "has not consented to be discussed" in refused.content.decode()
    assert ArenaDecision.objects.count() == 1


def test_consent_to_another_arena_does_not_count(personas, meeting, login, patient_client, english):
    other = new_arena(personas, name="Samarbeidsarena for arbeid")
    consent_in_portal(patient_client, other)
    client = login(personas.municipal_coordinator)
    assert personas.patient.full_name not in meeting_page(client, meeting)
    response = add_case(client, meeting, personas.patient)
    assert response.status_code == 400 and "has not consented to be discussed in this arena" in response.content.decode()


def test_a_patient_who_blocked_a_participant_is_hidden_from_them(personas, meeting, login, patient_client):
    consent_in_portal(patient_client, meeting.arena)
    add_case(login(personas.municipal_coordinator), meeting, personas.patient)
    block_access(patient=personas.patient, person=personas.gp, actor=personas.patient.user, now=NOW)
    assert personas.patient.full_name not in meeting_page(login(personas.gp), meeting)
    assert personas.patient.full_name in meeting_page(login(personas.physiotherapist), meeting)


def test_the_coordinating_unit_records_consent_given_orally_and_its_withdrawal(personas, arena, login, english):
    client = login(personas.municipal_coordinator)
    url = f"/outreach/arenas/{arena.pk}/consents/"
    assert client.post(url, {"action": "record", "national_id": "12345"}).status_code == 400
    response = client.post(url, {"action": "record", "national_id": personas.patient.national_id})
    assert response.status_code == 302
    consent = ArenaConsent.objects.get(patient=personas.patient, arena=arena)
    assert (consent.how, consent.recorded_by) == ("orally", personas.municipal_coordinator)
    assert personas.patient.full_name in client.get(url).content.decode()
    assert client.post(url, {"action": "withdraw", "consent": consent.pk}).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at == NOW and consent.withdrawn_by == personas.municipal_coordinator


def test_a_patient_the_unit_does_not_follow_cannot_be_recorded_as_consenting(personas, arena, login, english):
    # The coordinating unit is on this patient's care team only from next year.
    from tests.conftest import new_patient

    stranger = new_patient(now=NOW)
    add_care_team_member(patient=stranger, organisation=personas.coordinating_unit,
                         role=CareTeamMember.Role.MUNICIPAL_SERVICE, valid_from=D(2027, 1, 1), now=NOW)
    response = login(personas.municipal_coordinator).post(
        f"/outreach/arenas/{arena.pk}/consents/", {"action": "record", "national_id": stranger.national_id})
    assert response.status_code == 400
    assert "No patient your service follows has this identity number." in response.content.decode()
    assert not ArenaConsent.objects.exists()


# --- Decisions become tasks -----------------------------------------------------------------------------------

@pytest.fixture
def on_the_list(personas, meeting, login, patient_client):
    consent_in_portal(patient_client, meeting.arena)
    add_case(login(personas.municipal_coordinator), meeting, personas.patient)
    return meeting


def test_a_decision_becomes_a_task_on_the_responsible_organisations_worklist(personas, on_the_list, login):
    meeting = on_the_list
    assert decide(login(personas.municipal_coordinator), meeting, personas.patient,
                  personas.physio_service).status_code == 302
    task = Task.objects.get()
    assert (task.kind, task.source, task.organisation, task.due_on, task.patient) == (
        "arena_decision", "collaboration_arena", personas.physio_service, D(2026, 12, 15), personas.patient)
    assert ArenaDecision.objects.get().task == task
    assert "Fysioterapeuten tar kontakt og avtaler oppstart" in task.reason
    worklist = login(personas.physiotherapist).get("/worklist/").content.decode()
    assert f"/tasks/{task.pk}/" in worklist and "Fysioterapeuten tar kontakt" in worklist
    assert Message.objects.filter(kind="arena_decision", recipient_organisation=personas.physio_service).exists()
    assert "Fysioterapeuten tar kontakt" in meeting_page(login(personas.gp), meeting)


@pytest.mark.parametrize("organisation, text, due_on, says", [
    ("nav_office", "NAV tar kontakt", "2026-12-15", "Responsible service: NAV Testbyen is not on the patient's care team."),
    ("clinic", "Klinikken tar kontakt", "2026-12-15", "Responsible service: Select a valid choice."),
    ("physio_service", "", "2026-12-15", "Decision: Write the decision."),
    ("physio_service", "Trening", "2026-11-01", "Due: The due date has passed."),
])
def test_a_decision_that_cannot_become_a_task_is_refused_naming_the_field(personas, on_the_list, login, english,
                                                                           organisation, text, due_on, says):
    response = decide(login(personas.municipal_coordinator), on_the_list, personas.patient,
                      getattr(personas, organisation), text=text, due_on=due_on)
    assert response.status_code == 400
    assert says in html.unescape(response.content.decode())
    assert not Task.objects.exists() and not ArenaDecision.objects.exists()


def test_marking_the_meeting_held_needs_the_minutes(personas, on_the_list, login, english):
    client = login(personas.municipal_coordinator)
    url = f"/outreach/arena-meetings/{on_the_list.pk}/"
    response = client.post(url, {"action": "hold", "held_on": "2026-11-23", "minutes": ""})
    assert response.status_code == 400 and "Minutes: Write the minutes." in response.content.decode()
    assert client.post(url, {"action": "hold", "held_on": "2026-11-23", "minutes": "Tre saker drøftet."}).status_code == 302
    on_the_list.refresh_from_db()
    assert (on_the_list.status, on_the_list.held_on) == (ArenaMeeting.Status.HELD, D(2026, 11, 23))
    assert Message.objects.filter(kind="arena_minutes").count() == 3


# --- Who may see the arena ---------------------------------------------------------------------------------

def test_organisations_outside_the_arena_get_404(personas, on_the_list, login):
    arena = on_the_list.arena
    for user in (personas.outsider, personas.clinic_physician):
        client = login(user)
        for url in (f"/outreach/arenas/{arena.pk}/", f"/outreach/arenas/{arena.pk}/consents/",
                    f"/outreach/arena-meetings/{on_the_list.pk}/"):
            assert client.get(url).status_code == 404, (user, url)
        assert arena.name not in client.get("/outreach/arenas/").content.decode()


def test_participants_read_but_do_not_manage(personas, on_the_list, login):
    client = login(personas.nav_officer)
    assert on_the_list.arena.name in client.get("/outreach/arenas/").content.decode()
    assert client.get(f"/outreach/arenas/{on_the_list.arena.pk}/").status_code == 200
    page = meeting_page(client, on_the_list)
    assert personas.patient.full_name in page and 'name="action" value="case"' not in page
    assert client.get(f"/outreach/arenas/{on_the_list.arena.pk}/consents/").status_code == 404
    assert decide(client, on_the_list, personas.patient, personas.nav_office).status_code == 404
    assert AccessLog.objects.filter(what="arena_meeting", user=personas.nav_officer, patient=personas.patient).exists()


def test_only_a_coordinating_unit_creates_an_arena_with_services_of_its_municipality(personas, login, english):
    assert login(personas.gp).post("/outreach/arenas/", {"name": "Min arena"}).status_code == 404
    client = login(personas.municipal_coordinator)
    data = {"submission_id": uuid.uuid4(), "name": "Samarbeidsarena", "every_weeks": 4, "place": "Rådhuset"}
    response = client.post("/outreach/arenas/", data)
    assert response.status_code == 400
    assert "Participating services: Choose the services that take part." in response.content.decode()
    response = client.post("/outreach/arenas/", {**data, "participants": [personas.other_clinic.pk]})
    assert response.status_code == 400  # not offered: another municipality's clinic
    response = client.post("/outreach/arenas/", {**data, "participants": [personas.gp_office.pk, personas.nav_office.pk]})
    assert response.status_code == 302
    assert Message.objects.filter(kind="arena_joined").count() == 2


def test_the_next_meeting_defaults_from_the_recurrence(personas, arena, login):
    client = login(personas.municipal_coordinator)
    assert 'value="2026-11-30T13:00"' in client.get(f"/outreach/arenas/{arena.pk}/").content.decode()
    actions.schedule_arena_meeting(arena=arena, starts_at=MEETING_AT, place="Rådhuset",
                                   actor=personas.municipal_coordinator, now=NOW, submission_id=uuid.uuid4())
    assert 'value="2026-12-29T13:00"' in client.get(f"/outreach/arenas/{arena.pk}/").content.decode()
    assert actions.next_meeting_start(arena, MEETING_AT + dt.timedelta(weeks=5)) == MEETING_AT + dt.timedelta(weeks=8)


def test_scheduling_over_http_invites_the_participating_services(personas, arena, login, english):
    client = login(personas.municipal_coordinator)
    url = f"/outreach/arenas/{arena.pk}/"
    response = client.post(url, {"action": "schedule", "submission_id": uuid.uuid4(), "starts_at": "2026-11-01T13:00",
                                 "place": "Rådhuset"})
    assert response.status_code == 400 and "Time: The time has passed." in response.content.decode()
    response = client.post(url, {"action": "schedule", "submission_id": uuid.uuid4(), "starts_at": "2026-12-01T13:00",
                                 "place": "Rådhuset"})
    assert response.status_code == 302
    assert ArenaMeeting.objects.get().starts_at == MEETING_AT
    assert Message.objects.filter(kind="arena_invitation").count() == 3


# --- The patient's page ----------------------------------------------------------------------------------------

def test_the_patient_sees_the_arenas_of_their_municipality_only(personas, meeting, patient_client):
    elsewhere = make_org(Organisation.Kind.MUNICIPAL_SERVICE, "Koordinerende enhet Oslo", 91_000_700, municipality="0301")
    elsewhere.service = Organisation.Service.COORDINATING_UNIT
    elsewhere.save()
    oslo = actions.create_arena(organisation=elsewhere, name="Samarbeidsarena Oslo", every_weeks=4,
                                participants=[personas.other_clinic], actor=make_user("oslo", elsewhere, "coordinator"),
                                now=NOW, submission_id=uuid.uuid4())
    page = patient_client.get("/my/arena/").content.decode()
    assert meeting.arena.name in page and oslo.name not in page
    assert consent_in_portal(patient_client, oslo).status_code == 404
    assert AccessLog.objects.filter(what="portal_arena", patient=personas.patient).exists()


def test_the_patient_sees_the_meetings_they_are_on_the_list_for(personas, on_the_list, patient_client):
    patient_client.force_login(personas.patient.user)
    page = patient_client.get("/my/arena/").content.decode()
    assert 'data-consent="in_force"' in page and "01.12.2026" in page


def test_a_posted_id_that_is_not_one_is_400_and_one_of_nothing_is_404(personas, arena, login, patient_client):
    # Malformed: the client's mistake, 400 (samforlop.core.ids); well-formed but not there: 404.
    assert patient_client.post("/my/arena/", {"arena": "abc", "action": "consent"}).status_code == 400
    assert patient_client.post("/my/arena/", {"arena": str(uuid.uuid4()), "action": "consent"}).status_code == 404
    client = login(personas.municipal_coordinator)
    assert client.post(f"/outreach/arenas/{arena.pk}/consents/", {"action": "withdraw", "consent": "x"}).status_code == 400
    assert client.post(f"/outreach/arenas/{arena.pk}/consents/", {"action": "withdraw", "consent": "7"}).status_code == 404


def test_the_coordinating_unit_changes_the_arena(personas, arena, login, english):
    client = login(personas.municipal_coordinator)
    url = f"/outreach/arenas/{arena.pk}/"
    data = {"action": "edit", "submission_id": uuid.uuid4(), "name": "Arena for arbeid og helse", "every_weeks": 6,
            "participants": [personas.nav_office.pk], "place": "NAV-kontoret"}
    assert client.post(url, {**data, "every_weeks": 5}).status_code == 400
    assert client.post(url, data).status_code == 302
    arena.refresh_from_db()
    assert (arena.name, arena.every_weeks, list(arena.participants.all())) == (
        "Arena for arbeid og helse", 6, [personas.nav_office])
    assert login(personas.physiotherapist).get(url).status_code == 404  # no longer taking part


def test_the_meeting_page_takes_the_same_number_of_queries_however_many_patients_are_on_it(
        personas, meeting, login, django_assert_max_num_queries):
    from tests.conftest import new_patient

    coordinator = personas.municipal_coordinator

    def put_on_the_list(given):
        patient = new_patient(given=given, now=NOW)
        add_care_team_member(patient=patient, organisation=personas.coordinating_unit,
                             role=CareTeamMember.Role.MUNICIPAL_SERVICE, valid_from=D(2020, 1, 1), now=NOW)
        add_care_team_member(patient=patient, organisation=personas.physio_service,
                             role=CareTeamMember.Role.PHYSIOTHERAPIST, valid_from=D(2020, 1, 1), now=NOW)
        actions.give_arena_consent(patient=patient, arena=meeting.arena, how=ArenaConsent.How.ORALLY,
                                   actor=coordinator, now=NOW)
        actions.add_arena_case(meeting=meeting, patient=patient, what="Trening", actor=coordinator, now=NOW,
                               submission_id=uuid.uuid4())

    client = login(coordinator)
    for given in ("Anne", "Berit"):
        put_on_the_list(given)
    with django_assert_max_num_queries(40) as few:
        meeting_page(client, meeting)
    for given in ("Cecilie", "Dag", "Eva", "Frode"):
        put_on_the_list(given)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert meeting_page(client, meeting).count('name="action" value="decision"') == 6
