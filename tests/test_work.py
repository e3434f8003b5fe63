"""Work-oriented follow-up (issue 10, part 1): the work situation kept up to date from the
assessment, check-ins, the care team and the patient; the return-to-work coordinator and their
tasks; agreed workplace measures; and who may see the work section."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.test import Client

from samforlop.accounts.models import User
from samforlop.audit.models import AccessLog, AuditEntry
from samforlop.checkins.models import CheckIn
from samforlop.messaging.models import Message
from samforlop.patients.actions import add_care_team_member, grant_consent, withdraw_consent
from samforlop.patients.models import CareTeamMember
from samforlop.tasks.models import Task
from samforlop.work import actions
from samforlop.work.models import ReturnToWorkFollowUp, WorkplaceAgreement, WorkSituation
from tests.conftest import start

D = dt.date
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
TODAY = D(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield



@pytest.fixture
def nav_on_team(personas):
    return add_care_team_member(patient=personas.patient, organisation=personas.nav_office,
                                role=CareTeamMember.Role.NAV, person=personas.nav_officer, is_contact_person=True,
                                valid_from=D(2026, 1, 1), now=NOW)


def share_with_nav(personas, me, *categories):
    return grant_consent(patient=personas.patient, categories=list(categories) or ["work"],
                         valid_from=D(2026, 11, 1), organisation=personas.nav_office, actor=me, now=NOW)


def client_for(user):
    client = Client()
    client.cookies["django_language"] = "en"  # the tests read messages in English
    client.force_login(user)
    return client


def work_url(personas, what=""):
    return f"/patients/{personas.patient.pk}/work/" + (f"{what}/" if what else "")


def sid():
    return str(uuid.uuid4())


# --- Who sees the work section -----------------------------------------------------------------

def test_nav_sees_the_work_section_only_with_consent_to_share_work(personas, me, nav_on_team):
    actions.record_work_situation(patient=personas.patient, status="sick_leave", sick_leave_percent=40,
                                  note="Jobber formiddager", source="coordinator", actor=personas.gp, now=NOW)
    nav = client_for(personas.nav_officer)
    response = nav.get(work_url(personas))
    assert response.status_code == 404 and "Jobber formiddager" not in response.content.decode()
    assert AccessLog.objects.filter(user=personas.nav_officer, what="work", outcome="denied",
                                    patient=personas.patient).count() == 1
    share_with_nav(personas, me, "plan_and_meetings")  # another category opens nothing here
    assert nav.get(work_url(personas)).status_code == 404

    [consent] = share_with_nav(personas, me, "work")
    page = nav.get(work_url(personas))
    assert page.status_code == 200
    assert 'data-work-situation="sick_leave"' in page.content.decode() and "Jobber formiddager" in page.content.decode()
    assert AccessLog.objects.filter(user=personas.nav_officer, what="work", outcome="granted").count() == 1

    withdraw_consent(consent=consent, actor=me, now=NOW)
    response = nav.get(work_url(personas))
    assert response.status_code == 404 and "Jobber formiddager" not in response.content.decode()
    assert nav.post(work_url(personas, "situation"), {"submission_id": sid(), "status": "employed"}).status_code == 404
    assert WorkSituation.objects.count() == 1


def test_health_personnel_on_the_care_team_see_the_work_section_and_others_do_not(personas, me):
    assert client_for(personas.gp).get(work_url(personas)).status_code == 200
    assert client_for(personas.physiotherapist).get(work_url(personas)).status_code == 200
    assert client_for(personas.outsider).get(work_url(personas)).status_code == 404
    assert client_for(personas.municipal_coordinator).get(work_url(personas)).status_code == 404
    assert client_for(me).get(work_url(personas)).status_code == 302  # the patient has their own page
    assert client_for(me).get("/my/work/").status_code == 200


def test_the_work_page_takes_the_same_number_of_queries_however_much_is_on_it(
        personas, me, nav_on_team, django_assert_max_num_queries):
    share_with_nav(personas, me)
    gp = client_for(personas.gp)

    def fill(n):
        for i in range(n):
            actions.record_work_situation(patient=personas.patient, status="sick_leave", sick_leave_percent=10 + i,
                                          source="coordinator", actor=personas.gp, now=NOW + dt.timedelta(minutes=i))
            actions.record_workplace_agreement(patient=personas.patient, agreed_on=TODAY, employer_name=f"Firma {i}",
                                               adjustments=["flexible_hours"], actor=personas.gp, now=NOW,
                                               submission_id=uuid.uuid4())
            actions.draft_employer_letter(patient=personas.patient, actor=personas.gp, now=NOW,
                                          submission_id=uuid.uuid4())
        actions.name_return_to_work_coordinator(patient=personas.patient, organisation=personas.nav_office,
                                                person=personas.nav_officer, every_weeks=2 + n, actor=personas.gp,
                                                now=NOW)
        for i in range(n):
            actions.assign_return_to_work_task(patient=personas.patient, kind="follow_up_work", reason=f"Ring {i}",
                                               actor=personas.gp, now=NOW, submission_id=uuid.uuid4())

    fill(1)
    with django_assert_max_num_queries(30) as few:
        assert gp.get(work_url(personas)).status_code == 200
    fill(4)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert gp.get(work_url(personas)).status_code == 200


# --- The work situation ------------------------------------------------------------------------

def test_the_care_team_records_the_work_situation_and_a_double_submit_stores_one_row(personas):
    gp = client_for(personas.gp)
    data = {"submission_id": sid(), "status": "sick_leave", "sick_leave_percent": "50", "valid_from": "2026-11-01",
            "valid_to": "2026-12-31", "note": "Gradert"}
    assert gp.post(work_url(personas, "situation"), data).status_code == 302
    assert gp.post(work_url(personas, "situation"), data).status_code == 302
    situation = WorkSituation.objects.get()
    assert (situation.status, situation.sick_leave_percent, situation.valid_from, situation.valid_to,
            situation.source, situation.recorded_by) == ("sick_leave", 50, D(2026, 11, 1), D(2026, 12, 31),
                                                         "coordinator", personas.gp)
    assert AuditEntry.objects.filter(action="work_situation_recorded").count() == 1
    page = gp.get(work_url(personas)).content.decode()
    assert 'data-work-situation="sick_leave"' in page and "50 %" in page


@pytest.mark.parametrize("data, field, message", [
    ({"status": "sick_leave"}, "Sick leave (%), for sick leave", "Give the sick-leave percentage (1–100)."),
    ({"status": "sick_leave", "sick_leave_percent": "0"}, "Sick leave (%), for sick leave",
     "Sick leave is a percentage from 1 to 100."),
    ({"status": "sick_leave", "sick_leave_percent": "101"}, "Sick leave (%), for sick leave",
     "Sick leave is a percentage from 1 to 100."),
    ({"status": "employed", "valid_from": "2026-11-10", "valid_to": "2026-11-01"}, "To (if known)",
     "The end date is before the start date."),
])
def test_bad_work_situations_name_the_field_and_store_nothing(personas, me, data, field, message):
    for client, url in ((client_for(personas.gp), work_url(personas, "situation")), (client_for(me), "/my/work/")):
        response = client.post(url, {"submission_id": sid(), "action": "situation", **data})
        assert response.status_code == 400
        assert f"{field}: {message}" in response.content.decode()
    assert not WorkSituation.objects.exists()


def test_a_percentage_belongs_to_sick_leave_only(personas):
    situation = actions.record_work_situation(patient=personas.patient, status="employed", sick_leave_percent=50,
                                              source="coordinator", actor=personas.gp, now=NOW)
    assert situation.sick_leave_percent is None


def test_the_patient_updates_their_own_work_situation(personas, me):
    client = client_for(me)
    page = client.get("/my/work/").content.decode()
    assert "No work situation recorded yet." in page
    response = client.post("/my/work/", {"action": "situation", "submission_id": sid(), "status": "student"})
    assert response.status_code == 302
    situation = WorkSituation.objects.get()
    assert (situation.status, situation.source, situation.recorded_by) == ("student", "patient", me)
    assert 'data-work-situation="student"' in client.get("/my/work/").content.decode()
    # Only for oneself: a patient's operation for someone else is refused.
    with pytest.raises(actions.WorkError):
        actions.record_work_situation(patient=personas.patient, status="employed", source="patient",
                                      actor=personas.gp, now=NOW)


def _assessment_started(personas):
    pathway = start(personas, D(2026, 10, 1), now=NOW)
    url = f"/pathways/{pathway.pk}/assessment/"
    client = client_for(personas.clinic_nurse)
    assert client.post(url, {"action": "start", "date": "2026-11-20", "submission_id": sid()}).status_code == 302
    return client, url


def test_the_work_situation_is_recorded_from_the_assessment(personas):
    nurse, url = _assessment_started(personas)
    entry = {"section": "work_and_economy", "text": "Sykmeldt halvt", "employment": "sick_leave",
             "sick_leave_percent": "50", "nav_contact": "yes", "financial_strain": "some"}
    assert nurse.post(url, {**entry, "submission_id": sid()}).status_code == 302
    situation = WorkSituation.objects.get()
    assert (situation.status, situation.sick_leave_percent, situation.source) == ("sick_leave", 50, "assessment")
    assert situation.assessment_entry.text == "Sykmeldt halvt"
    # The same situation written again: nothing new.
    assert nurse.post(url, {**entry, "text": "Fortsatt halvt", "submission_id": sid()}).status_code == 302
    assert WorkSituation.objects.count() == 1
    # Another situation: a new current one.
    assert nurse.post(url, {**entry, "employment": "employed", "sick_leave_percent": "",
                            "submission_id": sid()}).status_code == 302
    assert actions.current_situation(personas.patient).status == "employed"
    assert WorkSituation.objects.count() == 2
    # An entry in another section records nothing.
    nurse.post(url, {"section": "social", "text": "Bor alene", "employment": "student", "submission_id": sid()})
    assert WorkSituation.objects.count() == 2


def test_sick_leave_without_a_percentage_in_the_assessment_is_refused_and_nothing_is_stored(personas):
    from samforlop.assessments.models import AssessmentEntry

    nurse, url = _assessment_started(personas)
    response = nurse.post(url, {"section": "work_and_economy", "text": "Sykmeldt", "employment": "sick_leave",
                                "submission_id": sid()})
    assert response.status_code == 400
    assert "Sick leave (%): Give the sick-leave percentage (1–100)." in response.content.decode()
    assert not AssessmentEntry.objects.exists() and not WorkSituation.objects.exists()


def _work_checkin(client, **work):
    return client.post("/my/checkins/work_ability/", {"submission_id": sid(), "work_ability_now": "5", **work})


def test_the_work_ability_check_in_asks_whether_the_work_situation_has_changed(personas, me):
    actions.record_work_situation(patient=personas.patient, status="sick_leave", sick_leave_percent=50,
                                  valid_from=D(2026, 11, 1), note="Fra NAV", source="coordinator",
                                  actor=personas.gp, now=NOW - dt.timedelta(days=1))
    client = client_for(me)
    page = client.get("/my/checkins/work_ability/").content.decode()
    assert "Has your work situation changed?" in page
    # Each question once (the item work_ability_now is not one of the work-situation fields).
    assert page.count('name="work_ability_now" value="0"') == 1
    assert '<option value="sick_leave" selected>' in page and 'value="50"' in page and 'value="2026-11-01"' in page
    # Sent as prefilled: the same situation, nothing new.
    assert _work_checkin(client, work_status="sick_leave", work_sick_leave_percent="50",
                         work_valid_from="2026-11-01").status_code == 302
    assert CheckIn.objects.count() == 1 and WorkSituation.objects.count() == 1
    # Changed: recorded with the check-in.
    first = CheckIn.objects.get()
    assert _work_checkin(client, work_status="sick_leave", work_sick_leave_percent="20",
                         work_valid_from="2026-11-20").status_code == 302
    situation = actions.current_situation(personas.patient)
    assert (situation.sick_leave_percent, situation.source, situation.recorded_by) == (20, "checkin", me)
    assert situation.checkin == CheckIn.objects.exclude(pk=first.pk).get()
    assert WorkSituation.objects.count() == 2
    # Other check-ins do not ask, and a check-in without the work fields changes nothing.
    assert "Has your work situation changed?" not in client.get("/my/checkins/pain_intensity/").content.decode()
    assert _work_checkin(client).status_code == 302
    assert WorkSituation.objects.count() == 2


def test_a_bad_work_situation_in_a_check_in_stores_neither(personas, me):
    response = _work_checkin(client_for(me), work_status="sick_leave", work_sick_leave_percent="")
    assert response.status_code == 400
    assert "Sick leave (%), for sick leave: Give the sick-leave percentage (1–100)." in response.content.decode()
    assert not CheckIn.objects.exists() and not WorkSituation.objects.exists()


# --- The return-to-work coordinator ------------------------------------------------------------

def _selected(page, value) -> bool:
    return f'<option value="{value}" selected>' in page


def test_the_coordinator_defaults_to_nav_when_the_patient_shares_work_with_nav(personas, me, nav_on_team):
    gp = client_for(personas.gp)
    page = gp.get(work_url(personas)).content.decode()
    assert not _selected(page, personas.nav_office.pk)  # NAV on the team, but no consent to share work
    share_with_nav(personas, me, "work")
    page = gp.get(work_url(personas)).content.decode()
    assert _selected(page, personas.nav_office.pk) and _selected(page, personas.nav_officer.pk)
    assert _selected(page, 4)  # the default interval from rules.toml


def test_any_service_can_be_named_and_one_holds_the_role_at_a_time(personas, me, nav_on_team):
    gp = client_for(personas.gp)
    response = gp.post(work_url(personas, "coordinator"), {
        "submission_id": sid(), "organisation": personas.physio_service.pk, "person": personas.physiotherapist.pk,
        "every_weeks": "2", "note": "Ser pasienten på trening"})
    assert response.status_code == 302
    physio = actions.current_coordinator(personas.patient, TODAY)
    assert (physio.organisation, physio.person, physio.role) == (
        personas.physio_service, personas.physiotherapist, CareTeamMember.Role.PHYSIOTHERAPIST)
    assert actions.follow_up_weeks(personas.patient, TODAY) == 2
    assert Message.objects.filter(recipient_user=personas.physiotherapist, kind="return_to_work_coordinator").exists()
    assert Message.objects.filter(recipient_patient=personas.patient, kind="return_to_work_coordinator").exists()

    with time_machine.travel(NOW + dt.timedelta(days=7), tick=False):
        assert client_for(personas.gp).post(work_url(personas, "coordinator"), {
            "submission_id": sid(), "organisation": personas.nav_office.pk, "person": personas.nav_officer.pk,
            "every_weeks": "4"}).status_code == 302
    holders = CareTeamMember.objects.filter(patient=personas.patient, is_return_to_work_coordinator=True)
    assert holders.filter(valid_to__isnull=True).get().organisation == personas.nav_office
    physio.refresh_from_db()
    assert physio.valid_to == D(2026, 11, 29)  # held until the day before NAV took over
    assert actions.current_coordinator(personas.patient, D(2026, 11, 30)).organisation == personas.nav_office
    assert AuditEntry.objects.filter(action="return_to_work_coordinator_named").count() == 2
    assert AuditEntry.objects.filter(action="return_to_work_coordinator_ended").count() == 1
    page = gp.get(work_url(personas)).content.decode()  # NOW: still the physiotherapist's week
    assert f'data-coordinator="{personas.physio_service.pk}"' in page


def test_changing_only_how_often_keeps_the_coordinator(personas):
    first = actions.name_return_to_work_coordinator(patient=personas.patient, organisation=personas.gp_office,
                                                    person=personas.gp, every_weeks=4, actor=personas.gp, now=NOW)
    again = actions.name_return_to_work_coordinator(patient=personas.patient, organisation=personas.gp_office,
                                                    person=personas.gp, every_weeks=4, actor=personas.gp, now=NOW)
    assert again == first  # nothing changed
    later = actions.name_return_to_work_coordinator(patient=personas.patient, organisation=personas.gp_office,
                                                    person=personas.gp, every_weeks=8, note="Oftere ved oppbluss",
                                                    actor=personas.gp, now=NOW)
    assert later.coordinator == first.coordinator and ReturnToWorkFollowUp.objects.count() == 2
    assert CareTeamMember.objects.filter(is_return_to_work_coordinator=True).count() == 1
    assert actions.follow_up_weeks(personas.patient, TODAY) == 8


@pytest.mark.parametrize("who, field, message", [
    ("outsider_org", "Service", "Select a valid choice."),
    ("wrong_person", "Person", "The person does not work in this organisation."),
])
def test_the_coordinator_works_in_a_service_on_the_care_team(personas, who, field, message):
    data = {"submission_id": sid(), "every_weeks": "4"}
    if who == "outsider_org":
        data.update(organisation=personas.other_clinic.pk, person=personas.outsider.pk)
    else:
        data.update(organisation=personas.physio_service.pk, person=personas.gp.pk)
    response = client_for(personas.gp).post(work_url(personas, "coordinator"), data)
    assert response.status_code == 400 and field in response.content.decode()
    assert message in response.content.decode()
    assert not CareTeamMember.objects.filter(is_return_to_work_coordinator=True).exists()
    with pytest.raises(actions.WorkError) as refused:
        actions.name_return_to_work_coordinator(patient=personas.patient, organisation=personas.other_clinic,
                                                person=personas.outsider, every_weeks=4, actor=personas.gp, now=NOW)
    assert "organisation" in refused.value.message_dict


# --- The coordinator's tasks and agreed workplace measures -------------------------------------

def test_coordinator_tasks_land_on_the_coordinators_worklist_with_the_chosen_due_date(personas, me, nav_on_team):
    share_with_nav(personas, me, "work")
    actions.name_return_to_work_coordinator(patient=personas.patient, organisation=personas.nav_office,
                                            person=personas.nav_officer, every_weeks=3, actor=personas.gp, now=NOW)
    physician = client_for(personas.clinic_physician)
    page = physician.get(work_url(personas)).content.decode()
    assert 'value="2026-12-14"' in page  # the default due date: today + the patient's interval (3 weeks)
    data = {"submission_id": sid(), "kind": "agree_workplace_measures", "reason": "Møte med arbeidsgiver",
            "due_on": "2026-12-04"}
    assert physician.post(work_url(personas, "task"), data).status_code == 302
    assert physician.post(work_url(personas, "task"), data).status_code == 302  # a double submit
    task = Task.objects.get()
    assert (task.organisation, task.person, task.kind, task.source, task.due_on) == (
        personas.nav_office, personas.nav_officer, "agree_workplace_measures", "return_to_work", D(2026, 12, 4))
    assert Message.objects.filter(recipient_user=personas.nav_officer, kind="return_to_work_task").count() == 1
    worklist = client_for(personas.nav_officer).get("/worklist/").content.decode()
    assert 'data-task="agree_workplace_measures"' in worklist and 'datetime="2026-12-04"' in worklist
    assert 'data-task="agree_workplace_measures"' not in client_for(personas.clinic_nurse).get("/worklist/").content.decode()
    page = physician.get(work_url(personas)).content.decode()
    assert 'data-task="agree_workplace_measures" data-status="open"' in page and "Møte med arbeidsgiver" in page
    # Without a due date: one interval from today.
    task = actions.assign_return_to_work_task(patient=personas.patient, kind="follow_up_work", reason="Ring",
                                              actor=personas.gp, now=NOW)
    assert task.due_on == D(2026, 12, 14)


def test_a_task_needs_a_coordinator_and_a_coordinator_kind(personas):
    gp = client_for(personas.gp)
    response = gp.post(work_url(personas, "task"), {"submission_id": sid(), "kind": "follow_up_work",
                                                      "reason": "Ring", "due_on": "2026-12-01"})
    assert response.status_code == 400 and "Name a return-to-work coordinator first." in response.content.decode()
    actions.name_return_to_work_coordinator(patient=personas.patient, organisation=personas.gp_office,
                                            person=personas.gp, every_weeks=4, actor=personas.gp, now=NOW)
    with pytest.raises(actions.WorkError) as refused:
        actions.assign_return_to_work_task(patient=personas.patient, kind="phone_patient", reason="x",
                                           actor=personas.gp, now=NOW)
    assert "kind" in refused.value.message_dict
    response = gp.post(work_url(personas, "task"), {"submission_id": sid(), "kind": "adjust_work", "reason": "Ring",
                                                      "due_on": "2026-11-01"})
    assert response.status_code == 400 and "The due date has passed." in response.content.decode()
    assert not Task.objects.exists()


def test_agreed_workplace_measures_are_recorded_once_and_shown(personas, me):
    gp = client_for(personas.gp)
    data = {"submission_id": sid(), "agreed_on": "2026-11-20", "employer_name": "Bergen Regnskap AS",
            "employer_contact": "Hanne Moe", "adjustments": ["flexible_hours", "home_office_bad_days"],
            "other_adjustments": "Ingen kveldsvakter", "review_on": "2027-01-15"}
    assert gp.post(work_url(personas, "agreement"), data).status_code == 302
    assert gp.post(work_url(personas, "agreement"), data).status_code == 302
    agreement = WorkplaceAgreement.objects.get()
    assert agreement.adjustments == ["flexible_hours", "home_office_bad_days"] and agreement.recorded_by == personas.gp
    for page in (gp.get(work_url(personas)), client_for(me).get("/my/work/")):
        html = page.content.decode()
        assert "Bergen Regnskap AS" in html and "Flexible working hours" in html and "Home office on bad days" in html


@pytest.mark.parametrize("change, field, message", [
    ({"employer_name": ""}, "Employer", "This field is required."),
    ({"adjustments": [], "other_adjustments": ""}, "Adjustments agreed",
     "Choose at least one adjustment, or describe what was agreed."),
    ({"review_on": "2026-11-01"}, "Review on", "The review date is before the date it was agreed."),
    ({"agreed_on": "2026-12-01"}, "Agreed on", "The date is in the future."),
])
def test_a_bad_agreement_names_the_field_and_stores_nothing(personas, change, field, message):
    data = {"submission_id": sid(), "agreed_on": "2026-11-20", "employer_name": "Firma",
            "adjustments": ["extra_breaks"], "review_on": "2027-01-15", **change}
    response = client_for(personas.gp).post(work_url(personas, "agreement"), data)
    assert response.status_code == 400 and f"{field}: {message}" in response.content.decode()
    assert not WorkplaceAgreement.objects.exists()


# --- Rules as data -----------------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    (lambda d: d["follow_up"].update(default_every_weeks=5), "default_every_weeks must be one of"),
    (lambda d: d["follow_up"].update(every_weeks_choices=[4, 2]), "rising order"),
    (lambda d: d["adjustments"][1].update(key="flexible_hours"), r"\[\[adjustments\]\]: the keys must be unique"),
    (lambda d: d["schemes"][0].pop("explanation"), r"\[\[schemes\]\]\[0\]: needs a text in both languages"),
    (lambda d: d.pop("letter"), r"the table \[letter\] is missing"),
])
def test_mistakes_in_the_rules_are_named(change, message):
    import tomllib

    from samforlop.work.rules import PATH, RulesError, parse

    data = tomllib.loads(PATH.read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(RulesError, match=message):
        parse(data, "rules.toml")


# --- The demo ----------------------------------------------------------------------------------

def test_the_work_demo_gives_pasient4_a_coordinator_an_agreement_a_task_and_a_letter_to_approve(db):
    from samforlop.demo.world import build_world
    from samforlop.work.demo import build_demo
    from samforlop.work.models import EmployerLetter

    world = build_world(patients=15, seed=3, now=NOW)
    build_demo(world, TODAY, NOW)
    build_demo(world, TODAY, NOW)  # a second run adds nothing
    patient = User.objects.get(username="pasient4").patient
    nav, officer = world.organisations["nav"], world.staff["nav.veileder"]
    coordinator = actions.current_coordinator(patient, TODAY)
    assert (coordinator.organisation, coordinator.person) == (nav, officer)
    situation = actions.current_situation(patient)
    assert (situation.status, situation.sick_leave_percent) == ("sick_leave", 50)
    assert WorkplaceAgreement.objects.filter(patient=patient).count() == 1
    task = Task.objects.get(patient=patient, source="return_to_work")
    assert (task.organisation, task.person, task.status) == (nav, officer, "open")
    letter = EmployerLetter.objects.get(patient=patient)
    assert (letter.status, letter.include_diagnosis, letter.nav_contact_name) == ("draft", False, "Siri Pedersen")
    assert client_for(officer).get(f"/patients/{patient.pk}/work/").status_code == 200
