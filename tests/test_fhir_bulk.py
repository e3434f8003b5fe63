"""Bulk Data export for a clinic (issue 9, point 3): Group/[id]/$export with the async pattern —
kick-off 202, status 202 while `run_bulk_exports` works, then the manifest and NDJSON files —
subject to the registry export's role, the guard and the access log."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
import requests
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from fhirpy.base.exceptions import ResourceNotFound
from joserfc.jwk import RSAKey

from samforlop.accounts.models import User
from samforlop.audit.models import AuditEntry
from samforlop.core import clock
from samforlop.fhir import actions, bulk
from samforlop.fhir.actions import register_fhir_client, set_fhir_client_reporting
from samforlop.fhir.models import BulkExportFile, BulkExportJob
from samforlop.patients.actions import block_access

from .conftest import new_patient, start
from .fhir_helpers import Api, access_rows, assert_valid, org_admin, outcome_of, reporting_api

ASYNC = {"Accept": "application/fhir+json", "Prefer": "respond-async"}


def kick_off(base, clinic, token, headers=ASYNC, **params) -> requests.Response:
    return requests.get(f"{base}/fhir/Group/{clinic.pk}/$export", params=params, timeout=10,
                        headers={"Authorization": f"Bearer {token}", **headers})


def get(url, token, **headers) -> requests.Response:
    return requests.get(url, headers={"Authorization": f"Bearer {token}", **headers}, timeout=10)


def run_exports():
    call_command("run_bulk_exports", once=True)


def download(manifest, token) -> dict[str, list[dict]]:
    """Each output file's resources by type, every line validated."""
    out = {}
    for entry in manifest["output"]:
        response = get(entry["url"], token, Accept="application/fhir+ndjson")
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == "application/fhir+ndjson"
        resources = [json.loads(line) for line in response.text.splitlines()]
        for resource in resources:
            assert_valid(resource)
            assert resource["resourceType"] == entry["type"]
        assert len(resources) == entry["count"]
        out[entry["type"]] = resources
    return out


@pytest.fixture
def clinic_patients(personas):
    """Two patients with a pathway at the clinic the clinic may see, and one who has blocked the
    clinic (so must be neither counted nor exported); one more on the care team of another clinic."""
    today = clock.today()
    visible = [start(personas, today - dt.timedelta(days=30))]
    second = new_patient(given="Per")
    visible.append(start(personas, today - dt.timedelta(days=20), patient=second))
    hidden = new_patient(given="Skjult")
    start(personas, today - dt.timedelta(days=10), patient=hidden)
    me = User.objects.create(username="skjult", patient=hidden)
    block_access(patient=hidden, organisation=personas.clinic, actor=me, now=clock.now())
    from samforlop.pathways import actions as pathway_actions

    elsewhere = new_patient(given="Annen")
    pathway_actions.start_pathway(patient=elsewhere, clinic=personas.other_clinic, type="smerte",
                                  date=today - dt.timedelta(days=5), actor=personas.outsider, now=clock.now())
    return {"visible": visible, "hidden": hidden, "elsewhere": elsewhere}


# --- The whole async flow --------------------------------------------------------------------------------

def test_the_full_async_flow_exports_only_the_patients_the_client_may_see(base, personas, clinic_patients):
    api = reporting_api(base, personas.clinic)
    token = api.token()
    visible_ids = {str(p.patient_id) for p in clinic_patients["visible"]}

    group = api.fhir().get("Group", str(personas.clinic.pk))
    assert_valid(group)
    assert group["type"] == "person" and group["actual"] is True
    assert group["managingEntity"]["reference"] == f"Organization/{personas.clinic.pk}"
    assert group["quantity"] == 2  # the blocked patient is not counted
    assert "member" not in group

    kicked = kick_off(base, personas.clinic, token, _type="Patient,EpisodeOfCare")
    assert kicked.status_code == 202, kicked.text
    assert_valid(kicked.json())
    status_url = kicked.headers["Content-Location"]
    assert status_url.startswith(f"{base}/fhir/")
    assert not access_rows(what="fhir_bulk_export")  # nothing read in the request

    pending = get(status_url, token)
    assert pending.status_code == 202
    assert pending.headers["X-Progress"] and int(pending.headers["Retry-After"]) > 0

    run_exports()
    done = get(status_url, token)
    assert done.status_code == 200 and done.headers["Content-Type"].startswith("application/json")
    assert done.headers["Expires"]
    manifest = done.json()
    assert manifest["request"] == kicked.url
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert dt.datetime.fromisoformat(manifest["transactionTime"]) <= clock.now()
    assert [(o["type"], o["count"]) for o in manifest["output"]] == [("Patient", 2), ("EpisodeOfCare", 2)]

    files = download(manifest, token)
    assert {p["id"] for p in files["Patient"]} == visible_ids
    assert {e["patient"]["reference"] for e in files["EpisodeOfCare"]} == {f"Patient/{i}" for i in visible_ids}
    episode = next(e for e in files["EpisodeOfCare"] if e["id"] == str(clinic_patients["visible"][0].pk))
    assert episode["meta"]["lastUpdated"] and episode["managingOrganization"]["display"] == personas.clinic.name
    # A file needs the token, as the manifest says.
    assert requests.get(manifest["output"][0]["url"], timeout=10).status_code == 401

    # The export is in the exported patients' access logs (one row each) and in the audit trail.
    rows = access_rows(what="fhir_bulk_export")
    assert sorted(str(r.patient_id) for r in rows) == sorted(visible_ids)
    assert {(r.user_id, r.organisation_id, r.role, r.outcome) for r in rows} == {
        (api.user.pk, personas.clinic.pk, User.Role.LEADER, "granted")}
    assert not access_rows(patient=clinic_patients["hidden"]) and not access_rows(patient=clinic_patients["elsewhere"])
    job = BulkExportJob.objects.get()
    audit = {a.action: a for a in AuditEntry.objects.filter(object_type="fhir.bulkexportjob", object_id=str(job.pk))}
    assert set(audit) == {"fhir_bulk_export_requested", "fhir_bulk_export_completed"}
    assert audit["fhir_bulk_export_completed"].actor == api.user
    assert audit["fhir_bulk_export_completed"].data["files"] == {"Patient": 2, "EpisodeOfCare": 2}


def test_without_type_every_registered_exporter_runs_one_step_each(base, personas, clinic_patients):
    api = reporting_api(base, personas.clinic)
    token = api.token()
    status_url = kick_off(base, personas.clinic, token).headers["Content-Location"]
    # One step writes one file: the status says how far it has got.
    actions.run_bulk_export_step(clock.now())
    assert get(status_url, token).headers["X-Progress"] == f"1 of {len(bulk.EXPORTERS)} files written"
    # A patient who blocks the clinic between steps is left out of the files still to come.
    me = User.objects.create(username="per", patient=clinic_patients["visible"][1].patient)
    block_access(patient=me.patient, organisation=personas.clinic, actor=me, now=clock.now())
    run_exports()
    manifest = get(status_url, token).json()
    assert [o["type"] for o in manifest["output"]] == list(bulk.EXPORTERS)
    files = download(manifest, token)
    assert len(files["Patient"]) == 2 and len(files["EpisodeOfCare"]) == 1


def test_since_leaves_out_episodes_unchanged_since(base, personas):
    today = clock.today()
    start(personas, today - dt.timedelta(days=60), now=clock.now() - dt.timedelta(days=10))
    recent_patient = new_patient(given="Ny")
    recent = start(personas, today - dt.timedelta(days=1), patient=recent_patient)
    api = reporting_api(base, personas.clinic)
    token = api.token()
    since = (clock.now() - dt.timedelta(days=1)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    status_url = kick_off(base, personas.clinic, token, _since=since).headers["Content-Location"]
    run_exports()
    manifest = get(status_url, token).json()
    files = download(manifest, token)
    assert [e["id"] for e in files["EpisodeOfCare"]] == [str(recent.pk)]
    assert len(files["Patient"]) == 2  # no change time kept for patients: always included


# --- Who may export ------------------------------------------------------------------------------------

def test_only_the_clinics_reporting_role_may_export(base, personas, clinic_patients, client):
    plain_client = Api(base, personas.clinic)  # no reporting role
    token = plain_client.token()
    assert plain_client.fhir().get("Group", str(personas.clinic.pk))["quantity"] == 2  # may read the Group …
    refused = kick_off(base, personas.clinic, token)
    assert refused.status_code == 403  # … but not export it
    assert outcome_of(refused)["issue"][0]["code"] == "forbidden"

    other = reporting_api(base, personas.other_clinic)
    with pytest.raises(ResourceNotFound):
        other.fhir().get("Group", str(personas.clinic.pk))
    another = kick_off(base, personas.clinic, other.token())
    assert another.status_code == 404 and outcome_of(another)["issue"][0]["code"] == "not-found"
    unknown = requests.get(f"{base}/fhir/Group/{uuid.uuid4()}/$export", headers={
        "Authorization": f"Bearer {other.token()}", **ASYNC}, timeout=10)
    assert outcome_of(unknown) == outcome_of(another)  # another's Group reads as one that does not exist

    # A patient's log-in is no way in either.
    client.force_login(User.objects.create(username="kari", patient=personas.patient))
    as_patient = client.get(f"/fhir/Group/{personas.clinic.pk}/$export", HTTP_PREFER="respond-async")
    assert as_patient.status_code == 404
    assert client.get(f"/fhir/Group/{personas.clinic.pk}").status_code == 404
    assert not BulkExportJob.objects.exists()


def test_the_admin_gives_a_client_the_reporting_role_audited(personas):
    key = RSAKey.generate_key(2048).as_dict(private=False)
    admin = org_admin(personas.clinic, "clinic-admin")
    client = register_fhir_client(organisation=personas.clinic, name="Register", public_key=key, actor=admin,
                                  now=clock.now(), reporting=True)
    assert client.user.role == User.Role.LEADER
    assert AuditEntry.objects.get(action="fhir_client_registered", object_id=str(client.pk)).data["role"] == "leader"
    set_fhir_client_reporting(client=client, reporting=False, actor=admin, now=clock.now())
    client.user.refresh_from_db()
    assert client.user.role == ""
    change = AuditEntry.objects.get(action="fhir_client_role_changed")
    assert change.actor == admin and change.data["old"] == {"role": "leader"} and change.data["new"] == {"role": ""}
    with pytest.raises(PermissionDenied):  # not the admin
        set_fhir_client_reporting(client=client, reporting=True, actor=personas.clinic_physician, now=clock.now())
    with pytest.raises(ValidationError):  # reporting is a specialist clinic's role
        register_fhir_client(organisation=personas.gp_office, name="EPJ", public_key=key, reporting=True,
                             actor=org_admin(personas.gp_office, "gp-admin"), now=clock.now())


def test_an_export_fails_when_the_requester_loses_the_role_before_it_runs(base, personas, clinic_patients):
    api = reporting_api(base, personas.clinic)
    token = api.token()
    status_url = kick_off(base, personas.clinic, token).headers["Content-Location"]
    set_fhir_client_reporting(client=api.client, reporting=False, actor=org_admin(personas.clinic, "a2"),
                              now=clock.now())
    run_exports()
    failed = get(status_url, token)
    assert failed.status_code == 500
    assert "reporting role" in outcome_of(failed)["issue"][0]["diagnostics"]
    assert not BulkExportFile.objects.exists() and not access_rows(what="fhir_bulk_export")
    assert AuditEntry.objects.filter(action="fhir_bulk_export_failed").count() == 1


def test_a_failing_exporter_fails_the_export_and_serves_no_files(base, personas, clinic_patients, monkeypatch):
    def broken(user, patients, today):
        raise RuntimeError("boom")

    monkeypatch.setitem(bulk.EXPORTERS, "EpisodeOfCare", broken)
    api = reporting_api(base, personas.clinic)
    token = api.token()
    status_url = kick_off(base, personas.clinic, token).headers["Content-Location"]
    run_exports()
    failed = get(status_url, token)
    assert failed.status_code == 500 and outcome_of(failed)["issue"][0]["code"] == "exception"
    assert "boom" not in failed.text  # no internals (or data) in the message
    assert not BulkExportFile.objects.exists() and not access_rows(what="fhir_bulk_export")


# --- Malformed kick-offs -----------------------------------------------------------------------------------

def test_a_malformed_kick_off_is_400_naming_the_field_and_queues_nothing(base, personas, clinic_patients):
    api = reporting_api(base, personas.clinic)
    token = api.token()
    cases = [
        (kick_off(base, personas.clinic, token, headers={"Accept": "application/fhir+json"}), "Prefer"),
        (kick_off(base, personas.clinic, token, _type="Patient,Observation"), "_type"),
        (kick_off(base, personas.clinic, token, _outputFormat="text/csv"), "_outputFormat"),
        (kick_off(base, personas.clinic, token, _since="2026-01-01"), "_since"),
        (kick_off(base, personas.clinic, token, _since="2026-13-01T00:00:00Z"), "_since"),
        (kick_off(base, personas.clinic, token, _typeFilter="Patient?active=true"), "_typeFilter"),
    ]
    for response, field in cases:
        assert response.status_code == 400, (field, response.text)
        assert outcome_of(response)["issue"][0]["expression"] == [field]
    assert "Observation" in outcome_of(cases[1][0])["issue"][0]["diagnostics"]
    assert not BulkExportJob.objects.exists()
    for fmt in ("ndjson", "application/ndjson", "application/fhir+ndjson"):  # the IG's names for NDJSON
        assert kick_off(base, personas.clinic, token, _outputFormat=fmt).status_code == 202


# --- Only the requester; cancel; expiry ----------------------------------------------------------------

def test_only_the_requester_reads_the_status_and_the_files(base, personas, clinic_patients):
    api = reporting_api(base, personas.clinic)
    token = api.token()
    status_url = kick_off(base, personas.clinic, token).headers["Content-Location"]
    run_exports()
    manifest = get(status_url, token).json()
    file_url = manifest["output"][0]["url"]
    for stranger in (reporting_api(base, personas.clinic, "Annen klient"), reporting_api(base, personas.other_clinic)):
        other_token = stranger.token()
        for url in (status_url, file_url):
            response = get(url, other_token)
            assert response.status_code == 404 and outcome_of(response)["issue"][0]["code"] == "not-found"
        deleted = requests.delete(status_url, headers={"Authorization": f"Bearer {other_token}"}, timeout=10)
        assert deleted.status_code == 404
    assert get(file_url, token).status_code == 200  # still there for the requester

    # After 24 hours the export is gone, and the worker purges its files.
    BulkExportJob.objects.update(expires_at=clock.now() - dt.timedelta(seconds=1))
    assert get(status_url, token).status_code == 404 and get(file_url, token).status_code == 404
    run_exports()
    assert not BulkExportFile.objects.exists()
    assert BulkExportJob.objects.get().cohort is None  # nor the list of patients it was for


def test_delete_cancels_an_export(base, personas, clinic_patients):
    api = reporting_api(base, personas.clinic)
    token = api.token()
    status_url = kick_off(base, personas.clinic, token).headers["Content-Location"]
    cancelled = requests.delete(status_url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert cancelled.status_code == 202
    assert get(status_url, token).status_code == 404
    run_exports()  # nothing left to do
    assert not BulkExportFile.objects.exists() and not access_rows(what="fhir_bulk_export")
    assert AuditEntry.objects.filter(action="fhir_bulk_export_cancelled").count() == 1

    # Deleting a finished export deletes its files.
    status_url = kick_off(base, personas.clinic, token).headers["Content-Location"]
    run_exports()
    file_url = get(status_url, token).json()["output"][0]["url"]
    assert requests.delete(status_url, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 202
    assert get(file_url, token).status_code == 404 and not BulkExportFile.objects.exists()


def test_the_capability_statement_offers_the_group_export(base):
    from fhirpy import SyncFHIRClient

    statement = SyncFHIRClient(f"{base}/fhir").execute("metadata", method="get")
    assert_valid(statement)
    group = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Group")
    assert [i["code"] for i in group["interaction"]] == ["read"]
    assert group["operation"][0]["name"] == "export"
    assert group["operation"][0]["definition"] == bulk.GROUP_EXPORT_DEFINITION


def test_a_clinic_export_has_valid_resources_of_every_type(base, personas):
    """A patient with a referral, a pathway, a meeting, a check-in, a consent and a plan: every
    exporter finds something, and every line is valid FHIR (download validates each)."""
    import random

    from samforlop.careplan.actions import add_goal, add_measure
    from samforlop.checkins.actions import schedule_checkins, submit_checkin
    from samforlop.demo.world import _demo_referral
    from samforlop.meetings.actions import schedule_meeting
    from samforlop.patients.actions import grant_consent

    now, today = clock.now(), clock.today()
    patient = new_patient(gp=personas.gp, given="Rik", family="Historie")
    _demo_referral(patient, personas.gp, personas.clinic, random.Random(5), now - dt.timedelta(days=40))
    pathway = start(personas, today - dt.timedelta(days=30), patient=patient)
    schedule_meeting(pathway=pathway, kind="summarizing", starts_at=now + dt.timedelta(days=7), place="Møterom 2",
                     actor=personas.clinic_physician, now=now, submission_id=uuid.uuid4())
    me = User.objects.create(username="rik", patient=patient)
    schedule_checkins(patient=patient, questionnaire_key="pain_intensity", interval_months=3, first_due_on=today,
                      actor=personas.clinic_physician, now=now)
    submit_checkin(patient=patient, questionnaire_key="pain_intensity", answers={"pain_now": 9, "pain_average_week": 8},
                   actor=me, now=now, submission_id=uuid.uuid4())
    grant_consent(patient=patient, categories=["plan_and_meetings"], valid_from=today,
                  organisation=personas.nav_office, actor=me, now=now)
    goal = add_goal(patient=patient, text="Gå tur hver dag", actor=personas.clinic_physician, now=now,
                    submission_id=uuid.uuid4())
    add_measure(patient=patient, title="Trening med fysioterapeut", organisation=personas.clinic,
                person=personas.clinic_physician, due_on=today + dt.timedelta(days=30), goal=goal,
                actor=personas.clinic_physician, now=now, submission_id=uuid.uuid4())
    api = reporting_api(base, personas.clinic)
    token = api.token()
    status_url = kick_off(base, personas.clinic, token).headers["Content-Location"]
    run_exports()
    files = download(get(status_url, token).json(), token)
    assert set(files) == set(bulk.EXPORTERS)
    empty = [resource_type for resource_type, resources in files.items() if not resources]
    assert empty == [], empty
