"""FHIR API (issue 9): referrals (ServiceRequest), questionnaires and check-ins (QuestionnaireResponse),
driven by fhirpy against the live server; every resource returned is validated against R4B."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import pytest
import requests
from django.conf import settings
from django.test import Client
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import AuthorizationError, ForbiddenError, OperationOutcome, ResourceNotFound

from samforlop.accounts.models import User
from samforlop.audit.models import AccessLog, AuditEntry
from samforlop.checkins.actions import schedule_checkins
from samforlop.checkins.models import CheckIn
from samforlop.core import clock
from samforlop.fhir import intake, resources
from samforlop.patients.actions import add_care_team_member, grant_consent
from samforlop.patients.models import CareTeamMember, Category
from samforlop.referrals.models import Referral
from samforlop.tasks.models import Task

from .conftest import new_patient
from .fhir_helpers import Api, access_rows, assert_valid, outcome_of, plain

D = dt.date
EXT = resources.EXT
PAIN = intake.questionnaire_url("pain_intensity")


def ext(resource: dict, name: str) -> list[dict]:
    return [e for e in resource.get("extension", []) if e["url"] == f"{EXT}/{name}"]


def parts(extension: dict) -> dict:
    return {p["url"]: next(v for k, v in p.items() if k.startswith("value")) if "extension" not in p
            else {q["url"]: q["valueString"] for q in p["extension"]} for p in extension["extension"]}


# --- Referrals -------------------------------------------------------------------------------------

@pytest.fixture
def gp_patient(personas):
    """On the GP office's care team (and the physiotherapist's), at no clinic yet."""
    patient = new_patient(gp=personas.gp, given="Per", family="Henvist")
    for org, role in [(personas.gp_office, CareTeamMember.Role.GP),
                      (personas.physio_service, CareTeamMember.Role.PHYSIOTHERAPIST)]:
        add_care_team_member(patient=patient, organisation=org, role=role, valid_from=D(2025, 1, 1), now=clock.now())
    return patient


ANSWERS = {
    "pain_duration_months": {"valueQuantity": {"value": 18, "unit": "months", "system": resources.UCUM, "code": "mo"}},
    "pain_location": {"valueString": "Korsrygg og nakke"},
    "function_reduced": {"valueBoolean": True},
    "function_impact": {"valueString": "Klarer ikke lange gåturer"},
    "work_impact": {"valueString": "50 % sykmeldt"},
    "quality_of_life_reduced": {"valueBoolean": True},
    "quality_of_life_impact": {"valueString": "Sover dårlig"},
    "factors_physical": {"valueString": "Stillesittende arbeid"},
    "factors_social": {"valueString": "Lite nettverk"},
    "factors_work": {"valueString": "Tungt arbeid"},
    "traumatic_experiences": {"valueString": "Vold i oppveksten"},
    "patient_goals": {"valueString": "Gå tur med hunden hver dag"},
    "patient_expectations": {"valueString": "Å forstå smertene"},
    "nav_participation": {"valueBoolean": True},
}


def referral(subject: dict, clinic, *, leave_out=(), treatments=True, identifier=None, **overrides) -> dict:
    """A complete electronic referral as a GP system sends it (valid FHIR on its own)."""
    contained = [{"resourceType": "Observation", "id": field.replace("_", "-"), "status": "final",
                  "code": {"coding": [{"system": intake.REFERRAL_ITEM, "code": field}]}, **value}
                 for field, value in ANSWERS.items() if field not in leave_out]
    if treatments:
        contained.append({"resourceType": "Procedure", "id": "treatment-1", "status": "completed", "subject": subject,
                          "code": {"coding": [{"system": intake.TREATMENT_KIND, "code": "physiotherapy"}]},
                          "performedString": "Høsten 2025, 10 timer",
                          "outcome": {"coding": [{"system": intake.TREATMENT_EFFECT, "code": "some"}]}})
    body = {"resourceType": "ServiceRequest", "status": "active", "intent": "order", "subject": subject,
            "performer": [{"reference": f"Organization/{clinic.pk}"}], "contained": contained,
            "supportingInfo": [{"reference": f"#{c['id']}"} for c in contained],
            "identifier": [{"system": "urn:oid:2.16.578.1.99.1", "value": identifier or secrets.token_hex(6)}]}
    body.update(overrides)
    assert_valid(body)
    return body


def post(api_token: str, base: str, body: dict, **headers) -> requests.Response:
    return requests.post(f"{base}/fhir/ServiceRequest", json=body, timeout=10,
                         headers={"Authorization": f"Bearer {api_token}", **headers})


def observations(resource: dict) -> dict:
    return {c["code"]["coding"][0]["code"]: c for c in resource.get("contained", [])
            if c["resourceType"] == "Observation"}


def test_a_referral_sent_as_a_service_request_lands_in_the_clinics_inbox(base, personas, gp_patient, client):
    gp_system = Api(base, personas.gp_office, name="Legesystem")
    sent = gp_system.fhir().resource("ServiceRequest", **referral({"reference": f"Patient/{gp_patient.pk}"},
                                                                   personas.clinic, identifier="HEN-1")).save()
    sent = plain(sent)
    assert_valid(sent)
    stored = Referral.objects.get(patient=gp_patient)
    assert sent["id"] == str(stored.pk) and sent["status"] == "active"
    # The page's operations ran: submitted, received today, the clinic on the care team, audited.
    assert (stored.status, stored.received_on, stored.author) == ("submitted", clock.today(), gp_system.user)
    assert stored.treatments.get().kind == "physiotherapy" and stored.pain_duration_months == 18
    assert [a.action for a in AuditEntry.objects.filter(object_id=str(stored.pk)).order_by("pk")] == [
        "referral_saved", "referral_submitted"]
    assert sent["identifier"] == [{"system": "urn:oid:2.16.578.1.99.1", "value": "HEN-1"}]
    assert sent["performer"][0]["reference"] == f"Organization/{personas.clinic.pk}"
    assert sent["requester"]["reference"] == f"Organization/{personas.gp_office.pk}"
    assert ext(sent, "referral-assessment-deadline")[0]["valueDate"] == stored.assessment_deadline.isoformat()

    # Exactly as a referral written on the page: in the clinic's inbox.
    client.force_login(personas.clinic_physician)
    inbox = client.get("/referrals/").content.decode()
    assert gp_patient.full_name in inbox and f"/referrals/{stored.pk}/" in inbox

    # The clinic's system reads it all, the sensitive answer included (the receiving clinic).
    clinic = Api(base, personas.clinic).fhir()
    read = clinic.get("ServiceRequest", sent["id"])
    assert_valid(read)
    answers = observations(read)
    assert set(answers) == set(ANSWERS)
    assert answers["pain_duration_months"]["valueQuantity"]["value"] == 18
    assert answers["function_reduced"]["valueBoolean"] is True
    assert [p["performedString"] for p in read["contained"] if p["resourceType"] == "Procedure"] == [
        "Høsten 2025, 10 timer"]
    assert {s["reference"] for s in read["supportingInfo"]} == {f"#{c['id']}" for c in read["contained"]}


def test_a_referral_by_identity_number_retried_is_stored_once(base, personas, gp_patient):
    api = Api(base, personas.gp_office)
    token = api.token()
    by_number = {"identifier": {"system": resources.FNR, "value": gp_patient.national_id}}
    body = referral(by_number, personas.clinic, identifier="HEN-7")
    first = post(token, base, body, **{"Idempotency-Key": "send-7"})
    again = post(token, base, body, **{"Idempotency-Key": "send-7"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.headers["Location"].endswith(f"/ServiceRequest/{first.json()['id']}")
    assert_valid(first.json())
    assert_valid(again.json())
    assert again.json()["id"] == first.json()["id"] and again.json()["subject"] == {
        "reference": f"Patient/{gp_patient.pk}"}
    # A retry without the key but with If-None-Exist on the sender's own identifier: the same one.
    conditional = post(token, base, body, **{"If-None-Exist": "identifier=urn:oid:2.16.578.1.99.1|HEN-7"})
    assert conditional.status_code == 200 and conditional.json()["id"] == first.json()["id"]
    assert_valid(conditional.json())
    # The same identifier sent again blindly is a conflict, not a second referral.
    assert post(token, base, body).status_code == 409
    assert Referral.objects.filter(patient=gp_patient).count() == 1

    assert post(token, base, referral(by_number, personas.clinic, identifier="HEN-8")).status_code == 201
    several = post(token, base, referral(by_number, personas.clinic, identifier="HEN-9"),
                   **{"If-None-Exist": f"patient={gp_patient.pk}"})
    assert several.status_code == 412 and outcome_of(several)["issue"][0]["expression"] == ["If-None-Exist"]
    assert Referral.objects.filter(patient=gp_patient).count() == 2


def test_an_incomplete_or_malformed_referral_names_each_field_and_stores_nothing(base, personas, gp_patient):
    api = Api(base, personas.gp_office)
    token = api.token()
    subject = {"reference": f"Patient/{gp_patient.pk}"}
    stranger = new_patient(given="Ukjent")
    clinic_token = Api(base, personas.clinic).token()
    before = (Referral.objects.count(), AuditEntry.objects.count(), Task.objects.count())

    incomplete = post(token, base, referral(subject, personas.clinic, treatments=False,
                                            leave_out=("pain_location", "patient_goals")))
    assert incomplete.status_code == 422
    issues = outcome_of(incomplete)["issue"]
    named = {e for i in issues for e in i["expression"]}
    assert named == {
        "ServiceRequest.contained.ofType(Observation).where(code.coding.code='pain_location')",
        "ServiceRequest.contained.ofType(Observation).where(code.coding.code='patient_goals')",
        "ServiceRequest.contained.ofType(Procedure)"}
    assert all(i["code"] == "required" for i in issues)

    wrong_type = referral(subject, personas.clinic)
    wrong_type["contained"][0] = {**wrong_type["contained"][0], "valueQuantity": None, "valueString": "lenge"}
    del wrong_type["contained"][0]["valueQuantity"]
    cases = {
        "ServiceRequest.status": referral(subject, personas.clinic, status="draft"),
        "ServiceRequest.intent": {k: v for k, v in referral(subject, personas.clinic).items() if k != "intent"},
        "ServiceRequest.subject.reference": referral({"reference": "Practitioner/1"}, personas.clinic),
        "ServiceRequest.performer": referral(subject, personas.clinic, performer=[]),
        "ServiceRequest.contained[0].valueQuantity": wrong_type,
        "ServiceRequest.subject.identifier.value": referral(
            {"identifier": {"system": resources.FNR, "value": "12345678901"}}, personas.clinic),
    }
    for field, body in cases.items():
        response = post(token, base, body)
        assert response.status_code == 400, (field, response.text)
        assert field in outcome_of(response)["issue"][0]["expression"], field
    not_json = requests.post(f"{base}/fhir/ServiceRequest", data="{", timeout=10, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"})
    assert not_json.status_code == 400 and outcome_of(not_json)["issue"][0]["expression"] == ["body"]

    # A patient the office may not see, and one that does not exist: the same 422.
    hidden = post(token, base, referral({"reference": f"Patient/{stranger.pk}"}, personas.clinic))
    missing = post(token, base, referral({"reference": f"Patient/{uuid.uuid4()}"}, personas.clinic))
    assert hidden.status_code == missing.status_code == 422
    assert outcome_of(hidden) == outcome_of(missing)
    # Not a specialist clinic as the receiver: the page's rule, naming the performer.
    to_physio = post(token, base, referral(subject, personas.physio_service))
    assert to_physio.status_code == 422 and outcome_of(to_physio)["issue"][0]["expression"] == [
        "ServiceRequest.performer"]
    # A clinic does not refer (the page refuses it too), and a patient's log-in does not either.
    clinic = post(clinic_token, base, referral(subject, personas.clinic))
    assert clinic.status_code == 403 and outcome_of(clinic)["issue"][0]["code"] == "forbidden"
    app = PatientApp(base, gp_patient, "per")
    by_patient = requests.post(f"{base}/fhir/ServiceRequest", json=referral(subject, personas.clinic), timeout=10,
                               cookies=app.cookies, headers={"X-CSRFToken": app.csrf})
    assert by_patient.status_code == 403 and outcome_of(by_patient)["issue"][0]["code"] == "forbidden"
    assert (Referral.objects.count(), AuditEntry.objects.count(), Task.objects.count()) == before


def test_service_requests_go_through_the_guard(base, personas, gp_patient):
    gp_system = Api(base, personas.gp_office)
    sent = post(gp_system.token(), base, referral({"reference": f"Patient/{gp_patient.pk}"}, personas.clinic)).json()
    other = Api(base, personas.other_clinic)
    with pytest.raises(ResourceNotFound):
        other.fhir().get("ServiceRequest", sent["id"])
    assert access_rows(user=other.user)[-1].outcome == "denied"
    hidden = other.fhir().resources("ServiceRequest").search(patient=str(gp_patient.pk)).fetch_raw()
    assert_valid(plain(hidden))
    assert hidden["total"] == 0 and not hidden.get("entry")

    # The physiotherapist's service (health personnel on the care team): clinical answers, not the
    # traumatic experiences (the author and the receiving clinic only).
    physio = Api(base, personas.physio_service).fhir()
    read = physio.get("ServiceRequest", sent["id"])
    assert_valid(read)
    assert "pain_location" in observations(read) and "traumatic_experiences" not in observations(read)

    # NAV: nothing without consent; with consent to the referral, never the clinical answers.
    add_care_team_member(patient=gp_patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                         valid_from=D(2020, 1, 1), now=clock.now())
    nav = Api(base, personas.nav_office).fhir()
    with pytest.raises(ResourceNotFound):
        nav.get("ServiceRequest", sent["id"])
    me = User.objects.create(username="per", patient=gp_patient)
    grant_consent(patient=gp_patient, categories=[Category.REFERRAL_AND_ASSESSMENT], valid_from=clock.today(),
                  organisation=personas.nav_office, actor=me, now=clock.now())
    shared = nav.get("ServiceRequest", sent["id"])
    assert_valid(shared)
    assert set(observations(shared)) == {"pain_duration_months", "function_reduced", "function_impact", "work_impact",
                                         "quality_of_life_reduced", "factors_work", "patient_goals",
                                         "patient_expectations", "nav_participation"}
    assert not [c for c in shared["contained"] if c["resourceType"] == "Procedure"]

    # Search by patient and status, paged; every read and search writes one access-log row.
    clinic = Api(base, personas.clinic)
    fhir = clinic.fhir()
    for read_it in (lambda: fhir.get("ServiceRequest", sent["id"]),
                    lambda: fhir.resources("ServiceRequest").search(patient=str(gp_patient.pk), status="active")
                    .fetch_raw()):
        before = AccessLog.objects.count()
        result = plain(read_it())
        assert_valid(result)
        assert AccessLog.objects.count() == before + 1
        assert AccessLog.objects.order_by("-pk").first().patient_id == gp_patient.pk
    assert fhir.resources("ServiceRequest").search(status="completed").fetch_raw()["total"] == 0


# --- Questionnaires ----------------------------------------------------------------------------------

def test_questionnaires_are_readable_by_any_authenticated_caller(base, personas):
    fhir = Api(base, personas.nav_office).fhir()
    everything = fhir.resources("Questionnaire").fetch_raw()
    assert_valid(plain(everything))
    assert everything["total"] == 5
    pain = fhir.get("Questionnaire", "pain-intensity")
    assert_valid(pain)
    assert pain["url"] == PAIN and [i["linkId"] for i in pain["item"]] == ["pain_now", "pain_average_week"]
    assert pain["item"][0]["type"] == "integer" and pain["item"][0]["required"] is True
    by_name = fhir.resources("Questionnaire").search(name="paininten").fetch()
    by_url = fhir.resources("Questionnaire").search(url=PAIN).fetch()
    assert [q["id"] for q in by_name] == [q["id"] for q in by_url] == ["pain-intensity"]
    activities = fhir.get("Questionnaire", "functional-scale")
    assert activities["item"][0]["type"] == "group" and activities["item"][0]["repeats"] is True
    with pytest.raises(ResourceNotFound):
        fhir.get("Questionnaire", "pain_intensity")  # ids have hyphens
    with pytest.raises(AuthorizationError):
        SyncFHIRClient(f"{base}/fhir").get("Questionnaire", "pain-intensity")


# --- Check-ins ---------------------------------------------------------------------------------------

class PatientApp:
    """The patient's app: the patient's log-in (session cookie) and the CSRF token."""

    def __init__(self, base, patient, username="kari"):
        self.base = base
        self.user = User.objects.create(username=username, patient=patient)
        browser = Client()
        browser.force_login(self.user)
        self.csrf = secrets.token_hex(16)
        self.cookies = {settings.SESSION_COOKIE_NAME: browser.cookies[settings.SESSION_COOKIE_NAME].value,
                        settings.CSRF_COOKIE_NAME: self.csrf}

    def fhir(self) -> SyncFHIRClient:
        return SyncFHIRClient(f"{self.base}/fhir", requests_config={"cookies": self.cookies, "timeout": 10},
                              extra_headers={"X-CSRFToken": self.csrf})

    def post(self, body: dict, csrf=True, **headers) -> requests.Response:
        return requests.post(f"{self.base}/fhir/QuestionnaireResponse", json=body, cookies=self.cookies, timeout=10,
                             headers={**({"X-CSRFToken": self.csrf} if csrf else {}), **headers})


def pain_answers(now_value, average, questionnaire=PAIN) -> dict:
    body = {"resourceType": "QuestionnaireResponse", "questionnaire": questionnaire, "status": "completed",
            "item": [{"linkId": "pain_now", "answer": [{"valueInteger": now_value}]},
                     {"linkId": "pain_average_week", "answer": [{"valueInteger": average}]}]}
    assert_valid(body)
    return body


@pytest.fixture
def scheduled(personas):
    return schedule_checkins(patient=personas.patient, questionnaire_key="pain_intensity", interval_months=3,
                             first_due_on=clock.today(), actor=personas.clinic_physician, now=clock.now())


def test_a_red_check_in_puts_the_appointment_task_on_the_clinics_worklist(base, personas, scheduled, client):
    app = PatientApp(base, personas.patient)
    sent = plain(app.fhir().resource("QuestionnaireResponse", **pain_answers(10, 9)).save())
    assert_valid(sent)
    checkin = CheckIn.objects.get()
    task = Task.objects.get()
    assert (checkin.colour, checkin.answers, checkin.submitted_by) == ("red", {"pain_now": 10, "pain_average_week": 9},
                                                                       app.user)
    assert (task.kind, task.organisation, task.checkin) == ("offer_appointment", personas.clinic, checkin)
    assert sent["id"] == str(checkin.pk) and sent["subject"] == {"reference": f"Patient/{personas.patient.pk}"}
    triage = ext(sent, "checkin-triage")[0]["valueCoding"]
    assert (triage["system"], triage["code"]) == (intake.TRIAGE, "red")
    assert parts(ext(sent, "checkin-triage-reason")[0])["en"] == "Very strong pain (9 or more)."
    score = parts(ext(sent, "checkin-score")[0])
    assert (score["key"], score["value"]) == ("pain", 9.5)
    next_step = parts(ext(sent, "checkin-next-step")[0])
    assert next_step["title"]["en"] == "You will be offered an appointment"
    assert next_step["title"]["nb"] == "Du får tilbud om en time"
    assert personas.clinic.name in next_step["text"]["en"]
    assert next_step["task"]["reference"] == f"Task/{task.pk}" and next_step["due"] == task.due_on.isoformat()
    assert [i["answer"][0]["valueInteger"] for i in sent["item"]] == [10, 9]

    # The clinic's worklist shows the task, as for a check-in sent on the page.
    client.force_login(personas.clinic_nurse)
    worklist = client.get("/worklist/").content.decode()
    assert 'data-task="offer_appointment"' in worklist and f'datetime="{task.due_on.isoformat()}"' in worklist
    # And the clinic's system finds it as a Task whose focus is the check-in.
    read = plain(Api(base, personas.clinic).fhir().get("Task", str(task.pk)))
    assert_valid(read)
    assert read["focus"]["reference"] == f"QuestionnaireResponse/{checkin.pk}" and read["status"] == "ready"
    assert read["restriction"]["period"]["end"] == task.due_on.isoformat()


def test_a_check_in_without_a_schedule_is_a_business_rule_refusal(base, personas):
    app = PatientApp(base, personas.patient)
    response = app.post(pain_answers(10, 9))
    assert response.status_code == 422
    outcome = outcome_of(response)
    assert outcome["issue"][0]["code"] == "business-rule"
    assert outcome["issue"][0]["expression"] == ["QuestionnaireResponse.questionnaire"]
    assert not CheckIn.objects.exists() and not Task.objects.exists()


def test_malformed_answers_name_the_item_and_store_nothing(base, personas, scheduled):
    app = PatientApp(base, personas.patient)
    missing = pain_answers(3, 3)
    missing["item"] = missing["item"][:1]
    wrong_type = pain_answers(3, 3)
    wrong_type["item"][1]["answer"] = [{"valueString": "3"}]
    unknown = pain_answers(3, 3)
    unknown["item"].append({"linkId": "mood", "answer": [{"valueInteger": 1}]})
    cases = {
        "QuestionnaireResponse.item.where(linkId='pain_average_week')": missing,
        "QuestionnaireResponse.item[0].answer[0].valueInteger": pain_answers(11, 3),
        "QuestionnaireResponse.item[1].answer[0]": wrong_type,
        "QuestionnaireResponse.item[2].linkId": unknown,
        "QuestionnaireResponse.questionnaire": pain_answers(3, 3, f"{resources.CANONICAL}/Questionnaire/x"),
    }
    for field, body in cases.items():
        response = app.post(body)
        assert response.status_code == 400, (field, response.text)
        assert outcome_of(response)["issue"][0]["expression"] == [field]
    with pytest.raises(OperationOutcome):
        app.fhir().resource("QuestionnaireResponse", **pain_answers(-1, 3)).save()
    assert not CheckIn.objects.exists() and not Task.objects.exists()


def test_a_check_in_retried_with_its_idempotency_key_is_stored_once(base, personas, scheduled):
    app = PatientApp(base, personas.patient)
    first = app.post(pain_answers(4, 4), **{"Idempotency-Key": "checkin-1"})
    again = app.post(pain_answers(4, 4), **{"Idempotency-Key": "checkin-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert_valid(first.json())
    changed = app.post(pain_answers(8, 8), **{"Idempotency-Key": "checkin-1"})
    assert changed.status_code == 409 and outcome_of(changed)["issue"][0]["code"] == "conflict"
    assert CheckIn.objects.count() == 1
    # Without the CSRF token the session is not enough; a system's client does not answer for a patient.
    assert app.post(pain_answers(4, 4), csrf=False).status_code == 403
    with pytest.raises(ForbiddenError):
        Api(base, personas.clinic).fhir().resource("QuestionnaireResponse", **pain_answers(4, 4)).save()
    assert CheckIn.objects.count() == 1


def test_check_ins_are_read_through_the_guard_with_the_check_in_category(base, personas, scheduled):
    app = PatientApp(base, personas.patient)
    ids = [app.post(pain_answers(v, v)).json()["id"] for v in (2, 3)]
    CheckIn.objects.filter(pk=ids[0]).update(submitted_at=clock.now() - dt.timedelta(days=40))
    mine = app.fhir().resources("QuestionnaireResponse").fetch_raw()
    assert_valid(plain(mine))
    assert mine["total"] == 2

    clinic = Api(base, personas.clinic)
    fhir = clinic.fhir()
    before = AccessLog.objects.count()
    read = fhir.get("QuestionnaireResponse", ids[1])
    assert_valid(read)
    assert AccessLog.objects.count() == before + 1
    assert access_rows(user=clinic.user)[-1].what == "fhir_questionnaire_response"
    today = clock.today()
    recent = fhir.resources("QuestionnaireResponse").search(
        patient=str(personas.patient.pk), authored=f"ge{today - dt.timedelta(days=7)}").fetch_raw()
    assert_valid(plain(recent))
    assert [e["resource"]["id"] for e in recent["entry"]] == [ids[1]]
    ranged = requests.get(f"{base}/fhir/QuestionnaireResponse", timeout=10, headers={
        "Authorization": f"Bearer {clinic.token()}"}, params=[
        ("authored", f"ge{today - dt.timedelta(days=60)}"), ("authored", f"le{today - dt.timedelta(days=30)}")])
    assert_valid(ranged.json())
    assert [e["resource"]["id"] for e in ranged.json()["entry"]] == [ids[0]]
    # One access-log row for the search (one patient listed).
    assert AccessLog.objects.order_by("-pk").first().what == "fhir_questionnaire_response_search"
    assert AccessLog.objects.filter(what="fhir_questionnaire_response_search", user=clinic.user).count() == 2
    assert fhir.resources("QuestionnaireResponse").search(authored=f"eq{today}").fetch_raw()["total"] == 1
    bad = requests.get(f"{base}/fhir/QuestionnaireResponse", params={"authored": "soon"}, timeout=10,
                       headers={"Authorization": f"Bearer {clinic.token()}"})
    assert bad.status_code == 400 and outcome_of(bad)["issue"][0]["expression"] == ["authored"]

    other = Api(base, personas.other_clinic).fhir()
    with pytest.raises(ResourceNotFound):
        other.get("QuestionnaireResponse", ids[1])
    assert other.resources("QuestionnaireResponse").fetch_raw()["total"] == 0

    # NAV on the care team: only with consent to the check-ins.
    add_care_team_member(patient=personas.patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                         valid_from=D(2020, 1, 1), now=clock.now())
    nav = Api(base, personas.nav_office).fhir()
    grant_consent(patient=personas.patient, categories=[Category.PLAN_AND_MEETINGS], valid_from=today,
                  organisation=personas.nav_office, actor=app.user, now=clock.now())
    with pytest.raises(ResourceNotFound):
        nav.get("QuestionnaireResponse", ids[1])
    grant_consent(patient=personas.patient, categories=[Category.CHECKINS], valid_from=today,
                  organisation=personas.nav_office, actor=app.user, now=clock.now())
    assert_valid(nav.get("QuestionnaireResponse", ids[1]))
    shared = nav.resources("QuestionnaireResponse").fetch_raw()
    assert_valid(plain(shared))
    assert shared["total"] == 2
