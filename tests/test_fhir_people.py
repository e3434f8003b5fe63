"""The FHIR API's people, meetings, consent and access log (issue 9): Practitioner,
PractitionerRole, CareTeam, Appointment, Consent and AuditEvent, driven through fhirpy against the
live server, every resource validated against the R4B models."""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import uuid

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound

from samforlop.accounts.models import User
from samforlop.audit.models import AccessLog, AuditEntry
from samforlop.core import clock
from samforlop.demo.synthetic import synthetic_identity_number as _synthetic
from samforlop.fhir import resources
from samforlop.meetings import actions as meeting_actions
from samforlop.meetings.models import Participant
from samforlop.patients.actions import add_care_team_member, grant_consent, relative_user
from samforlop.patients.models import CareTeamMember, SharingConsent

from .conftest import make_user, new_patient, start
from .fhir_helpers import Api, access_rows, assert_valid, outcome_of, plain, reporting_api

D = dt.date
CS = resources.CS
SHARING = f"{CS}/sharing-category"
_rng = random.Random(909)


def synthetic_identity_number() -> str:
    return _synthetic(_rng)


# --- Helpers --------------------------------------------------------------------------------------------

def logged_in(base, user, **headers) -> SyncFHIRClient:
    """fhirpy with a person's own log-in: the session cookie, and the CSRF token as a form sends it."""
    client = Client()
    client.force_login(user)
    csrf = secrets.token_hex(16)
    cookie = (f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
              f"{settings.CSRF_COOKIE_NAME}={csrf}")
    return SyncFHIRClient(f"{base}/fhir", extra_headers={"Cookie": cookie, "X-CSRFToken": csrf, **headers},
                          requests_config={"timeout": 10})


def post_consent(base, user, body, **headers) -> requests.Response:
    """POST /fhir/Consent with the patient's log-in (requests, for the status code and headers)."""
    fhir = logged_in(base, user, **headers)
    return requests.post(f"{base}/fhir/Consent", data=json.dumps(body), timeout=10,
                         headers={**fhir.extra_headers, "Content-Type": "application/fhir+json"})


def consent_body(*, actor_reference, category="plan_and_meetings", start=None, end=None, **overrides) -> dict:
    body = {
        "resourceType": "Consent", "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": SHARING, "code": category}]}],
        "provision": {"type": "permit", "period": {k: v for k, v in (("start", start), ("end", end)) if v},
                      "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                                      "code": "IRCP"}]},
                                 "reference": actor_reference}]},
    }
    body.update(overrides)
    return body


def nav_on_team(personas):
    add_care_team_member(patient=personas.patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                         person=personas.nav_officer, is_contact_person=True, valid_from=D(2020, 1, 1),
                         now=clock.now())


def patient_user(patient, username="kari"):
    return User.objects.create(username=username, patient=patient)


def on_clinic_team(personas, patient):
    add_care_team_member(patient=patient, organisation=personas.clinic, role=CareTeamMember.Role.SPECIALIST_CLINIC,
                         valid_from=D(2020, 1, 1), now=clock.now())


def meeting(personas, pathway, starts_at, kind="summarizing"):
    return meeting_actions.schedule_meeting(pathway=pathway, kind=kind, starts_at=starts_at, place="Møterom 2",
                                            actor=personas.clinic_physician, now=clock.now(),
                                            submission_id=uuid.uuid4())


def new_rows(before: int) -> list[AccessLog]:
    return list(AccessLog.objects.order_by("pk")[before:])


# --- Practitioner and PractitionerRole -----------------------------------------------------------------

def test_staff_read_as_practitioners_with_their_role_in_their_organisation(base, personas):
    personas.gp.hpr_number = "1234567"
    personas.gp.save(update_fields=["hpr_number"])
    api = Api(base, personas.clinic)
    fhir = api.fhir()
    before = AccessLog.objects.count()

    gp = fhir.get("Practitioner", str(personas.gp.pk))
    assert_valid(gp)
    assert gp["identifier"] == [{"use": "official", "system": resources.HPR, "value": "1234567"}]
    assert gp["name"][0]["family"] == "Fastlege" and gp["name"][0]["given"] == ["Anne"]
    role = fhir.get("PractitionerRole", str(personas.gp.pk))
    assert_valid(role)
    assert role["practitioner"]["reference"] == f"Practitioner/{personas.gp.pk}"
    assert role["organization"]["reference"] == f"Organization/{personas.gp_office.pk}"
    assert role["code"][0]["coding"][0]["code"] == "physician"

    at_clinic = fhir.resources("PractitionerRole").search(organization=f"Organization/{personas.clinic.pk}")
    bundle = at_clinic.fetch_raw()
    assert_valid(plain(bundle))
    names = {e["resource"]["practitioner"]["display"] for e in bundle["entry"]}
    # The clinic's people (its admin too), not the system user of its FHIR client.
    assert names == {personas.clinic_physician.display_name, personas.clinic_nurse.display_name,
                     api.client.created_by.display_name}
    by_person = fhir.resources("PractitionerRole").search(practitioner=f"Practitioner/{personas.clinic_nurse.pk}").fetch()
    assert [r["id"] for r in by_person] == [str(personas.clinic_nurse.pk)]

    # Only staff are practitioners: not a patient, a relative or a FHIR client's system user.
    me = patient_user(personas.patient)
    relative = relative_user(national_id=synthetic_identity_number(), name="Ola Testesen")
    for user in (me, relative, api.user):
        with pytest.raises(ResourceNotFound):
            fhir.get("Practitioner", str(user.pk))
        with pytest.raises(ResourceNotFound):
            fhir.get("PractitionerRole", str(user.pk))
    assert AccessLog.objects.count() == before  # not patient data


# --- CareTeam -------------------------------------------------------------------------------------------

def test_the_care_team_is_read_through_the_guard_with_one_access_log_row(base, personas):
    patient = personas.patient
    clinic, other = Api(base, personas.clinic), Api(base, personas.other_clinic)
    fhir = clinic.fhir()
    before = AccessLog.objects.count()
    team = fhir.get("CareTeam", str(patient.pk))
    assert_valid(team)
    assert [(r.what, r.patient_id, r.outcome) for r in new_rows(before)] == [("fhir_care_team", patient.pk, "granted")]
    assert team["subject"] == {"reference": f"Patient/{patient.pk}"} and team["status"] == "active"
    by_role = {p["role"][0]["coding"][0]["code"]: p for p in team["participant"]}
    assert set(by_role) == {"specialist_clinic", "gp", "physiotherapist"}
    nurse = by_role["specialist_clinic"]
    assert nurse["member"]["reference"] == f"Practitioner/{personas.clinic_nurse.pk}"
    assert nurse["onBehalfOf"]["reference"] == f"Organization/{personas.clinic.pk}"
    assert {c["coding"][0]["code"] for c in nurse["role"][1:]} == {"contact_person", "coordinator"}
    assert nurse["period"] == {"start": "2020-01-01"}
    assert_valid(fhir.get("Practitioner", str(personas.clinic_nurse.pk)))  # the member's reference resolves

    # Another organisation: 404, as for what does not exist, and in the patient's log as refused.
    with pytest.raises(ResourceNotFound):
        other.fhir().get("CareTeam", str(patient.pk))
    with pytest.raises(ResourceNotFound):
        other.fhir().get("CareTeam", str(uuid.uuid4()))
    assert [r.outcome for r in access_rows(user=other.user)] == ["denied", "denied"]
    assert access_rows(user=other.user)[0].patient_id == patient.pk
    hidden = other.fhir().resources("CareTeam").search(patient=str(patient.pk)).fetch_raw()
    assert hidden["total"] == 0 and not hidden.get("entry")


def test_care_team_search_pages_and_leaves_out_what_the_caller_may_not_see(base, personas):
    for i in range(2):
        on_clinic_team(personas, new_patient(given=f"P{i}"))
    elsewhere = new_patient(given="Skjult")
    add_care_team_member(patient=elsewhere, organisation=personas.other_clinic,
                         role=CareTeamMember.Role.SPECIALIST_CLINIC, valid_from=D(2020, 1, 1), now=clock.now())
    api = Api(base, personas.clinic)
    fhir = api.fhir()
    search = fhir.resources("CareTeam").limit(2)
    first = search.fetch_raw()
    assert_valid(plain(first))
    assert first["total"] == 3 and len(first["entry"]) == 2
    assert any(link["relation"] == "next" for link in first["link"])
    before = AccessLog.objects.count()
    teams = search.fetch_all()
    for team in teams:
        assert_valid(plain(team))
    assert len(teams) == 3 and str(elsewhere.pk) not in {t["id"] for t in teams}
    # One row per patient listed (the two pages of fetch_all).
    assert sorted((r.what, str(r.patient_id)) for r in new_rows(before)) == sorted(
        ("fhir_care_team_search", t["id"]) for t in teams)
    assert fhir.resources("CareTeam").search(status="inactive").fetch_raw()["total"] == 0
    assert fhir.resources("CareTeam").search(status="active").fetch_raw()["total"] == 3
    response = requests.get(f"{base}/fhir/CareTeam", params={"status": "gone"}, timeout=10,
                            headers={"Authorization": f"Bearer {api.token()}"})
    assert response.status_code == 400 and outcome_of(response)["issue"][0]["expression"] == ["status"]


# --- Consent: created by the patient, in force at once ------------------------------------------------------

def test_a_consent_created_through_the_api_lets_navs_client_see_the_care_team_and_meetings(base, personas):
    nav_on_team(personas)
    pathway = start(personas, clock.today() - dt.timedelta(days=30))
    meeting(personas, pathway, clock.now() + dt.timedelta(days=7))
    me = patient_user(personas.patient)
    nav = Api(base, personas.nav_office, name="NAV Modia").fhir()
    with pytest.raises(ResourceNotFound):  # on the care team, but no consent yet
        nav.get("CareTeam", str(personas.patient.pk))
    assert nav.resources("Appointment").fetch_raw()["total"] == 0
    assert nav.resources("CareTeam").fetch_raw()["total"] == 0

    body = consent_body(actor_reference={"reference": f"Organization/{personas.nav_office.pk}"},
                        start=clock.today().isoformat())
    consent = logged_in(base, me).resource("Consent", **body)
    consent.save()  # fhirpy's create
    consent = plain(consent)
    assert_valid(consent)
    assert consent["status"] == "active" and consent["patient"] == {"reference": f"Patient/{personas.patient.pk}"}
    assert consent["provision"]["actor"][0]["reference"]["reference"] == f"Organization/{personas.nav_office.pk}"
    assert consent["category"][0]["coding"][0]["code"] == "plan_and_meetings"
    stored = SharingConsent.objects.get(pk=consent["id"])
    assert stored.organisation == personas.nav_office and stored.recorded_by == me
    assert AuditEntry.objects.filter(action="consent_granted", object_id=str(stored.pk)).count() == 1

    team = nav.get("CareTeam", str(personas.patient.pk))  # at once
    assert_valid(team)
    appointments = nav.resources("Appointment").fetch_raw()
    assert_valid(plain(appointments))
    assert appointments["total"] == 1
    mine = nav.resources("Consent").fetch_raw()  # NAV reads the consent given to it
    assert [e["resource"]["id"] for e in mine["entry"]] == [consent["id"]]


def test_a_consent_retried_with_the_same_idempotency_key_is_stored_once(base, personas):
    nav_on_team(personas)
    me = patient_user(personas.patient)
    body = consent_body(actor_reference={"reference": f"Organization/{personas.nav_office.pk}"}, category="checkins")
    key = secrets.token_hex(8)
    first = post_consent(base, me, body, **{"Idempotency-Key": key})
    again = post_consent(base, me, body, **{"Idempotency-Key": key})
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.headers["Location"].endswith(f"/Consent/{first.json()['id']}")
    assert SharingConsent.objects.filter(patient=personas.patient).count() == 1
    # Even after it is withdrawn, the retry is the same submission: still one consent.
    from samforlop.patients.actions import withdraw_consent

    withdraw_consent(consent=SharingConsent.objects.get(), actor=me, now=clock.now())
    late = post_consent(base, me, body, **{"Idempotency-Key": key})
    assert late.status_code == 200 and late.json()["status"] == "inactive"
    assert SharingConsent.objects.filter(patient=personas.patient).count() == 1


def test_a_consent_to_a_relative_takes_the_identity_number_in_the_body_only(base, personas):
    me = patient_user(personas.patient)
    number = synthetic_identity_number()
    body = consent_body(actor_reference={"type": "RelatedPerson", "display": "Ola Testesen",
                                         "identifier": {"system": resources.FNR, "value": number}},
                        start="2026-01-01", end="2030-12-31")
    response = post_consent(base, me, body)
    assert response.status_code == 201, response.text
    consent = response.json()
    assert_valid(consent)
    assert consent["provision"]["actor"][0]["reference"] == {"type": "RelatedPerson", "display": "Ola Testesen"}
    assert consent["provision"]["period"] == {"start": "2026-01-01", "end": "2030-12-31"}
    assert number not in response.text
    relative = SharingConsent.objects.get(pk=consent["id"]).person
    assert relative.patient_id is None and relative.organisation_id is None
    assert not any(number in json.dumps(a.data) for a in AuditEntry.objects.all())


@pytest.mark.parametrize("change, field, status", [
    (lambda b: b.pop("status"), "Consent.status", 400),
    (lambda b: b.update(status="draft"), "Consent.status", 400),
    (lambda b: b.pop("scope"), "Consent.scope", 400),
    (lambda b: b.update(category=[{"coding": [{"system": SHARING, "code": "everything"}]}]), "Consent.category", 400),
    (lambda b: b["category"][0]["coding"].append({"system": SHARING, "code": "checkins"}), "Consent.category", 400),
    (lambda b: b.update(patient={"reference": f"Patient/{uuid.uuid4()}"}), "Consent.patient", 400),
    (lambda b: b.pop("provision"), "Consent.provision", 400),
    (lambda b: b["provision"].update(type="deny"), "Consent.provision.type", 400),
    (lambda b: b["provision"].update(period={"start": "2026-02-30"}), "Consent.provision.period.start", 400),
    (lambda b: b["provision"].update(period={"start": "2026-03-01", "end": "2026-02-01"}),
     "Consent.provision.period.end", 400),
    (lambda b: b["provision"].update(actor=[]), "Consent.provision.actor", 400),
    (lambda b: b["provision"]["actor"][0].update(reference={"reference": "Organization/nope"}),
     "Consent.provision.actor[0].reference", 400),
    (lambda b: b["provision"]["actor"][0].update(reference={"display": "Ola", "identifier": {"value": "12345678901"}}),
     "Consent.provision.actor[0].reference.identifier.value", 400),
    (lambda b: b["provision"]["actor"][0].update(reference={"identifier": {"value": synthetic_identity_number()}}),
     "Consent.provision.actor[0].reference.display", 400),
    (lambda b: b["provision"].update(data=[{"meaning": "related", "reference": {"reference": "Patient/x"}}]),
     "Consent.provision.data", 400),
    (lambda b: b.update(resourceType="Patient"), "Consent.resourceType", 400),
    # Well formed, but against the rules: a clinic is not given consent (it sees what it needs).
    ("clinic", "Consent.provision.actor[0].reference", 422),
])
def test_a_malformed_consent_is_refused_naming_the_field_and_stores_nothing(base, personas, change, field, status):
    nav_on_team(personas)
    me = patient_user(personas.patient)
    body = consent_body(actor_reference={"reference": f"Organization/{personas.nav_office.pk}"})
    if change == "clinic":
        body["provision"]["actor"][0]["reference"] = {"reference": f"Organization/{personas.clinic.pk}"}
    else:
        change(body)
    consents, users, audits = SharingConsent.objects.count(), User.objects.count(), AuditEntry.objects.count()
    response = post_consent(base, me, body)
    assert response.status_code == status, response.text
    assert outcome_of(response)["issue"][0]["expression"] == [field]
    assert (SharingConsent.objects.count(), User.objects.count(), AuditEntry.objects.count()) == (consents, users, audits)


def test_only_the_patient_creates_a_consent_and_with_the_csrf_token(base, personas):
    nav_on_team(personas)
    me = patient_user(personas.patient)
    body = consent_body(actor_reference={"reference": f"Organization/{personas.nav_office.pk}"})
    system = requests.post(f"{base}/fhir/Consent", data=json.dumps(body), timeout=10,
                           headers={"Authorization": f"Bearer {Api(base, personas.clinic).token()}",
                                    "Content-Type": "application/fhir+json"})
    assert system.status_code == 403 and outcome_of(system)["issue"][0]["code"] == "forbidden"
    fhir = logged_in(base, me)
    no_csrf = {k: v for k, v in fhir.extra_headers.items() if k != "X-CSRFToken"}
    refused = requests.post(f"{base}/fhir/Consent", data=json.dumps(body), timeout=10,
                            headers={**no_csrf, "Content-Type": "application/fhir+json"})
    assert refused.status_code == 403
    assert not SharingConsent.objects.exists()


def test_consents_are_read_by_the_patient_the_care_team_and_the_grantee_only(base, personas):
    nav_on_team(personas)
    me = patient_user(personas.patient)
    today = clock.today()
    to_nav, = grant_consent(patient=personas.patient, categories=["plan_and_meetings"], valid_from=today,
                            organisation=personas.nav_office, actor=me, now=clock.now())
    relative = relative_user(national_id=synthetic_identity_number(), name="Ola Testesen")
    to_relative, = grant_consent(patient=personas.patient, categories=["checkins"], valid_from=today, person=relative,
                                 actor=me, now=clock.now())
    both = {str(to_nav.pk), str(to_relative.pk)}

    mine = logged_in(base, me).resources("Consent").fetch_raw()
    assert_valid(plain(mine))
    assert {e["resource"]["id"] for e in mine["entry"]} == both
    clinic = Api(base, personas.clinic)
    seen = clinic.fhir().resources("Consent").search(patient=str(personas.patient.pk)).fetch_raw()
    assert {e["resource"]["id"] for e in seen["entry"]} == both
    assert [r.what for r in access_rows(user=clinic.user)] == ["fhir_consent_search"]
    nav = Api(base, personas.nav_office).fhir()
    assert [c["id"] for c in nav.resources("Consent").fetch()] == [str(to_nav.pk)]
    with pytest.raises(ResourceNotFound):  # the consent to the relative is not NAV's business
        nav.get("Consent", str(to_relative.pk))
    other = Api(base, personas.other_clinic)
    with pytest.raises(ResourceNotFound):
        other.fhir().get("Consent", str(to_nav.pk))
    assert other.fhir().resources("Consent").fetch_raw()["total"] == 0
    read = clinic.fhir().get("Consent", str(to_relative.pk))
    assert_valid(read)
    assert read["provision"]["actor"][0]["reference"]["display"] == "Ola Testesen"


# --- Appointment (collaboration meetings) ---------------------------------------------------------------------

def test_a_meeting_reads_as_an_appointment_with_each_invitees_answer(base, personas):
    nav_on_team(personas)
    pathway = start(personas, clock.today() - dt.timedelta(days=30))
    when = dt.datetime(2030, 3, 4, 9, tzinfo=dt.UTC)
    scheduled = meeting(personas, pathway, when)
    by_role = {p.role: p for p in scheduled.participants.all()}
    meeting_actions.answer_invitation(participant=by_role["gp"], accept=True, actor=personas.gp, now=clock.now())
    meeting_actions.answer_invitation(participant=by_role["physiotherapist"], accept=False,
                                      actor=personas.physiotherapist, now=clock.now())
    api = Api(base, personas.clinic)
    before = AccessLog.objects.count()
    appointment = api.fhir().get("Appointment", str(scheduled.pk))
    assert_valid(appointment)
    assert [(r.what, r.patient_id) for r in new_rows(before)] == [("fhir_appointment", personas.patient.pk)]
    assert appointment["status"] == "booked"
    assert appointment["start"] == "2030-03-04T10:00:00+01:00" and appointment["minutesDuration"] == 60
    assert appointment["supportingInformation"] == [{"reference": f"EpisodeOfCare/{pathway.pk}", "type": "EpisodeOfCare"}]
    answers = {p["type"][0]["coding"][0]["code"]: (p["status"], p["required"], p["actor"].get("reference"))
               for p in appointment["participant"] if "type" in p}
    assert answers == {
        "patient": ("needs-action", "required", f"Patient/{personas.patient.pk}"),
        "team_member": ("accepted", "required", f"Practitioner/{personas.clinic_physician.pk}"),
        "gp": ("accepted", "optional", f"Practitioner/{personas.gp.pk}"),
        "physiotherapist": ("declined", "optional", f"Practitioner/{personas.physiotherapist.pk}"),
        "nav": ("needs-action", "optional", f"Practitioner/{personas.nav_officer.pk}"),
    }
    assert {"actor": {"type": "Location", "display": "Møterom 2"}, "required": "information-only",
            "status": "accepted"} in appointment["participant"]

    with pytest.raises(ResourceNotFound):
        Api(base, personas.other_clinic).fhir().get("Appointment", str(scheduled.pk))
    with pytest.raises(ResourceNotFound):  # NAV, invited, but without consent to plan and meetings
        Api(base, personas.nav_office).fhir().get("Appointment", str(scheduled.pk))


def test_appointments_are_searched_by_patient_and_a_date_range_with_next_links(base, personas):
    today = clock.today()
    patients = [personas.patient] + [new_patient(given=f"P{i}") for i in range(3)]
    meetings = []
    for i, patient in enumerate(patients):
        if patient != personas.patient:
            on_clinic_team(personas, patient)
        pathway = start(personas, today - dt.timedelta(days=30), patient=patient)
        meetings.append(meeting(personas, pathway, dt.datetime(2030, 3, 1 + i, 9, tzinfo=dt.UTC)))
    hidden = new_patient(given="Skjult")
    from samforlop.pathways import actions as pathway_actions

    hidden_pathway = pathway_actions.start_pathway(patient=hidden, clinic=personas.other_clinic, type="smerte",
                                                   date=today - dt.timedelta(days=5), actor=personas.outsider,
                                                   now=clock.now())
    meeting_actions.schedule_meeting(pathway=hidden_pathway, kind="summarizing",
                                     starts_at=dt.datetime(2030, 3, 2, 12, tzinfo=dt.UTC), place="Et annet sted",
                                     actor=personas.outsider, now=clock.now(), submission_id=uuid.uuid4())
    api = Api(base, personas.clinic)
    fhir = api.fhir()

    everything = fhir.resources("Appointment").fetch_raw()
    assert everything["total"] == 4  # the other clinic's meeting is neither listed nor counted
    # 2 and 3 March (Oslo days), one per page, following the next links.
    march = fhir.resources("Appointment").search(date=["ge2030-03-02", "le2030-03-03"]).limit(1)
    page = march.fetch_raw()
    assert_valid(plain(page))
    assert page["total"] == 2
    following = [link["url"] for link in page["link"] if link["relation"] == "next"]
    assert following and "date=ge2030-03-02" in following[0] and "date=le2030-03-03" in following[0]
    found = march.fetch_all()
    for appointment in found:
        assert_valid(plain(appointment))
    assert [a["id"] for a in found] == [str(meetings[1].pk), str(meetings[2].pk)]
    assert [a["id"] for a in fhir.resources("Appointment").search(date="2030-03-04").fetch()] == [str(meetings[3].pk)]
    assert fhir.resources("Appointment").search(date="gt2030-03-03").fetch_raw()["total"] == 1
    assert fhir.resources("Appointment").search(date="lt2030-03").fetch_raw()["total"] == 0
    of_one = fhir.resources("Appointment").search(patient=f"Patient/{patients[2].pk}").fetch()
    assert [a["id"] for a in of_one] == [str(meetings[2].pk)]
    assert fhir.resources("Appointment").search(patient=str(hidden.pk)).fetch_raw()["total"] == 0
    assert [(r.outcome, r.patient_id) for r in access_rows(user=api.user, outcome="denied")] == [("denied", hidden.pk)]
    for bad in ("2030-13-01", "ne2030-03-01", "soon"):
        with pytest.raises(OperationOutcome) as refused:
            fhir.resources("Appointment").search(date=bad).fetch_raw()
        assert refused.value.resource["issue"][0]["expression"] == ["date"]


# --- AuditEvent (the access log) ----------------------------------------------------------------------------

def test_the_patient_reads_who_has_read_their_data_and_the_reading_is_logged(base, personas):
    me = patient_user(personas.patient)
    clinic = Api(base, personas.clinic, name="DIPS Arena")
    clinic.fhir().get("Patient", str(personas.patient.pk))
    with pytest.raises(ResourceNotFound):
        Api(base, personas.other_clinic).fhir().get("Patient", str(personas.patient.pk))
    mine = logged_in(base, me)
    log = plain(mine.resources("AuditEvent").fetch_raw())
    assert_valid(plain(log))
    assert log["total"] == 2
    refused, read = (e["resource"] for e in log["entry"])  # newest first
    assert read["agent"][0]["who"]["display"] == "DIPS Arena" and read["agent"][0]["who"]["type"] == "Device"
    assert read["agent"][1]["who"]["reference"] == f"Organization/{personas.clinic.pk}"
    assert read["entity"][0]["what"] == {"reference": f"Patient/{personas.patient.pk}"}
    assert read["subtype"][0]["code"] == "fhir_patient" and read["outcome"] == "0"
    assert refused["outcome"] == "4"
    assert personas.patient.national_id not in json.dumps(log)
    # Reading it is logged (and, being the patient's own reading, not shown back to them).
    assert [r.what for r in access_rows(user=me)] == ["fhir_audit_event_search"]
    assert mine.resources("AuditEvent").fetch_raw()["total"] == 2
    # Only their own: asking about someone else finds nothing.
    other = new_patient(given="Nabo")
    assert mine.resources("AuditEvent").search(patient=str(other.pk)).fetch_raw()["total"] == 0
    # Paging and a date range.
    first = mine.resources("AuditEvent").limit(1).fetch_raw()
    assert len(first["entry"]) == 1 and any(link["relation"] == "next" for link in first["link"])
    assert len(mine.resources("AuditEvent").limit(1).fetch_all()) == 2
    today = clock.today()
    assert mine.resources("AuditEvent").search(date=f"lt{today.isoformat()}").fetch_raw()["total"] == 0
    assert mine.resources("AuditEvent").search(date=today.isoformat()).fetch_raw()["total"] == 2
    one = mine.get("AuditEvent", read["id"])
    assert_valid(one)


def test_an_auditor_system_reads_what_its_organisations_people_and_systems_read(base, personas):
    auditor = reporting_api(base, personas.clinic)
    leader = auditor.user
    clinic = Api(base, personas.clinic)
    clinic.fhir().get("Patient", str(personas.patient.pk))
    Api(base, personas.gp_office).fhir().get("Patient", str(personas.patient.pk))
    audit = plain(auditor.fhir().resources("AuditEvent").search(patient=str(personas.patient.pk)).fetch_raw())
    assert_valid(plain(audit))
    assert [e["resource"]["subtype"][0]["code"] for e in audit["entry"]] == ["fhir_patient"]  # not the GP office's
    assert audit["entry"][0]["resource"]["agent"][1]["who"]["reference"] == f"Organization/{personas.clinic.pk}"
    assert [(r.what, r.patient_id) for r in access_rows(user=leader)] == [
        ("fhir_audit_event_search", personas.patient.pk)]
    assert reporting_api(base, personas.other_clinic).fhir().resources("AuditEvent").fetch_raw()["total"] == 0
    # A system without the role (even the clinic's own) finds nothing; staff sessions, a leader's
    # included, are not a way in (issue 9: systems and patients only).
    assert clinic.fhir().resources("AuditEvent").fetch_raw()["total"] == 0
    with pytest.raises(ResourceNotFound):
        clinic.fhir().get("AuditEvent", str(AccessLog.objects.first().pk))
    for person in (personas.clinic_physician, make_user("leader", personas.clinic, User.Role.LEADER)):
        staff = requests.get(f"{base}/fhir/AuditEvent", timeout=10,
                             headers={"Cookie": logged_in(base, person).extra_headers["Cookie"]})
        assert staff.status_code == 401 and outcome_of(staff)["issue"][0]["code"] == "login"


# --- Searches cost the same number of queries for one result as for several ---------------------------------

def test_searches_do_not_query_per_result(base, personas):
    nav_on_team(personas)
    me = patient_user(personas.patient)
    token = Api(base, personas.clinic).token()
    auditor_token = reporting_api(base, personas.clinic).token()
    today = clock.today()

    def add_patient(i):
        patient = personas.patient if i == 0 else new_patient(given=f"P{i}")
        if i:
            on_clinic_team(personas, patient)
        pathway = start(personas, today - dt.timedelta(days=30), patient=patient)
        scheduled = meeting(personas, pathway, dt.datetime(2030, 3, 1 + i, 9, tzinfo=dt.UTC))
        Participant.objects.filter(meeting=scheduled, role="gp").update(response="accepted")
        user = me if i == 0 else patient_user(patient, f"patient-{i}")
        make_user(f"nurse-{i}", personas.clinic, User.Role.NURSE)
        grant_consent(patient=patient, categories=["checkins"], valid_from=today, organisation=personas.nav_office,
                      actor=user, now=clock.now())

    def queries(path, client):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, response.content
        return len(captured), response.json()["total"]

    system = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    auditor = Client(HTTP_AUTHORIZATION=f"Bearer {auditor_token}")
    paths = [("/fhir/CareTeam", system), ("/fhir/Appointment", system), ("/fhir/Consent", system),
             ("/fhir/PractitionerRole", system), ("/fhir/AuditEvent", auditor)]
    add_patient(0)
    Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"/fhir/Patient/{personas.patient.pk}")
    one = [queries(p, c) for p, c in paths]
    for i in range(1, 4):
        add_patient(i)
        Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"/fhir/Patient/{personas.patient.pk}")
    several = [queries(p, c) for p, c in paths]
    for (path, _client), (n1, total1), (n4, total4) in zip(paths, one, several):
        assert total4 > total1, path
        assert n4 == n1, (path, n1, n4)
