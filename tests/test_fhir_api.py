"""The FHIR R4 API (issue 9), driven by a real FHIR client (fhirpy) against the live server, every
resource it returns validated against the R4B models of fhir.resources."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
import uuid
import warnings

import pytest
import requests
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import AuthorizationError, OperationOutcome, ResourceNotFound
from joserfc.jwk import ECKey, RSAKey

from samforlop.accounts.models import User
from samforlop.audit.models import AccessLog, AuditEntry
from samforlop.core import clock
from samforlop.fhir import auth, resources
from samforlop.fhir.actions import deactivate_fhir_client, register_fhir_client
from samforlop.fhir.capability import supported
from samforlop.fhir.models import FhirAccessToken, FhirClient
from samforlop.pathways.timeline import build_timeline
from samforlop.patients.actions import add_care_team_member, grant_consent, withdraw_consent
from samforlop.patients.models import CareTeamMember, Category

from .conftest import new_patient, register, start
from .fhir_helpers import Api, access_rows, assert_valid, extensions, org_admin, outcome_of, plain

D = dt.date
EXT = resources.EXT


# --- Metadata -------------------------------------------------------------------------------------

def test_metadata_lists_exactly_what_is_supported(base):
    statement = SyncFHIRClient(f"{base}/fhir").execute("metadata", method="get")
    assert_valid(statement)
    rest = statement["rest"][0]
    assert {r["type"]: [i["code"] for i in r["interaction"]] for r in rest["resource"]} == {
        t: spec["interactions"] for t, spec in supported().items()}
    assert statement["fhirVersion"] == "4.0.1"
    token_url = rest["security"]["extension"][0]["extension"][0]["valueUri"]
    assert token_url == f"{base}/fhir/token"
    # Nothing outside the statement answers: another resource type is 404 with an OperationOutcome.
    response = requests.get(f"{base}/fhir/MedicationRequest/{uuid.uuid4()}", timeout=10)
    assert response.status_code == 404 and outcome_of(response)["issue"][0]["code"] == "not-supported"


INTERACTION_REQUESTS = {
    # interaction -> (method, path under /fhir/<Type>)
    "read": ("GET", "/{id}"),
    "vread": ("GET", "/{id}/_history/1"),
    "search-type": ("GET", ""),
    "create": ("POST", ""),
    "update": ("PUT", "/{id}"),
}


def test_every_interaction_in_the_statement_has_an_endpoint(base, personas):
    """The other half of 'exactly': each listed interaction answers (as something other than
    'not supported'), so the statement cannot promise what the server does not do."""
    token = Api(base, personas.clinic).token()
    for resource_type, spec in supported().items():
        for interaction in spec["interactions"]:
            method, path = INTERACTION_REQUESTS[interaction]
            if (resource_type, interaction) == ("Patient", "search-type"):
                method, path = "POST", "/_search"  # identity numbers never in URLs
            url = f"{base}/fhir/{resource_type}{path.format(id=uuid.uuid4())}"
            response = requests.request(method, url, headers={"Authorization": f"Bearer {token}",
                                                              "Content-Type": "application/fhir+json"},
                                        data="{}", timeout=10)
            if response.status_code >= 400:
                codes = [i["code"] for i in outcome_of(response)["issue"]]
                assert "not-supported" not in codes, (resource_type, interaction, response.text)
        for name, _definition, _doc in spec.get("operations", []):
            response = requests.get(f"{base}/fhir/{resource_type}/{uuid.uuid4()}/${name}",
                                    headers={"Authorization": f"Bearer {token}"}, timeout=10)
            if response.status_code >= 400:
                codes = [i["code"] for i in outcome_of(response)["issue"]]
                assert "not-supported" not in codes, (resource_type, name, response.text)


# --- Authentication --------------------------------------------------------------------------------

def test_no_invalid_or_expired_token_is_401_with_an_operation_outcome(base, personas):
    api = Api(base, personas.clinic)
    url = f"{base}/fhir/Patient/{personas.patient.pk}"
    expired, _seconds = auth.issue_token(api.client, now=clock.now() - dt.timedelta(hours=2))
    for headers, error in [({}, None), ({"Authorization": "Bearer not-a-token"}, "invalid_token"),
                           ({"Authorization": f"Bearer {expired}"}, "invalid_token"),
                           ({"Authorization": "Basic dXNlcjpwYXNz"}, "invalid_request")]:
        response = requests.get(url, headers=headers, timeout=10)
        assert response.status_code == 401
        assert outcome_of(response)["issue"][0]["code"] == "login"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert (f'error="{error}"' in response.headers["WWW-Authenticate"]) if error else True
    with pytest.raises(AuthorizationError):
        SyncFHIRClient(f"{base}/fhir", authorization="Bearer not-a-token").get("Patient", str(personas.patient.pk))
    assert not access_rows(patient=personas.patient)  # nothing was read
    # Only a hash of a token is stored.
    token = api.token()
    assert not FhirAccessToken.objects.filter(token_hash=token).exists()
    assert FhirAccessToken.objects.filter(token_hash=auth.token_hash(token)).exists()


def test_the_token_endpoint_checks_the_client_assertion(base, personas):
    api = Api(base, personas.clinic)
    other_key = RSAKey.generate_key(2048)
    used = api.assertion()
    assert api.token_response(used).status_code == 200
    refused = {
        "jti used before": api.token_response(used),
        "signed with another key": api.token_response(api.assertion(key=other_key)),
        "wrong audience": api.token_response(api.assertion(aud=f"{base}/other")),
        "expired": api.token_response(api.assertion(exp=int(time.time()) - 120)),
        "valid too long": api.token_response(api.assertion(exp=int(time.time()) + 3600)),
        "no jti": api.token_response(api.assertion(jti=None)),
        "sub is not the client": api.token_response(api.assertion(sub="someone-else")),
        "unknown client": api.token_response(api.assertion(iss="nobody", sub="nobody")),
        "not a JWT": api.token_response("abc.def"),
        "a shared secret": api.token_response(client_secret="hunter2"),
        "wrong assertion type": api.token_response(client_assertion_type="urn:other"),
    }
    for why, response in refused.items():
        assert response.status_code == 401, why
        assert response.json()["error"] == "invalid_client", why
    grant = api.token_response(grant_type="password")
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    # An EC key works as well as an RSA key.
    ec = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
    ec_client = register_fhir_client(organisation=personas.clinic, name="EC", public_key=ec.as_dict(private=False),
                                     actor=org_admin(personas.clinic, "ec-admin"), now=clock.now())
    api.client = ec_client
    assert api.token_response(api.assertion(key=ec)).status_code == 200


def test_a_deactivated_client_is_refused_at_once(base, personas):
    api = Api(base, personas.clinic)
    fhir = api.fhir()
    assert fhir.get("Patient", str(personas.patient.pk))["id"] == str(personas.patient.pk)
    admin = org_admin(personas.clinic, "the-admin")
    deactivate_fhir_client(client=api.client, actor=admin, now=clock.now())
    with pytest.raises(AuthorizationError):
        fhir.get("Patient", str(personas.patient.pk))
    assert api.token_response().status_code == 401


def test_only_the_organisations_admin_registers_a_client_and_it_is_audited(personas, tmp_path):
    key = RSAKey.generate_key(2048)
    admin = org_admin(personas.clinic, "clinic-admin")
    for actor in (personas.clinic_physician, org_admin(personas.other_clinic, "other-admin")):
        with pytest.raises(PermissionDenied):
            register_fhir_client(organisation=personas.clinic, name="X", public_key=key.as_dict(private=False),
                                 actor=actor, now=clock.now())
    with pytest.raises(ValidationError):  # the private key is never taken
        register_fhir_client(organisation=personas.clinic, name="X", public_key=key.as_dict(private=True),
                             actor=admin, now=clock.now())
    with pytest.raises(ValidationError), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc warns about the short key too
        register_fhir_client(organisation=personas.clinic, name="X", public_key=RSAKey.generate_key(1024).as_dict(
            private=False), actor=admin, now=clock.now())
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key.as_dict(private=False)))
    call_command("create_fhir_client", organisation=personas.clinic.org_number, jwk_file=str(path),
                 actor="clinic-admin", name="DIPS", client_id="dips-1")
    client = FhirClient.objects.get(client_id="dips-1")
    assert client.user.username == f"fhir-client-{client.pk}"
    assert client.user.organisation == personas.clinic and not client.user.has_usable_password()
    assert "d" not in client.public_jwk
    audit = AuditEntry.objects.get(action="fhir_client_registered")
    assert audit.actor == admin and audit.object_id == str(client.pk) and audit.data["client_id"] == "dips-1"
    with pytest.raises(CommandError):
        call_command("create_fhir_client", organisation=personas.clinic.org_number, jwk_file=str(path),
                     actor=personas.clinic_physician.username)


# --- Patient -----------------------------------------------------------------------------------------

def test_patient_read_by_the_care_teams_client_and_404_for_another_organisation(base, personas):
    patient = personas.patient
    clinic, other = Api(base, personas.clinic), Api(base, personas.other_clinic)
    resource = clinic.fhir().get("Patient", str(patient.pk))
    assert_valid(resource)
    assert resource["identifier"] == [{"use": "official", "system": resources.FNR, "value": patient.national_id}]
    assert resource["birthDate"] == patient.birth_date.isoformat()
    rows = access_rows(user=clinic.user)
    assert [(r.patient_id, r.what, r.outcome, r.organisation_id) for r in rows] == [
        (patient.pk, "fhir_patient", "granted", personas.clinic.pk)]

    with pytest.raises(ResourceNotFound):
        other.fhir().get("Patient", str(patient.pk))
    missing = requests.get(f"{base}/fhir/Patient/{uuid.uuid4()}", timeout=10,
                           headers={"Authorization": f"Bearer {other.token()}"})
    hidden = requests.get(f"{base}/fhir/Patient/{patient.pk}", timeout=10,
                          headers={"Authorization": f"Bearer {other.token()}"})
    assert missing.status_code == hidden.status_code == 404
    assert outcome_of(missing) == outcome_of(hidden)  # the same answer: nothing tells them apart
    assert [i["code"] for i in outcome_of(hidden)["issue"]] == ["not-found"]
    denied = access_rows(user=other.user)
    assert [r.outcome for r in denied] == ["denied", "denied", "denied"]
    assert denied[0].patient_id == patient.pk  # in the patient's own access log


def test_patient_search_is_a_post_and_finds_only_visible_patients(base, personas):
    clinic = Api(base, personas.clinic)
    elsewhere = new_patient(given="Per", family="Annensted")
    add_care_team_member(patient=elsewhere, organisation=personas.other_clinic,
                         role=CareTeamMember.Role.SPECIALIST_CLINIC, valid_from=D(2020, 1, 1), now=clock.now())
    token = clinic.token()
    found = clinic.post_search(f"{resources.FNR}|{personas.patient.national_id}", token)
    assert found.status_code == 200
    bundle = found.json()
    assert_valid(bundle)
    assert bundle["total"] == 1 and [e["resource"]["id"] for e in bundle["entry"]] == [str(personas.patient.pk)]
    assert personas.patient.national_id not in json.dumps(bundle["link"])
    hidden = clinic.post_search(elsewhere.national_id, token).json()
    assert_valid(hidden)
    assert hidden["total"] == 0 and not hidden.get("entry")
    rows = access_rows(user=clinic.user)
    assert [(r.what, r.outcome, r.patient_id) for r in rows] == [
        ("fhir_patient_search", "granted", personas.patient.pk), ("fhir_patient_search", "denied", None)]

    # Never by GET: an identity number must not be in a URL.
    response = requests.get(f"{base}/fhir/Patient", params={"identifier": personas.patient.national_id},
                            headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 400
    assert outcome_of(response)["issue"][0]["expression"] == ["identifier"]
    with pytest.raises(OperationOutcome):
        clinic.fhir().resources("Patient").search(identifier=personas.patient.national_id).fetch()


def test_a_malformed_search_is_400_naming_the_field_and_stores_nothing(base, personas):
    clinic = Api(base, personas.clinic)
    token = clinic.token()
    before = AccessLog.objects.count()
    cases = [
        (clinic.post_search("12345678901", token), "identifier"),  # check digits wrong
        (clinic.post_search("urn:oid:1.2.3|" + personas.patient.national_id, token), "identifier"),
        (clinic.post_search("", token), "identifier"),
        (clinic.post_search(personas.patient.national_id, token, name="Kari"), "name"),
        (requests.post(f"{base}/fhir/Patient/_search", json={"identifier": personas.patient.national_id},
                       headers={"Authorization": f"Bearer {token}"}, timeout=10), "body"),
        (requests.get(f"{base}/fhir/EpisodeOfCare", params={"status": "open"},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10), "status"),
        (requests.get(f"{base}/fhir/EpisodeOfCare", params={"patient": "not-an-id"},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10), "patient"),
        (requests.get(f"{base}/fhir/EpisodeOfCare", params={"patient": f"Organization/{uuid.uuid4()}"},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10), "patient"),
        (requests.get(f"{base}/fhir/EpisodeOfCare", params={"subject:missing": "true"},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10), "subject:missing"),
        (requests.get(f"{base}/fhir/EpisodeOfCare", params={"_count": "-1"},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10), "_count"),
        (requests.get(f"{base}/fhir/HealthcareService", timeout=10), "municipality"),
        (requests.get(f"{base}/fhir/HealthcareService", params={"municipality": "4601", "free": "yes"},
                      timeout=10), "free"),
    ]
    for response, field in cases:
        assert response.status_code == 400, (field, response.text)
        assert outcome_of(response)["issue"][0]["expression"] == [field]
    assert AccessLog.objects.count() == before


def test_d_numbers_have_their_own_identifier_system():
    assert resources.identifier_system("41018012345") == resources.DNR
    assert resources.identifier_system("71018012345") == resources.DNR
    assert resources.identifier_system("01018012345") == resources.FNR
    assert resources.identifier_system("31818012345") == resources.FNR  # synthetic (month + 80)


# --- EpisodeOfCare -------------------------------------------------------------------------------------

def rebuilt_timeline(episode: dict) -> dict:
    """What a FHIR client rebuilds from the extensions: the rows and limits of the patient page."""
    return {
        "milestones": [(m["key"], m["code"]["code"], m.get("date"), m["status"], m.get("deadline"),
                        m.get("deadlineState")) for m in extensions(episode, "pathway-milestone")],
        "limits": [(t["key"], t["state"], t.get("elapsedDays"), t.get("deadline"), t.get("daysLeft"),
                    t.get("reached"), t["limit"]["value"]) for t in extensions(episode, "pathway-time-limit")],
    }


def expected_timeline(pathway) -> dict:
    pathway.refresh_from_db()
    today = clock.today()
    events = sorted(pathway.events.all(), key=lambda e: e.pk)
    timeline = build_timeline(pathway, events, today, 14)
    definition = pathway.definition
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "milestones": [(r.key, definition.milestones[r.key].code, iso(r.done_on),
                        "done" if r.done_on else ("next" if r.is_next else "pending"), iso(r.deadline),
                        r.deadline_state) for r in timeline.milestones],
        "limits": [(ls.limit.key, ls.state, ls.elapsed_days, iso(ls.deadline),
                    ls.days_left if ls.is_open else None, iso(ls.done_on), ls.limit.weeks) for ls in timeline.limits],
    }


def test_an_episode_of_care_gives_the_timeline_of_the_patient_page(base, personas, client):
    today = clock.today()
    pathway = start(personas, today - dt.timedelta(days=100))
    register(personas, pathway, "mapping_consultation", today - dt.timedelta(days=90))
    register(personas, pathway, "assessment_start", today - dt.timedelta(days=75))
    ended = start(personas, today - dt.timedelta(days=60), patient=new_patient())
    add_care_team_member(patient=ended.patient, organisation=personas.clinic, role=CareTeamMember.Role.SPECIALIST_CLINIC,
                         valid_from=D(2020, 1, 1), now=clock.now())
    register(personas, ended, "pathway_end", today - dt.timedelta(days=50), outcome="not_included")

    fhir = Api(base, personas.clinic).fhir()
    episode = fhir.get("EpisodeOfCare", str(pathway.pk))
    assert_valid(episode)
    assert rebuilt_timeline(episode) == expected_timeline(pathway)
    # Two limits running: the first breached (75 days of 84 used at assessment start: met), …
    states = {t["key"]: t["state"] for t in extensions(episode, "pathway-time-limit")}
    assert states == {"referral_to_assessment": "met", "assessment_time": "at_risk",
                      "summarizing_to_followup": "not_started"}
    # … the same states the patient page shows.
    client.force_login(personas.clinic_physician)
    page = client.get(f"/patients/{personas.patient.pk}/").content.decode()
    assert dict(re.findall(r'data-limit="([^"]+)" data-state="([^"]+)"', page)) == states
    assert episode["status"] == "active" and episode["period"] == {"start": pathway.started_on.isoformat()}
    assert episode["managingOrganization"]["reference"] == f"Organization/{personas.clinic.pk}"
    assert episode["careManager"]["display"] == personas.clinic_nurse.display_name  # the coordinator
    assert episode["team"] == [{"reference": "#care-team", "type": "CareTeam"}]
    team = episode["contained"][0]
    assert {p["onBehalfOf"]["display"] if "onBehalfOf" in p else p["member"]["display"]
            for p in team["participant"]} == {personas.clinic.name, personas.gp_office.name,
                                              personas.physio_service.name}
    assert [e["key"] for e in extensions(episode, "pathway-event")] == [
        "pathway_start", "mapping_consultation", "assessment_start"]
    assert {c["system"] for c in episode["type"][0]["coding"]} >= {resources.PATHWAY_TYPE}

    finished = fhir.get("EpisodeOfCare", str(ended.pk))
    assert_valid(finished)
    assert finished["status"] == "finished"
    assert rebuilt_timeline(finished) == expected_timeline(ended)
    end = [m for m in extensions(finished, "pathway-milestone") if m["key"] == "pathway_end"][0]
    assert end["outcome"]["system"] == resources.PATHWAY_OUTCOME and end["outcome"]["code"] == "SM94"

    # The organisation it points at reads as an Organization.
    organization = fhir.get("Organization", str(personas.clinic.pk))
    assert_valid(organization)
    assert organization["identifier"][0] == {"use": "official", "system": resources.ORGNR,
                                             "value": personas.clinic.org_number}


def test_every_read_writes_exactly_one_access_log_row(base, personas):
    today = clock.today()
    pathway = start(personas, today - dt.timedelta(days=10))
    api = Api(base, personas.clinic)
    fhir = api.fhir()
    reads = [
        lambda: fhir.get("Patient", str(personas.patient.pk)),
        lambda: fhir.get("EpisodeOfCare", str(pathway.pk)),
        lambda: fhir.resources("EpisodeOfCare").search(patient=str(personas.patient.pk)).fetch(),
        lambda: api.post_search(personas.patient.national_id),
    ]
    for read in reads:
        before = AccessLog.objects.count()
        read()
        rows = list(AccessLog.objects.order_by("-pk")[:AccessLog.objects.count() - before])
        assert len(rows) == 1
        assert rows[0].patient_id == personas.patient.pk and rows[0].user_id == api.user.pk
    # The organisation and the offers are not patient data: no rows.
    before = AccessLog.objects.count()
    fhir.get("Organization", str(personas.clinic.pk))
    assert AccessLog.objects.count() == before


def test_episode_search_pages_and_leaves_out_what_the_caller_may_not_see(base, personas):
    today = clock.today()
    mine = [start(personas, today - dt.timedelta(days=d)) for d in (30,)]
    for i in range(2):
        patient = new_patient(given=f"P{i}")
        add_care_team_member(patient=patient, organisation=personas.clinic, role=CareTeamMember.Role.SPECIALIST_CLINIC,
                             valid_from=D(2020, 1, 1), now=clock.now())
        mine.append(start(personas, today - dt.timedelta(days=20 + i), patient=patient))
    register(personas, mine[2], "pathway_end", today - dt.timedelta(days=1), outcome="other_reasons")
    hidden_patient = new_patient(given="Skjult")
    from samforlop.pathways import actions as pathway_actions

    hidden = pathway_actions.start_pathway(patient=hidden_patient, clinic=personas.other_clinic, type="smerte",
                                           date=today - dt.timedelta(days=5), actor=personas.outsider, now=clock.now())
    api = Api(base, personas.clinic)
    fhir = api.fhir()

    search = fhir.resources("EpisodeOfCare").limit(2)
    first = search.fetch_raw()
    assert_valid(plain(first))
    assert first["total"] == 3 and len(first["entry"]) == 2
    assert any(link["relation"] == "next" for link in first["link"])
    everything = search.fetch_all()
    assert sorted(e["id"] for e in everything) == sorted(str(p.pk) for p in mine)
    for episode in everything:
        assert_valid(plain(episode))
    assert str(hidden.pk) not in {e["id"] for e in everything}

    by_status = fhir.resources("EpisodeOfCare").search(status="finished").fetch_raw()
    assert by_status["total"] == 1 and by_status["entry"][0]["resource"]["id"] == str(mine[2].pk)
    assert fhir.resources("EpisodeOfCare").search(status="active,finished").fetch_raw()["total"] == 3
    by_org = fhir.resources("EpisodeOfCare").search(organization=f"Organization/{personas.other_clinic.pk}")
    assert by_org.fetch_raw()["total"] == 0  # the other clinic's pathway is not counted
    for_hidden = fhir.resources("EpisodeOfCare").search(patient=str(hidden_patient.pk)).fetch_raw()
    assert for_hidden["total"] == 0 and not for_hidden.get("entry")
    denied = access_rows(user=api.user, outcome="denied")
    assert [(r.what, r.patient_id) for r in denied] == [("fhir_episode_of_care_search", hidden_patient.pk)]


def test_nav_sees_the_pathway_only_with_consent_and_never_the_clinical_parts(base, personas):
    patient = personas.patient
    today = clock.today()
    pathway = start(personas, today - dt.timedelta(days=30))
    me = User.objects.create(username="kari", patient=patient)
    add_care_team_member(patient=patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                         person=personas.nav_officer, valid_from=D(2020, 1, 1), now=clock.now())
    nav = Api(base, personas.nav_office, name="NAV Modia")
    fhir = nav.fhir()
    with pytest.raises(ResourceNotFound):  # on the care team, but no consent: nothing
        fhir.get("EpisodeOfCare", str(pathway.pk))
    with pytest.raises(ResourceNotFound):
        fhir.get("Patient", str(patient.pk))
    assert fhir.resources("EpisodeOfCare").fetch_raw()["total"] == 0

    consents = grant_consent(patient=patient, categories=[Category.PLAN_AND_MEETINGS], valid_from=today,
                             organisation=personas.nav_office, actor=me, now=clock.now())
    episode = fhir.get("EpisodeOfCare", str(pathway.pk))
    assert_valid(episode)
    assert rebuilt_timeline(episode) == expected_timeline(pathway)
    assert not extensions(episode, "pathway-event")  # the event log is for health personnel
    assert "referralRequest" not in episode  # the referral is outside the consent
    assert fhir.resources("EpisodeOfCare").fetch_raw()["total"] == 1

    withdraw_consent(consent=consents[0], actor=me, now=clock.now())
    with pytest.raises(ResourceNotFound):
        fhir.get("EpisodeOfCare", str(pathway.pk))


# --- A patient's own app: the patient's log-in --------------------------------------------------------

def test_a_logged_in_patient_reads_their_own_data_and_nobody_elses(personas, client):
    pathway = start(personas, clock.today() - dt.timedelta(days=3))
    other = new_patient(given="Nabo")
    me = User.objects.create(username="kari", patient=personas.patient)
    client.force_login(me)
    response = client.get(f"/fhir/Patient/{personas.patient.pk}", HTTP_ACCEPT="application/fhir+json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/fhir+json")
    assert_valid(response.json())
    episode = client.get(f"/fhir/EpisodeOfCare/{pathway.pk}")
    assert episode.status_code == 200
    assert_valid(episode.json())
    assert client.get(f"/fhir/Patient/{other.pk}").status_code == 404
    # A search is a POST: with the session it needs the CSRF token, as a form does.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(me)
    refused = strict.post("/fhir/Patient/_search", f"identifier={personas.patient.national_id}",
                          content_type="application/x-www-form-urlencoded")
    assert refused.status_code == 403 and outcome_of(refused)["issue"][0]["code"] == "forbidden"
    csrf = secrets.token_hex(16)  # 32 characters, as Django's CSRF secret
    strict.cookies["csrftoken"] = csrf
    allowed = strict.post("/fhir/Patient/_search", f"identifier={personas.patient.national_id}",
                          content_type="application/x-www-form-urlencoded", HTTP_X_CSRFTOKEN=csrf)
    assert allowed.status_code == 200 and allowed.json()["total"] == 1
    # A staff member's session is not a way in: systems use tokens.
    client.force_login(personas.clinic_physician)
    assert client.get(f"/fhir/Patient/{personas.patient.pk}").status_code == 401


# --- HealthcareService: the offers catalogue, no log-in --------------------------------------------

def test_offers_are_healthcare_services_readable_without_log_in(base, personas):
    from samforlop.offers import actions as offer_actions

    def offer(title, municipalities=("4601",), **fields):
        defaults = dict(title=title, description=f"Om {title}", kind="adapted_training", open_without_diagnosis=True,
                        diagnosis_groups=[], needs_referral=False, needs_decision=False, cost_nok=0, transport=False,
                        needs=["physical_activity"], last_verified=clock.today(), languages="norsk engelsk")
        return offer_actions.save_offer(editor=personas.physiotherapist, fields={**defaults, **fields},
                                        municipalities=list(municipalities), now=clock.now())

    pool = offer("Varmtvannstrening", kind="warm_water_pool", seats=12, next_start_dates=["2030-01-07"])
    offer("Trening med egenandel", cost_nok=400)
    offer("Trening etter henvisning", needs_referral=True)
    offer("Trening i Oslo", municipalities=("0301",))
    public = SyncFHIRClient(f"{base}/fhir")
    everything = public.resources("HealthcareService").search(municipality="4601").fetch_raw()
    assert_valid(plain(everything))
    assert everything["total"] == 3
    free = public.resources("HealthcareService").search(municipality="4601", free="true", **{"no-referral": "true"})
    assert [e["name"] for e in free.fetch()] == ["Varmtvannstrening"]
    pools = public.resources("HealthcareService").search(municipality="4601", kind="warm_water_pool").fetch()
    assert [e["id"] for e in pools] == [str(pool.pk)]
    service = public.get("HealthcareService", str(pool.pk))
    assert_valid(service)
    assert service["providedBy"]["reference"] == f"Organization/{personas.physio_service.pk}"
    assert service["serviceProvisionCode"][0]["coding"][0]["code"] == "free"
    assert [c["text"] for c in service["communication"]] == ["norsk", "engelsk"]
