"""The outreach list (oppsøkende oppfølging): every rule puts exactly the right patients on the list
and says why; the coordinating unit sees the patients it follows, a contact person theirs, others
none; recording an outreach that reached the patient takes them off until a new reason arises."""

import datetime as dt
import random
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from samforlop.accounts.models import User
from samforlop.audit.models import AccessLog, AuditEntry
from samforlop.careplan.actions import add_goal, add_measure, agree_to_plan, update_measure
from samforlop.careplan.models import Plan
from samforlop.checkins.actions import log_training_session, submit_checkin
from samforlop.core import clock
from samforlop.meetings.actions import hold_meeting, schedule_meeting
from samforlop.messaging.actions import write_to_contact_person
from samforlop.offers.actions import answer_recommendation, recommend_offer, save_offer
from samforlop.outreach import actions, listing
from samforlop.outreach.models import Outreach
from samforlop.pathways.definitions import get_definition
from samforlop.patients.actions import add_care_team_member
from samforlop.patients.models import CareTeamMember, Patient
from tests.conftest import new_patient, register, start

D = dt.date
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
Role = CareTeamMember.Role
SMERTE = get_definition("smerte")


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.OSLO)


def on_team(patient, organisation, since, **kw):
    return add_care_team_member(patient=patient, organisation=organisation, role=kw.pop("role", Role.MUNICIPAL_SERVICE),
                                valid_from=since, now=NOW, **kw)


@pytest.fixture
def unit_on_team(personas):
    """The coordinating unit follows the personas' patient (care team since 2020)."""
    on_team(personas.patient, personas.coordinating_unit, D(2020, 1, 1))
    return personas.patient


_rng = random.Random(4601)


def fresh_patient(personas, since=D(2026, 9, 1), given="Per"):
    """A patient whose care team (GP office, physiotherapy, the coordinating unit) started `since`."""
    patient = new_patient(gp=personas.gp, given=given, now=NOW, rng=_rng)
    on_team(patient, personas.gp_office, since, role=Role.GP)
    on_team(patient, personas.physio_service, since, role=Role.PHYSIOTHERAPIST)
    on_team(patient, personas.coordinating_unit, since)
    return patient


def patient_user(patient):
    return User.objects.get_or_create(username=f"p-{patient.pk.hex[:10]}", defaults={"patient": patient})[0]


def listed(client, **params) -> dict:
    """The outreach list as the client sees it: patient id → reasons."""
    response = client.get("/outreach/", params)
    assert response.status_code == 200
    return {row.patient.pk: row.reasons for row in response.context["rows"]}


def texts(reasons) -> list[str]:
    return [r.text for r in reasons]


def outreach(personas, patient, when, result="reached_no_need", reasons=("no_contact",)):
    return actions.record_outreach(patient=patient, method="phone", result=result, note="", reasons=list(reasons),
                                   actor=personas.municipal_coordinator, now=when, submission_id=uuid.uuid4())


# --- The kinds of contact ------------------------------------------------------------------------------

def offer(personas, title="Varmtvannstrening", when=NOW):
    return save_offer(editor=personas.physiotherapist, municipalities=["4601"], now=when, fields=dict(
        title=title, description=f"Om {title}", kind="warm_water_pool", open_without_diagnosis=True,
        diagnosis_groups=[], needs_referral=False, needs_decision=False, cost_nok=0, transport=False,
        needs=["physical_activity"], last_verified=D(2026, 1, 1)))


def recommended(personas, patient, when, title="Varmtvannstrening"):
    return recommend_offer(offer=offer(personas, title, when), patient=patient, note="", actor=personas.physiotherapist,
                           now=when, submission_id=uuid.uuid4())


def a_checkin(personas, patient, when):
    submit_checkin(patient=patient, questionnaire_key="pain_intensity", answers={"pain_now": 3, "pain_average_week": 3},
                   actor=patient_user(patient), now=when, submission_id=uuid.uuid4())


def an_answered_recommendation(personas, patient, when):
    recommendation = recommended(personas, patient, when - dt.timedelta(days=3))
    answer_recommendation(recommendation=recommendation, status="interested", actor=patient_user(patient), now=when)


def a_meeting_held(personas, patient, when):
    pathway = start(personas, when.date() - dt.timedelta(days=60), patient=patient)
    register(personas, pathway, "assessment_start", when.date() - dt.timedelta(days=50))
    meeting = schedule_meeting(pathway=pathway, kind="summarizing", starts_at=when, place="Møterom 2",
                               actor=personas.clinic_physician, now=when - dt.timedelta(days=14),
                               submission_id=uuid.uuid4())
    present = [p.pk for p in meeting.participants.all() if p.role in ("patient", "team_member")]
    hold_meeting(meeting=meeting, held_on=when.date(), attended_ids=present, actor=personas.clinic_physician, now=NOW)


def a_reached_outreach(personas, patient, when):
    outreach(personas, patient, when, result="reached_follow_up")


def a_message_from_the_patient(personas, patient, when):
    write_to_contact_person(patient=patient, contact_person=personas.gp, text="Hei, kan du ringe meg?",
                            actor=patient_user(patient), now=when, submission_id=uuid.uuid4())


def a_training_session(personas, patient, when):
    measure = add_measure(patient=patient, title="Trening hjemme", organisation=personas.physio_service,
                          person=personas.physiotherapist, is_training_programme=True, actor=personas.physiotherapist,
                          now=when - dt.timedelta(days=10), submission_id=uuid.uuid4())
    log_training_session(measure=measure, done_on=when.date(), what="Gikk tur", how_it_felt="", pain_before=3,
                         pain_after=2, actor=patient_user(patient), now=when, submission_id=uuid.uuid4())


def agreeing_to_the_plan(personas, patient, when):
    add_goal(patient=patient, text="Gå tur med hunden", actor=personas.clinic_physician,
             now=when - dt.timedelta(days=1), submission_id=uuid.uuid4())
    agree_to_plan(patient=patient, version=Plan.objects.get(patient=patient).version, actor=patient_user(patient),
                  now=when)


CONTACTS = [
    (a_checkin, "a check-in"),
    (an_answered_recommendation, "an answer to a suggested offer"),
    (a_meeting_held, "a collaboration meeting held"),
    (a_reached_outreach, "an outreach that reached the patient"),
    (a_message_from_the_patient, "a message from the patient"),
    (a_training_session, "a training session in the diary"),
    (agreeing_to_the_plan, "agreeing to the plan"),
]


# --- Rule a: no contact -----------------------------------------------------------------------------------

def test_no_contact_ever_counts_from_the_day_the_care_team_started(personas, unit_on_team, login, english):
    client = login(personas.municipal_coordinator)
    assert texts(listed(client)[personas.patient.pk]) == [
        "No contact for 6 months or more: none since the care team started on 01.01.2020."]
    html = client.get("/outreach/").content.decode()
    assert f'href="/patients/{personas.patient.pk}/"' in html and "none since the care team started" in html


def test_a_care_team_younger_than_the_months_puts_nobody_on_the_list(personas, login):
    patient = fresh_patient(personas, since=D(2026, 5, 24))  # one day inside six months
    client = login(personas.municipal_coordinator)
    assert patient.pk not in listed(client)
    assert patient.pk in listed(client, months=3)


@pytest.mark.parametrize("make, words", CONTACTS, ids=[c[0].__name__ for c in CONTACTS])
def test_each_kind_of_contact_keeps_the_patient_off_until_the_months_have_passed(personas, unit_on_team, login,
                                                                                 english, make, words):
    make(personas, personas.patient, at(D(2026, 5, 24)))  # the day after the cut-off 23.05.2026
    client = login(personas.municipal_coordinator)
    assert personas.patient.pk not in listed(client)
    assert texts(listed(client, months=3)[personas.patient.pk]) == [
        f"No contact for 3 months or more: the last was {words} on 24.05.2026."]


def test_a_contact_on_the_cut_off_day_is_n_months_old_and_counts_as_none(personas, unit_on_team, login, english):
    a_checkin(personas, personas.patient, at(D(2026, 5, 23), hour=23))
    client = login(personas.municipal_coordinator)
    assert texts(listed(client)[personas.patient.pk]) == [
        "No contact for 6 months or more: the last was a check-in on 23.05.2026."]


def test_the_latest_contact_of_several_is_named(personas, unit_on_team, login, english):
    a_checkin(personas, personas.patient, at(D(2026, 2, 1)))
    a_message_from_the_patient(personas, personas.patient, at(D(2026, 4, 2)))
    a_reached_outreach(personas, personas.patient, at(D(2026, 3, 3)))
    client = login(personas.municipal_coordinator)
    assert texts(listed(client)[personas.patient.pk]) == [
        "No contact for 6 months or more: the last was a message from the patient on 02.04.2026."]


def test_an_outreach_that_did_not_reach_the_patient_is_no_contact(personas, unit_on_team, login):
    outreach(personas, personas.patient, at(D(2026, 11, 1)), result="not_reached")
    assert personas.patient.pk in listed(login(personas.municipal_coordinator))


def test_the_user_chooses_the_months_and_a_choice_not_offered_is_refused(personas, unit_on_team, login, english):
    a_checkin(personas, personas.patient, at(D(2026, 7, 1)))  # almost five months ago
    client = login(personas.municipal_coordinator)
    assert personas.patient.pk not in listed(client, months=6)
    assert personas.patient.pk in listed(client, months=3)
    assert 'value="3" selected' in client.get("/outreach/", {"months": 3}).content.decode()
    response = client.get("/outreach/", {"months": 5})
    assert response.status_code == 400
    assert "No contact for at least (months): Select a valid choice." in response.content.decode()


# --- Rule b: declined or dropped out -----------------------------------------------------------------------

def test_a_declined_recommendation_names_the_offer_the_date_and_the_patients_reason(personas, login, english):
    patient = fresh_patient(personas)
    recommendation = recommended(personas, patient, at(D(2026, 11, 1)), title="Bassengtrening")
    answer_recommendation(recommendation=recommendation, status="declined", reason="For langt å reise",
                          actor=patient_user(patient), now=at(D(2026, 11, 10)))
    # The declined offer's measure was stopped with it: named once, as the declined offer.
    assert texts(listed(login(personas.municipal_coordinator))[patient.pk]) == [
        "Declined “Bassengtrening” on 10.11.2026: “For langt å reise”."]


def test_a_stopped_measure_names_the_measure_the_date_and_why(personas, login, english):
    patient = fresh_patient(personas)
    measure = add_measure(patient=patient, title="Trening i gruppe", organisation=personas.physio_service,
                          person=personas.physiotherapist, actor=personas.physiotherapist, now=at(D(2026, 10, 1)),
                          submission_id=uuid.uuid4())
    client = login(personas.municipal_coordinator)
    assert patient.pk not in listed(client)
    update_measure(measure=measure, revision=measure.revision, status="stopped", stop_reason="Møtte ikke opp",
                   actor=personas.physiotherapist, now=at(D(2026, 11, 12)))
    assert texts(listed(client)[patient.pk]) == [
        "Dropped out of the measure “Trening i gruppe”: stopped on 12.11.2026 because “Møtte ikke opp”."]


def test_a_recommendation_still_unanswered_or_accepted_is_no_reason(personas, login):
    patient = fresh_patient(personas)
    recommended(personas, patient, at(D(2026, 11, 1)))
    accepted = recommended(personas, patient, at(D(2026, 11, 2)), title="Frisklivssentralen")
    answer_recommendation(recommendation=accepted, status="started", actor=patient_user(patient), now=at(D(2026, 11, 3)))
    assert patient.pk not in listed(login(personas.municipal_coordinator))


def _declined(personas, patient, when):
    recommendation = recommended(personas, patient, when - dt.timedelta(days=2))
    answer_recommendation(recommendation=recommendation, status="declined", reason="Ikke nå",
                          actor=patient_user(patient), now=when)


def test_a_reached_outreach_after_the_decline_answers_it_and_one_before_does_not(personas, login):
    answered, unanswered = fresh_patient(personas, given="Anna"), fresh_patient(personas, given="Bodil")
    _declined(personas, answered, at(D(2026, 11, 10)))
    outreach(personas, answered, at(D(2026, 11, 11)), reasons=["declined_or_dropped_out"])
    outreach(personas, unanswered, at(D(2026, 11, 9)), reasons=["declined_or_dropped_out"])
    _declined(personas, unanswered, at(D(2026, 11, 10)))
    on_list = listed(login(personas.municipal_coordinator))
    assert answered.pk not in on_list
    assert [r.kind for r in on_list[unanswered.pk]] == ["declined_or_dropped_out"]


# --- Rule c: the pathway ended without a plan owner in the municipality --------------------------------

def ended_pathway(personas, patient, started=D(2026, 7, 1), ended=D(2026, 10, 1), outcome="other_reasons"):
    pathway = start(personas, started, patient=patient)
    register(personas, pathway, "pathway_end", ended, outcome=outcome)
    return pathway


def test_a_pathway_ended_with_nobody_holding_the_plan_is_named(personas, login, english):
    patient = fresh_patient(personas, since=D(2026, 7, 1))
    ended_pathway(personas, patient)
    assert texts(listed(login(personas.municipal_coordinator))[patient.pk]) == [
        f"The pathway “{SMERTE.name.en}” at {personas.clinic.name} ended on 01.10.2026 (Ended for other reasons), "
        "and nobody in the municipality holds the plan."]


def _coordinator_from(organisation_attr, person_attr):
    def make(personas, patient):
        on_team(patient, getattr(personas, organisation_attr), D(2026, 7, 1), person=getattr(personas, person_attr),
                is_coordinator=True)
    return make


def _measure_of(organisation_attr, person_attr, status="planned"):
    def make(personas, patient):
        measure = add_measure(patient=patient, title="Oppfølging", organisation=getattr(personas, organisation_attr),
                              person=getattr(personas, person_attr), actor=personas.clinic_physician, now=NOW,
                              submission_id=uuid.uuid4())
        if status != "planned":
            update_measure(measure=measure, revision=measure.revision, status=status, actor=personas.clinic_physician,
                           now=NOW)
    return make


def _another_active_pathway(personas, patient):
    start(personas, D(2026, 10, 15), patient=patient)


PLAN_OWNERS = [
    ("coordinator in the coordinating unit", _coordinator_from("coordinating_unit", "municipal_coordinator"), False),
    ("coordinator at the GP office", _coordinator_from("gp_office", "gp"), False),
    ("coordinator at the clinic only", _coordinator_from("clinic", "clinic_nurse"), True),
    ("open measure of a municipal service", _measure_of("physio_service", "physiotherapist"), False),
    ("measure of a municipal service done", _measure_of("physio_service", "physiotherapist", "done"), True),
    ("open measure of the GP office only", _measure_of("gp_office", "gp"), True),
    ("a new pathway is active", _another_active_pathway, False),
]


@pytest.mark.parametrize("setup, listed_", [(s, on) for _n, s, on in PLAN_OWNERS], ids=[n for n, _s, _o in PLAN_OWNERS])
def test_who_holds_the_plan_after_the_pathway(personas, login, setup, listed_):
    patient = fresh_patient(personas, since=D(2026, 7, 1))
    ended_pathway(personas, patient)
    setup(personas, patient)
    assert (patient.pk in listed(login(personas.municipal_coordinator))) is listed_


def test_a_pathway_still_active_is_no_reason(personas, login):
    patient = fresh_patient(personas, since=D(2026, 7, 1))
    start(personas, D(2026, 7, 1), patient=patient)
    assert patient.pk not in listed(login(personas.municipal_coordinator))


def test_after_a_reached_outreach_a_new_pathway_ending_brings_the_patient_back(personas, login, english):
    patient = fresh_patient(personas, since=D(2026, 6, 1))
    ended_pathway(personas, patient, started=D(2026, 6, 1), ended=D(2026, 7, 1))
    client = login(personas.municipal_coordinator)
    assert patient.pk in listed(client)
    outreach(personas, patient, at(D(2026, 7, 15)), reasons=["pathway_ended_without_owner"])
    assert patient.pk not in listed(client)
    ended_pathway(personas, patient, started=D(2026, 8, 1), ended=D(2026, 11, 2))
    assert "ended on 02.11.2026" in texts(listed(client)[patient.pk])[0]


# --- Whose list ---------------------------------------------------------------------------------------------

def test_a_contact_person_sees_only_the_patients_they_are_contact_person_for(personas, unit_on_team, login):
    other = fresh_patient(personas, since=D(2020, 1, 1))  # the GP office is on the team, the GP is not named
    outside = new_patient(gp=personas.gp, now=NOW, rng=_rng)
    on_team(outside, personas.gp_office, D(2020, 1, 1), role=Role.GP)  # the coordinating unit is not on this team
    assert set(listed(login(personas.gp))) == {personas.patient.pk}
    assert set(listed(login(personas.municipal_coordinator))) == {personas.patient.pk, other.pk}
    assert listed(login(personas.clinic_physician)) == {}  # on the care team, but not the contact person


def test_an_outsider_sees_nobody_and_cannot_record(personas, unit_on_team, login):
    client = login(personas.outsider)
    assert listed(client) == {}
    assert not AccessLog.objects.filter(what="outreach_list").exists()
    response = client.post(f"/outreach/patients/{personas.patient.pk}/", {
        "submission_id": uuid.uuid4(), "method": "phone", "result": "reached_no_need", "reasons": ["no_contact"]})
    assert response.status_code == 404
    assert not Outreach.objects.exists()
    assert AccessLog.objects.filter(what="outreach_patient", outcome="denied", patient=personas.patient).exists()


def test_the_patients_shown_are_in_the_access_log(personas, unit_on_team, login):
    listed(login(personas.municipal_coordinator))
    row = AccessLog.objects.get(what="outreach_list")
    assert (row.patient, row.user, row.outcome) == (personas.patient, personas.municipal_coordinator, "granted")


# --- Recording the outreach ---------------------------------------------------------------------------------

def post_outreach(client, patient, **fields):
    data = {"submission_id": str(uuid.uuid4()), "months": 6, "method": "phone", "result": "reached_no_need",
            "note": "Snakket med pasienten", "reasons": ["no_contact"], **fields}
    return client.post(f"/outreach/patients/{patient.pk}/", data)


def test_an_outreach_that_reached_the_patient_takes_them_off_the_list(personas, unit_on_team, login):
    client = login(personas.municipal_coordinator)
    response = post_outreach(client, personas.patient, result="reached_follow_up")
    assert response.status_code == 302 and response["Location"] == "/outreach/?months=6"
    assert personas.patient.pk not in listed(client)
    stored = Outreach.objects.get()
    assert (stored.method, stored.result, stored.reasons, stored.by) == (
        "phone", "reached_follow_up", ["no_contact"], personas.municipal_coordinator)
    assert AuditEntry.objects.filter(action="outreach_recorded", object_id=str(stored.pk)).exists()


@pytest.mark.parametrize("result", ["reached_no_need", "declined_contact"])
def test_every_result_but_not_reached_answers_the_reasons(personas, unit_on_team, login, result):
    client = login(personas.municipal_coordinator)
    assert post_outreach(client, personas.patient, result=result).status_code == 302
    assert personas.patient.pk not in listed(client)


def test_not_reached_keeps_the_patient_on_the_list_with_the_attempt_shown(personas, unit_on_team, login, english):
    client = login(personas.municipal_coordinator)
    assert post_outreach(client, personas.patient, result="not_reached", method="letter",
                         note="Ingen svar").status_code == 302
    assert personas.patient.pk in listed(client)
    html = client.get("/outreach/").content.decode()
    assert 'data-attempt="not_reached"' in html and "Letter" in html and "Ingen svar" in html


def test_bad_input_names_the_field_and_stores_nothing(personas, unit_on_team, login, english):
    client = login(personas.municipal_coordinator)
    response = post_outreach(client, personas.patient, method="", reasons=[])
    assert response.status_code == 400
    html = response.content.decode()
    assert "How: Choose how you tried to reach the patient." in html
    assert "Reasons it answered: Choose the reasons on the list this outreach answered." in html
    assert "Snakket med pasienten" in html  # what was typed is kept
    response = post_outreach(client, personas.patient, result="maybe")
    assert response.status_code == 400 and "Result: Select a valid choice." in response.content.decode()
    assert not Outreach.objects.exists()


def test_a_double_submitted_outreach_is_stored_once(personas, unit_on_team, login):
    client = login(personas.municipal_coordinator)
    submission = str(uuid.uuid4())
    post_outreach(client, personas.patient, submission_id=submission)
    post_outreach(client, personas.patient, submission_id=submission)
    assert Outreach.objects.count() == 1


def test_only_the_coordinating_unit_or_a_contact_person_records_outreach(personas, unit_on_team, english):
    with pytest.raises(actions.OutreachError, match="Only the coordinating unit or the patient's contact person"):
        actions.record_outreach(patient=personas.patient, method="phone", result="reached_no_need",
                                reasons=["no_contact"], actor=personas.clinic_physician, now=NOW,
                                submission_id=uuid.uuid4())
    # The GP, the named contact person, may.
    actions.record_outreach(patient=personas.patient, method="phone", result="reached_no_need", reasons=["no_contact"],
                            actor=personas.gp, now=NOW, submission_id=uuid.uuid4())


# --- A fixed number of queries however long the list ----------------------------------------------------------

def patients_with_every_reason(personas, count):
    for _ in range(count):
        patient = fresh_patient(personas, since=D(2020, 1, 1))
        ended_pathway(personas, patient)
        _declined(personas, patient, at(D(2026, 11, 10)))
        measure = add_measure(patient=patient, title="Trening", organisation=personas.physio_service,
                              actor=personas.physiotherapist, now=at(D(2026, 10, 1)), submission_id=uuid.uuid4())
        update_measure(measure=measure, revision=measure.revision, status="stopped", stop_reason="Sluttet",
                       actor=personas.physiotherapist, now=at(D(2026, 11, 12)))
        outreach(personas, patient, at(D(2026, 11, 20)), result="not_reached")


def test_the_list_takes_the_same_number_of_queries_for_3_and_9_patients(personas, login, django_assert_max_num_queries):
    client = login(personas.municipal_coordinator)

    def measured(expected_rows):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/outreach/")
        rows = response.context["rows"]
        assert len(rows) == expected_rows
        assert all({r.kind for r in row.reasons} == {"declined_or_dropped_out", "pathway_ended_without_owner"}
                   and len(row.attempts) == 1 for row in rows)
        return len(queries)

    client.get("/outreach/")  # the first request of a session reads more (the session, the access-log head)
    patients_with_every_reason(personas, 3)
    few = measured(3)
    patients_with_every_reason(personas, 6)
    with django_assert_max_num_queries(few):
        assert measured(9) == few


def test_the_rules_take_a_fixed_number_of_queries(personas, django_assert_num_queries):
    patients_with_every_reason(personas, 4)
    candidates = Patient.objects.all()
    with django_assert_num_queries(1):
        listing.no_contact(candidates, months=6, today=D(2026, 11, 23))
    with django_assert_num_queries(2):
        assert len(listing.declined_or_dropped_out(candidates, today=D(2026, 11, 23))) == 4
    with django_assert_num_queries(1):
        assert len(listing.pathway_ended_without_owner(candidates, today=D(2026, 11, 23))) == 4
