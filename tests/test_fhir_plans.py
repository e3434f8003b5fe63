"""The FHIR API for the individual plan and tasks (issue 9): CarePlan, Goal and Task, driven with
fhirpy against the live server (requests where custom headers are the point), every resource
validated against the R4B models."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import requests
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import ResourceNotFound

from samforlop.accounts.models import User
from samforlop.audit.models import AccessLog
from samforlop.careplan import actions as plan_actions
from samforlop.careplan.models import Plan, PlanVersion
from samforlop.core import clock
from samforlop.fhir import auth, plans, resources
from samforlop.patients.actions import add_care_team_member, grant_consent
from samforlop.patients.models import CareTeamMember, Category
from samforlop.tasks import actions as task_actions
from samforlop.tasks.models import Task

from .conftest import new_patient, start
from .fhir_helpers import Api, access_rows, assert_valid, outcome_of, plain

D = dt.date
CS, EXT = resources.CS, resources.EXT


# --- Helpers ------------------------------------------------------------------------------------------

def add_goal(personas, text="Gå tur med hunden hver dag", patient=None, **kw):
    return plan_actions.add_goal(patient=patient or personas.patient, text=text, actor=personas.clinic_nurse,
                                 now=clock.now(), submission_id=uuid.uuid4(), **kw)


def add_measure(personas, title="Fysioterapi i gruppe", patient=None, person="physio", due_on=None, **kw):
    return plan_actions.add_measure(
        patient=patient or personas.patient, title=title, organisation=kw.pop("organisation", personas.physio_service),
        person=personas.physiotherapist if person == "physio" else person,
        due_on=due_on or clock.today() + dt.timedelta(days=30), actor=personas.clinic_nurse, now=clock.now(),
        submission_id=uuid.uuid4(), **kw)


def staff_task(patient, days=7, kind=Task.Kind.PHONE_PATIENT):
    return task_actions.create_task(patient=patient, kind=kind, source=Task.Source.CHECKIN, reason="Gul innsjekk",
                                    now=clock.now(), due_days=days)


def on_clinic_team(personas, given):
    patient = new_patient(given=given)
    add_care_team_member(patient=patient, organisation=personas.clinic, role=CareTeamMember.Role.SPECIALIST_CLINIC,
                         valid_from=D(2020, 1, 1), now=clock.now())
    return patient


def call(api_or_token, method, url, *, body=None, if_match=None):
    token = api_or_token if isinstance(api_or_token, str) else api_or_token.token()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"}
    if if_match is not None:
        headers["If-Match"] = if_match
    return requests.request(method, url, json=body, headers=headers, timeout=10)


def updater(base, token, version) -> SyncFHIRClient:
    """A fhirpy client whose updates say which version they are based on."""
    return SyncFHIRClient(f"{base}/fhir", authorization=f"Bearer {token}", extra_headers={"If-Match": f'W/"{version}"'},
                          requests_config={"timeout": 10})


def new_rows(before: int):
    return list(AccessLog.objects.order_by("pk")[before:])


# --- CarePlan ----------------------------------------------------------------------------------------------

def test_care_plan_read_vread_and_search_give_the_plan_and_its_versions(base, personas):
    goal = add_goal(personas, reached_means="Tretti minutter uten pause", needs=["physical_activity"])
    measure = add_measure(personas, goal=goal)
    second = add_goal(personas, text="Tilbake i jobb 50 %")
    plan = Plan.objects.get(patient=personas.patient)
    assert plan.version == 3
    api = Api(base, personas.clinic)
    fhir = api.fhir()

    care_plan = fhir.get("CarePlan", str(plan.pk))
    assert_valid(care_plan)
    assert care_plan["meta"]["versionId"] == "3" and care_plan["subject"]["reference"] == f"Patient/{personas.patient.pk}"
    assert [g["reference"] for g in care_plan["goal"]] == [f"Goal/{goal.pk}", f"Goal/{second.pk}"]
    assert [a["reference"]["reference"] for a in care_plan["activity"]] == [f"Task/{measure.pk}"]
    response = call(api, "GET", f"{base}/fhir/CarePlan/{plan.pk}")
    assert response.headers["ETag"] == 'W/"3"'

    # Version 1 is read back from the plan's own snapshot: only the first goal then.
    first = fhir.execute(f"CarePlan/{plan.pk}/_history/1", method="get")
    assert_valid(first)
    assert first["meta"]["versionId"] == "1" and [g["reference"] for g in first["goal"]] == [f"Goal/{goal.pk}"]
    assert "activity" not in first
    with pytest.raises(ResourceNotFound):
        fhir.execute(f"CarePlan/{plan.pk}/_history/9", method="get")

    found = fhir.resources("CarePlan").search(patient=f"Patient/{personas.patient.pk}").fetch_raw()
    assert_valid(plain(found))
    assert found["total"] == 1 and found["entry"][0]["resource"]["id"] == str(plan.pk)


def test_the_patient_agrees_to_the_plan_from_their_app_and_only_the_patient_can(base, personas):
    add_goal(personas)
    plan = Plan.objects.get(patient=personas.patient)
    me = User.objects.create(username="kari", patient=personas.patient)
    app = Client(HTTP_ACCEPT="application/fhir+json")
    app.force_login(me)
    care_plan = app.get(f"/fhir/CarePlan/{plan.pk}").json()
    assert_valid(care_plan)
    assert not any(e["url"] == f"{EXT}/careplan-patient-agreement" for e in care_plan.get("extension", []))
    agreed = {**care_plan, "extension": [{"url": f"{EXT}/careplan-patient-agreement",
                                          "extension": [{"url": "version", "valueUnsignedInt": plan.version}]}]}
    response = app.put(f"/fhir/CarePlan/{plan.pk}", agreed, content_type="application/fhir+json",
                       HTTP_IF_MATCH=f'W/"{plan.version}"')
    assert response.status_code == 200, response.content
    assert_valid(response.json())
    plan.refresh_from_db()
    assert plan.patient_agreed_version == plan.version and plan.patient_agrees_to_current
    # The clinic's system cannot agree on the patient's behalf (the page refuses it too).
    api = Api(base, personas.clinic)
    refused = call(api, "PUT", f"{base}/fhir/CarePlan/{plan.pk}", body=agreed, if_match=f'W/"{plan.version}"')
    assert refused.status_code == 403 and outcome_of(refused)["issue"][0]["code"] == "forbidden"


# --- Goal --------------------------------------------------------------------------------------------------

def test_goal_read_search_and_update_through_the_plan_pages_operation(base, personas, client):
    goal = add_goal(personas, reached_means="Tretti minutter", review_on=D(2027, 3, 1), needs=["physical_activity"])
    api = Api(base, personas.physiotherapist.organisation)
    token = api.token()
    fhir = SyncFHIRClient(f"{base}/fhir", authorization=f"Bearer {token}")
    resource = fhir.get("Goal", str(goal.pk))
    assert_valid(resource)
    assert resource["description"] == {"text": goal.text} and resource["lifecycleStatus"] == "active"
    assert resource["target"][0]["detailString"] == "Tretti minutter"
    assert resource["extension"] == [{"url": f"{EXT}/goal-review-date", "valueDate": "2027-03-01"}]
    assert resource["category"][0]["coding"][0]["code"] == "physical_activity"
    assert fhir.execute(f"Goal/{goal.pk}/_history/1", method="get")["id"] == str(goal.pk)
    found = fhir.resources("Goal").search(patient=str(personas.patient.pk)).fetch_raw()
    assert_valid(plain(found))
    assert [e["resource"]["id"] for e in found["entry"]] == [str(goal.pk)]

    # Update with If-Match, through fhirpy: the text and the status, as the goal form changes them.
    changed = {**resource, "description": {"text": "Gå tur hver dag, også i regnvær"}, "lifecycleStatus": "completed"}
    saved = updater(base, token, 1).resource("Goal", **changed)
    saved.save()
    assert_valid(plain(saved))
    assert saved["meta"]["versionId"] == "2" and saved["lifecycleStatus"] == "completed"
    goal.refresh_from_db()
    assert (goal.text, goal.status, goal.revision) == ("Gå tur hver dag, også i regnvær", "reached", 2)
    assert PlanVersion.objects.filter(plan=goal.plan, by=api.user).count() == 1  # a plan version, by the client
    client.force_login(personas.clinic_physician)
    page = client.get(f"/patients/{personas.patient.pk}/plan/").content.decode()
    assert "Gå tur hver dag, også i regnvær" in page  # the plan page shows the change

    # A stale If-Match is 412 and stores nothing; no If-Match is 428.
    versions = PlanVersion.objects.count()
    stale = call(token, "PUT", f"{base}/fhir/Goal/{goal.pk}", body={**changed, "description": {"text": "Noe annet"}},
                 if_match='W/"1"')
    assert stale.status_code == 412 and outcome_of(stale)["issue"][0]["expression"] == ["If-Match"]
    missing = call(token, "PUT", f"{base}/fhir/Goal/{goal.pk}", body=changed)
    assert missing.status_code == 428
    # What the page cannot change is 422, named; malformed is 400, named.
    for body, status, field in [
        ({**changed, "subject": {"reference": f"Patient/{uuid.uuid4()}"}}, 422, "Goal.subject"),
        ({**changed, "category": []}, 422, "Goal.category"),
        ({**changed, "lifecycleStatus": "on-hold"}, 422, "Goal.lifecycleStatus"),
        ({**changed, "description": {"text": "  "}}, 422, "Goal.description.text"),
        ({**changed, "description": "tekst"}, 400, "Goal.description"),
        ({**changed, "id": "999"}, 400, "Goal.id"),
        ({**changed, "resourceType": "CarePlan"}, 400, "Goal.resourceType"),
    ]:
        response = call(token, "PUT", f"{base}/fhir/Goal/{goal.pk}", body=body, if_match='W/"2"')
        assert response.status_code == status, (field, response.text)
        assert outcome_of(response)["issue"][0]["expression"] == [field]
    goal.refresh_from_db()
    assert goal.text == "Gå tur hver dag, også i regnvær" and goal.revision == 2
    assert PlanVersion.objects.count() == versions


# --- Task: staff tasks and measures ------------------------------------------------------------------------

def test_task_read_maps_staff_tasks_and_measures(base, personas):
    start(personas, clock.today() - dt.timedelta(days=20))
    task = staff_task(personas.patient, days=7)
    goal = add_goal(personas)
    measure = add_measure(personas, goal=goal, start_on=clock.today(), description="To ganger i uka")
    fhir = Api(base, personas.clinic).fhir()

    resource = fhir.get("Task", str(task.pk))
    assert_valid(resource)
    assert resource["status"] == "ready" and resource["intent"] == "order"
    assert resource["code"]["coding"][0] == {"system": f"{CS}/task-kind", "code": "phone_patient",
                                             "display": resource["code"]["coding"][0]["display"]}
    assert resource["owner"]["reference"] == f"Organization/{personas.clinic.pk}"
    assert resource["for"] == {"reference": f"Patient/{personas.patient.pk}"}
    assert resource["restriction"]["period"] == {"end": task.due_on.isoformat()}
    assert resource["reasonCode"]["text"] == "Gul innsjekk"

    as_task = fhir.get("Task", str(measure.pk))
    assert_valid(as_task)
    assert as_task["code"]["coding"][0]["code"] == "plan-measure" and as_task["code"]["text"] == measure.title
    assert as_task["owner"]["reference"] == f"Practitioner/{personas.physiotherapist.pk}"
    assert as_task["basedOn"] == [{"reference": f"CarePlan/{measure.plan_id}", "type": "CarePlan"}]
    assert as_task["restriction"]["period"] == {"start": measure.start_on.isoformat(), "end": measure.due_on.isoformat()}
    assert as_task["reasonReference"]["reference"] == f"Goal/{goal.pk}" and as_task["intent"] == "plan"
    assert fhir.execute(f"Task/{measure.pk}/_history/1", method="get")["id"] == str(measure.pk)
    with pytest.raises(ResourceNotFound):
        fhir.execute(f"Task/{measure.pk}/_history/2", method="get")


def test_task_search_by_owner_period_status_and_patient_pages_and_counts_only_visible(base, personas):
    start(personas, clock.today() - dt.timedelta(days=20))
    today = clock.today()
    mine = [staff_task(personas.patient, days=d) for d in (3, 10, 20)]
    others = [on_clinic_team(personas, f"P{i}") for i in range(2)]
    mine += [staff_task(p, days=15 + i) for i, p in enumerate(others)]
    late = staff_task(personas.patient, days=60)
    # A patient the clinic no longer may see: the care-team membership ended.
    hidden = on_clinic_team(personas, "Skjult")
    hidden_task = staff_task(hidden, days=5)
    member = CareTeamMember.objects.get(patient=hidden, organisation=personas.clinic)
    CareTeamMember.objects.filter(pk=member.pk).update(valid_to=today - dt.timedelta(days=1))
    measure = add_measure(personas, person=None, organisation=personas.clinic, due_on=today + dt.timedelta(days=12))
    physio_measure = add_measure(personas, due_on=today + dt.timedelta(days=12))

    api = Api(base, personas.clinic)
    fhir = api.fhir()
    window = fhir.resources("Task").search(owner=f"Organization/{personas.clinic.pk}",
                                           period__ge=today.isoformat(),
                                           period__le=(today + dt.timedelta(days=30)).isoformat()).limit(2)
    first = window.fetch_raw()
    assert_valid(plain(first))
    assert first["total"] == 6  # five staff tasks and the clinic's own measure; not the hidden patient's task
    assert len(first["entry"]) == 2 and any(link["relation"] == "next" for link in first["link"])
    everything = window.fetch_all()
    for task in everything:
        assert_valid(plain(task))
    due = [t["restriction"]["period"]["end"] for t in everything]
    assert due == sorted(due)  # by due date
    assert {t["id"] for t in everything} == {str(t.pk) for t in mine} | {str(measure.pk)}
    assert str(hidden_task.pk) not in {t["id"] for t in everything} and str(late.pk) not in {t["id"] for t in everything}

    by_person = fhir.resources("Task").search(owner=f"Practitioner/{personas.physiotherapist.pk}").fetch_raw()
    assert [e["resource"]["id"] for e in by_person["entry"]] == [str(physio_measure.pk)]
    exact = fhir.resources("Task").search(period=(today + dt.timedelta(days=3)).isoformat()).fetch_raw()
    assert [e["resource"]["id"] for e in exact["entry"]] == [str(mine[0].pk)]
    for_patient = fhir.resources("Task").search(patient=str(others[0].pk)).fetch_raw()
    assert [e["resource"]["id"] for e in for_patient["entry"]] == [str(mine[3].pk)]
    for_hidden = fhir.resources("Task").search(patient=str(hidden.pk)).fetch_raw()
    assert for_hidden["total"] == 0 and not for_hidden.get("entry")
    assert [(r.what, r.patient_id) for r in access_rows(user=api.user, outcome="denied")] == [
        ("fhir_task_search", hidden.pk)]
    task_actions.answer_task(task=mine[0], answer="Ringte", actor=personas.clinic_nurse, now=clock.now())
    completed = fhir.resources("Task").search(status="completed").fetch_raw()
    assert [e["resource"]["id"] for e in completed["entry"]] == [str(mine[0].pk)]
    assert fhir.resources("Task").search(status="ready,completed").fetch_raw()["total"] == 8


def test_completing_a_staff_task_answers_it_as_the_task_page_does(base, personas, client):
    start(personas, clock.today() - dt.timedelta(days=20))
    task = staff_task(personas.patient, days=30, kind=Task.Kind.OFFER_APPOINTMENT)
    api = Api(base, personas.clinic)
    token = api.token()
    fhir = SyncFHIRClient(f"{base}/fhir", authorization=f"Bearer {token}")
    resource = fhir.get("Task", str(task.pk))
    appointment = clock.today() + dt.timedelta(days=14)
    answer = {"type": {"coding": [{"system": f"{CS}/task-output", "code": "answer"}]}, "valueString": "Tilbudt time"}
    when = {"type": {"coding": [{"system": f"{CS}/task-output", "code": "appointment-date"}]},
            "valueDate": appointment.isoformat()}

    # An appointment task needs the date: 422 naming the output, nothing stored.
    refused = call(token, "PUT", f"{base}/fhir/Task/{task.pk}", body={**resource, "status": "completed",
                                                                       "output": [answer]}, if_match='W/"1"')
    assert refused.status_code == 422 and outcome_of(refused)["issue"][0]["expression"] == ["Task.output"]
    bad = call(token, "PUT", f"{base}/fhir/Task/{task.pk}", body={**resource, "status": "completed",
                                                                   "output": [{"valueString": "x"}]}, if_match='W/"1"')
    assert bad.status_code == 400 and outcome_of(bad)["issue"][0]["expression"] == ["Task.output"]
    other = call(token, "PUT", f"{base}/fhir/Task/{task.pk}", body={**resource, "description": "Noe annet"},
                 if_match='W/"1"')
    assert other.status_code == 422 and outcome_of(other)["issue"][0]["expression"] == ["Task.description"]
    task.refresh_from_db()
    assert task.status == "open" and task.revision == 1

    saved = updater(base, token, 1).resource("Task", **{**resource, "status": "completed", "output": [answer, when]})
    saved.save()
    assert_valid(plain(saved))
    assert saved["status"] == "completed" and saved["meta"]["versionId"] == "2"
    task.refresh_from_db()
    assert (task.status, task.answer, task.appointment_on, task.answered_by) == (
        "done", "Tilbudt time", appointment, api.user)
    # It is gone from the clinic's worklist, and a second (stale) answer is 412.
    client.force_login(personas.clinic_physician)
    assert str(task.pk) not in client.get("/worklist/").content.decode()
    stale = call(token, "PUT", f"{base}/fhir/Task/{task.pk}", body={**resource, "status": "completed",
                                                                     "output": [answer, when]}, if_match='W/"1"')
    assert stale.status_code == 412 and outcome_of(stale)["issue"][0]["code"] == "conflict"


def test_a_measures_status_and_dates_change_as_on_the_plan_page(base, personas, client):
    measure = add_measure(personas)
    api = Api(base, personas.physio_service)
    token = api.token()
    resource = SyncFHIRClient(f"{base}/fhir", authorization=f"Bearer {token}").get("Task", str(measure.pk))
    new_due = measure.due_on + dt.timedelta(days=10)
    stopped = {**resource, "status": "cancelled", "restriction": {"period": {"end": new_due.isoformat()}}}
    no_reason = call(token, "PUT", f"{base}/fhir/Task/{measure.pk}", body=stopped, if_match='W/"1"')
    assert no_reason.status_code == 422 and outcome_of(no_reason)["issue"][0]["expression"] == ["Task.statusReason"]
    response = call(token, "PUT", f"{base}/fhir/Task/{measure.pk}", body={**stopped, "statusReason": {"text": "Flyttet"}},
                    if_match='W/"1"')
    assert response.status_code == 200 and response.headers["ETag"] == 'W/"2"'
    assert_valid(response.json())
    measure.refresh_from_db()
    assert (measure.status, measure.stop_reason, measure.due_on, measure.revision) == ("stopped", "Flyttet", new_due, 2)
    client.force_login(personas.clinic_physician)
    page = client.get(f"/patients/{personas.patient.pk}/plan/", HTTP_ACCEPT_LANGUAGE="en")
    row = page.content.decode().split(f'data-measure="{measure.pk}"')[1].split("</tr>")[0]
    assert "Flyttet" in row  # the plan page shows the change
    stale = call(token, "PUT", f"{base}/fhir/Task/{measure.pk}", body={**resource, "status": "completed"},
                 if_match='W/"1"')
    assert stale.status_code == 412
    measure.refresh_from_db()
    assert measure.status == "stopped" and measure.revision == 2


# --- The guard ----------------------------------------------------------------------------------------------

def test_another_organisation_gets_404_on_plan_goal_and_tasks_and_sees_nothing_in_searches(base, personas):
    start(personas, clock.today() - dt.timedelta(days=20))
    goal = add_goal(personas)
    measure = add_measure(personas)
    task = staff_task(personas.patient)
    plan = Plan.objects.get(patient=personas.patient)
    other = Api(base, personas.other_clinic)
    fhir = other.fhir()
    for resource_type, pk in [("CarePlan", plan.pk), ("Goal", goal.pk), ("Task", measure.pk), ("Task", task.pk)]:
        with pytest.raises(ResourceNotFound):
            fhir.get(resource_type, str(pk))
    hidden = call(other, "GET", f"{base}/fhir/Task/{task.pk}")
    missing = call(other, "GET", f"{base}/fhir/Task/{uuid.uuid4()}")
    assert hidden.status_code == missing.status_code == 404 and outcome_of(hidden) == outcome_of(missing)
    update = call(other, "PUT", f"{base}/fhir/Goal/{goal.pk}", body={"resourceType": "Goal", "id": str(goal.pk)},
                  if_match='W/"1"')
    assert update.status_code == 404
    for resource_type in ("CarePlan", "Goal", "Task"):
        bundle = fhir.resources(resource_type).fetch_raw()
        assert bundle["total"] == 0 and not bundle.get("entry")
    assert {r.outcome for r in access_rows(user=other.user)} == {"denied"}
    # The GP sees the plan but not the clinic's staff tasks (as on the pages: the worklist is the clinic's).
    gp = Api(base, personas.gp_office).fhir()
    assert gp.get("Task", str(measure.pk))["id"] == str(measure.pk)
    with pytest.raises(ResourceNotFound):
        gp.get("Task", str(task.pk))
    assert gp.resources("Task").fetch_raw()["total"] == 1


def test_nav_sees_the_plan_only_with_consent(base, personas):
    goal = add_goal(personas)
    measure = add_measure(personas)
    plan = Plan.objects.get(patient=personas.patient)
    me = User.objects.create(username="kari", patient=personas.patient)
    add_care_team_member(patient=personas.patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                         person=personas.nav_officer, valid_from=D(2020, 1, 1), now=clock.now())
    fhir = Api(base, personas.nav_office, name="NAV Modia").fhir()
    with pytest.raises(ResourceNotFound):
        fhir.get("CarePlan", str(plan.pk))
    for resource_type in ("CarePlan", "Goal", "Task"):
        assert fhir.resources(resource_type).fetch_raw()["total"] == 0
    grant_consent(patient=personas.patient, categories=[Category.CHECKINS], valid_from=clock.today(),
                  organisation=personas.nav_office, actor=me, now=clock.now())
    with pytest.raises(ResourceNotFound):  # another category does not open the plan
        fhir.get("Goal", str(goal.pk))
    grant_consent(patient=personas.patient, categories=[Category.PLAN_AND_MEETINGS], valid_from=clock.today(),
                  organisation=personas.nav_office, actor=me, now=clock.now())
    care_plan = fhir.get("CarePlan", str(plan.pk))
    assert_valid(care_plan)
    assert [g["reference"] for g in care_plan["goal"]] == [f"Goal/{goal.pk}"]
    assert fhir.resources("Task").fetch_raw()["entry"][0]["resource"]["id"] == str(measure.pk)


def test_the_patients_app_reads_the_plan_but_changes_goals_and_measures_only_through_the_care_team(personas):
    goal = add_goal(personas)
    measure = add_measure(personas)
    me = User.objects.create(username="kari", patient=personas.patient)
    app = Client(HTTP_ACCEPT="application/fhir+json")
    app.force_login(me)
    resource = app.get(f"/fhir/Goal/{goal.pk}").json()
    assert_valid(resource)
    assert app.get(f"/fhir/Task/{measure.pk}").status_code == 200
    refused = app.put(f"/fhir/Goal/{goal.pk}", {**resource, "lifecycleStatus": "completed"},
                      content_type="application/fhir+json", HTTP_IF_MATCH='W/"1"')
    assert refused.status_code == 403
    goal.refresh_from_db()
    assert goal.status == "active"
    other = new_patient(given="Nabo")
    other_goal = add_goal(personas, patient=other)
    assert app.get(f"/fhir/Goal/{other_goal.pk}").status_code == 404


def test_every_read_writes_one_access_log_row(base, personas):
    start(personas, clock.today() - dt.timedelta(days=20))
    goal = add_goal(personas)
    add_goal(personas, text="Sove bedre")
    measure = add_measure(personas, organisation=personas.clinic, person=None)
    add_measure(personas, organisation=personas.clinic, person=None, title="Smerteskole")
    task = staff_task(personas.patient)
    plan = Plan.objects.get(patient=personas.patient)
    api = Api(base, personas.clinic)
    fhir = api.fhir()
    reads = {
        "fhir_care_plan": lambda: fhir.get("CarePlan", str(plan.pk)),
        "fhir_goal": lambda: fhir.get("Goal", str(goal.pk)),
        "fhir_task": lambda: fhir.get("Task", str(task.pk)),
        "fhir_care_plan_search": lambda: fhir.resources("CarePlan").fetch_raw(),
        "fhir_goal_search": lambda: fhir.resources("Goal").fetch_raw(),  # two goals, one patient: one row
        "fhir_task_search": lambda: fhir.resources("Task").fetch_raw(),
    }
    for what, read in reads.items():
        before = AccessLog.objects.count()
        read()
        rows = new_rows(before)
        assert [(r.what, r.patient_id, r.user_id, r.outcome) for r in rows] == [
            (what, personas.patient.pk, api.user.pk, "granted")]
    before = AccessLog.objects.count()
    fhir.execute(f"Task/{measure.pk}/_history/1", method="get")
    assert len(new_rows(before)) == 1


def test_a_malformed_task_search_is_400_naming_the_field_and_logs_nothing(base, personas):
    api = Api(base, personas.clinic)
    token = api.token()
    before = AccessLog.objects.count()
    for query, field in [("period=2026-13-01", "period"), ("period=ne2026-01-01", "period"),
                         ("period=ge2026-01-01,2026-02-01", "period"), ("owner=Patient/x", "owner"),
                         (f"owner=Practitioner/{uuid.uuid4()}", "owner"), ("status=open", "status"),
                         ("status=ready&status=completed", "status"), ("subject=x", "subject"), ("_count=x", "_count")]:
        response = call(token, "GET", f"{base}/fhir/Task?{query}")
        assert response.status_code == 400, (query, response.text)
        assert outcome_of(response)["issue"][0]["expression"] == [field]
    assert AccessLog.objects.count() == before


# --- Speed: constant queries, and the index ------------------------------------------------------------

def test_a_task_search_page_takes_the_same_number_of_queries_for_many_results(personas):
    start(personas, clock.today() - dt.timedelta(days=20))
    api_client = Api("http://testserver", personas.clinic).client
    token, _seconds = auth.issue_token(api_client, now=clock.now())
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def queries_for_search() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/fhir/Task", {"_count": "50"})
        assert response.status_code == 200
        assert_valid(response.json())
        return len(captured)

    staff_task(personas.patient)
    add_measure(personas, organisation=personas.clinic, person=None)
    few = queries_for_search()
    for i in range(6):
        patient = on_clinic_team(personas, f"Mange{i}")
        staff_task(patient, days=i + 1)
        staff_task(patient, days=i + 2)
        add_measure(personas, patient=patient, organisation=personas.clinic, person=None)
    assert client.get("/fhir/Task").json()["total"] == 2 + 18
    assert queries_for_search() == few


def test_the_task_search_by_owner_and_due_date_uses_the_index(personas):
    """The hot queries (a clinic's tasks in a due-date window: the total, and the first page) are
    served by the (organisation, due_on, id, patient) index on both databases, the page without
    a sort."""
    start(personas, clock.today() - dt.timedelta(days=20))
    for days in range(1, 30):
        staff_task(personas.patient, days=days)
    for plan in plans.task_search_query_plans(personas.clinic, personas.clinic_physician, clock.now(),
                                              clock.today(), clock.today() + dt.timedelta(days=20)):
        assert "task_owner_due" in plan, plan
        assert "tasks_task_patient_id" not in plan, plan  # not driven from the patient index
        if connection.vendor == "sqlite":
            assert "TEMP B-TREE" not in plan, plan
