"""FHIR endpoints — Bulk Data export for a clinic (FHIR Bulk Data Access IG, the async pattern):

    GET  Group/<clinic uuid>                         the clinic's patients as a Group (a count only)
    GET  Group/<clinic uuid>/$export                 kick-off: 202 + Content-Location (the status URL)
    GET  bulk-export/<job id>                        202 + X-Progress while running; 200 + manifest when done
    DELETE bulk-export/<job id>                      cancel (or delete the files): 202, then 404
    GET  bulk-export/<job id>/file/<file id>         one NDJSON file (application/fhir+ndjson)

The Group of a clinic is its patients — those with a pathway at the clinic (not one registered in
error) — that the caller may see: the guard (`Patient.objects.visible_to`) decides, so nobody is
counted or exported whom the caller could not read one by one. Only the clinic's own users read
its Group (anyone else gets 404); only the reporting role (leader, as for the registry export on
the report page) may export it (403 otherwise).

Nothing heavy happens in a request: the kick-off queues a job (`actions.request_bulk_export`) and
`manage.py run_bulk_exports` works through the queue, one resource type per step. Only the
requester (the same client's system user) polls, downloads and cancels; another caller gets 404.
The files are served for `actions.EXPORT_LIFETIME` (24 hours) after the export completed, then
purged. Completing an export writes one access-log row per exported patient (`fhir_bulk_export`)
and an audit row; the download itself adds none (only the requester can fetch, and only then).

Resource types come from `EXPORTERS`: resource type -> function(user, patients, today) returning
the resources for those patients (already let through the guard; the exporter applies any
finer rule, e.g. consent categories, as its read endpoint does). Register a new type there and
the kick-off, `_type`, the job machinery and the CapabilityStatement pick it up.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.urls import path
from django.utils.http import http_date

from samforlop.core import clock
from samforlop.fhir import actions
from samforlop.fhir import resources as fhir
from samforlop.fhir.api import base_url, fhir_view, resource_uuid, search_params
from samforlop.fhir.models import BulkExportFile, BulkExportJob
from samforlop.fhir.outcome import FhirError, bad_request, fhir_response, issue, not_found, operation_outcome

NDJSON = "application/fhir+ndjson"
# `_outputFormat` values meaning NDJSON (the IG lets servers accept the two abbreviations).
NDJSON_FORMATS = {NDJSON, "application/ndjson", "ndjson"}
RETRY_AFTER_SECONDS = 10
GROUP_EXPORT_DEFINITION = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"


# --- Exporters: resource type -> resources for a chunk of (visible) patients -----------------------------

def export_patients(user, patients, today) -> Iterable[dict]:
    return [fhir.patient_resource(p) for p in patients]


def export_episodes(user, patients, today) -> Iterable[dict]:
    """Every pathway of these patients the user may see (at any clinic: a Group export is the
    members' whole compartment), mapped as `EpisodeOfCare/<id>` reads are. `meta.lastUpdated` is
    the last registered event, for `_since`."""
    from samforlop.fhir.views import _episodes
    from samforlop.pathways.models import Pathway
    from samforlop.patients.models import OVERVIEW

    pathways = list(Pathway.objects.visible_to(user, today, OVERVIEW).filter(patient__in=patients)
                    .select_related("patient", "clinic").prefetch_related("events").order_by("patient_id", "pk"))
    out = []
    for pathway, resource in zip(pathways, _episodes(user, pathways, today) if pathways else []):
        changed = max([pathway.created_at] + [e.registered_at for e in pathway.events.all()])
        out.append({**resource, "meta": {"lastUpdated": _instant(changed)}})
    return out


def export_service_requests(user, patients, today) -> Iterable[dict]:
    """The referrals of these patients the user may read (the ServiceRequest search's rule)."""
    from samforlop.fhir.intake import _service_request, _visible_referrals

    referrals = _visible_referrals(user, clock.now()).filter(patient__in=patients).order_by("patient_id", "created_at")
    return [_service_request(user, r) for r in referrals]


def export_questionnaire_responses(user, patients, today) -> Iterable[dict]:
    from samforlop.checkins.models import CheckIn
    from samforlop.fhir.intake import _with_task
    from samforlop.patients.models import Category, visibility_condition

    condition = visibility_condition(user, today, patient_field="patient_id", category=Category.CHECKINS)
    if condition is None:
        return []
    checkins = (CheckIn.objects.filter(condition).filter(patient__in=patients).select_related("patient")
                .prefetch_related("tasks__organisation").order_by("patient_id", "submitted_at"))
    return [{**_with_task(c), "meta": {"lastUpdated": _instant(c.submitted_at)}} for c in checkins]


def export_care_teams(user, patients, today) -> Iterable[dict]:
    from samforlop.fhir.people import _teams

    return _teams(list(patients), today)


def export_appointments(user, patients, today) -> Iterable[dict]:
    from django.db.models import Prefetch

    from samforlop.fhir.people import _participants, appointment_resource
    from samforlop.meetings.models import Meeting
    from samforlop.patients.models import Category, visibility_condition

    condition = visibility_condition(user, today, patient_field="pathway__patient_id",
                                     category=Category.PLAN_AND_MEETINGS)
    if condition is None:
        return []
    meetings = (Meeting.objects.filter(condition).filter(pathway__patient__in=patients)
                .prefetch_related(Prefetch("participants", queryset=_participants())).order_by("starts_at", "pk"))
    return [appointment_resource(m, list(m.participants.all())) for m in meetings]


def export_consents(user, patients, today) -> Iterable[dict]:
    from samforlop.fhir.people import _consents, consent_resource

    return [consent_resource(c, today)
            for c in _consents(user, today).filter(patient__in=patients).order_by("patient_id", "valid_from", "pk")]


def export_care_plans(user, patients, today) -> Iterable[dict]:
    from samforlop.fhir.plans import _current_care_plan, _plan_with_related, _plans

    return [_current_care_plan(p) for p in _plan_with_related(_plans(user, clock.now()).filter(patient__in=patients))
            .order_by("patient_id")]


def export_goals(user, patients, today) -> Iterable[dict]:
    from samforlop.fhir.plans import _goal_for, _goals

    return [_goal_for(user, g)
            for g in _goals(user, clock.now()).filter(plan__patient__in=patients).select_related("plan").order_by("pk")]


def export_tasks(user, patients, today) -> Iterable[dict]:
    """The clinic's staff tasks (as on its worklist) and the plans' measures."""
    from samforlop.fhir.plans import _measures, _staff_tasks, measure_task_resource, staff_task_resource

    now = clock.now()
    tasks = [staff_task_resource(t) for t in _staff_tasks(user, now).filter(patient__in=patients)
             .select_related("organisation").order_by("patient_id", "due_on", "pk")]
    measures = [measure_task_resource(m) for m in _measures(user, now).filter(plan__patient__in=patients)
                .select_related("plan", "organisation", "person").order_by("plan__patient_id", "pk")]
    return tasks + measures


EXPORTERS: dict[str, Callable[..., Iterable[dict]]] = {
    "Patient": export_patients,
    "EpisodeOfCare": export_episodes,
    "ServiceRequest": export_service_requests,
    "QuestionnaireResponse": export_questionnaire_responses,
    "CareTeam": export_care_teams,
    "Appointment": export_appointments,
    "Consent": export_consents,
    "CarePlan": export_care_plans,
    "Goal": export_goals,
    "Task": export_tasks,
}


def ndjson(resource_type: str, user, patients, today, since: dt.datetime | None) -> list[str]:
    """The NDJSON lines (each with its newline) of one exporter for a chunk of patients. With
    `since`, a resource whose `meta.lastUpdated` is before it is left out; one without
    `meta.lastUpdated` (the domain keeps no change time for it, e.g. Patient) is always included —
    the IG allows more than what changed, never less."""
    lines = []
    for resource in EXPORTERS[resource_type](user, patients, today):
        if resource["resourceType"] != resource_type:  # a wrongly registered exporter: fail the export
            raise ValueError(f"The {resource_type} exporter returned a {resource['resourceType']}")
        changed = (resource.get("meta") or {}).get("lastUpdated")
        if since is not None and changed and dt.datetime.fromisoformat(changed) < since:
            continue
        lines.append(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")
    return lines


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- The Group: a clinic's patients ------------------------------------------------------------------

def group_members(user, clinic, today):
    """The clinic's patients `user` may see: a pathway at the clinic (not voided), through the guard."""
    from samforlop.pathways.models import Pathway
    from samforlop.patients.models import HEALTH_PERSONNEL_ONLY, Patient

    at_clinic = Pathway.objects.filter(patient=OuterRef("pk"), clinic=clinic).exclude(status=Pathway.Status.VOIDED)
    return Patient.objects.visible_to(user, today, HEALTH_PERSONNEL_ONLY).filter(Exists(at_clinic))


def _group_for(user, resource_id: str):
    """The clinic whose Group this is, for the clinic's own users; 404 for anyone else (another
    organisation's Group reads exactly as one that does not exist)."""
    from samforlop.accounts.models import Organisation

    pk = resource_uuid(resource_id)
    clinic = Organisation.objects.filter(pk=pk).first() if pk else None
    if (clinic is None or not clinic.is_specialist_clinic or user.patient_id is not None
            or user.organisation_id != clinic.pk):
        raise not_found()
    return clinic


def group_resource(clinic, quantity: int) -> dict:
    return {
        "resourceType": "Group",
        "id": str(clinic.pk),
        "active": True,
        "type": "person",
        "actual": True,
        "code": {"coding": [{"system": f"{fhir.CS}/group-kind", "code": "clinic-patients",
                             "display": "Patients with a pathway at the clinic"}]},
        "name": f"Patients of {clinic.name}",
        "quantity": quantity,
        "managingEntity": fhir.organisation_reference(clinic),
    }


@fhir_view(("GET",))
def group_read(request, resource_id):
    user = request.fhir_user
    clinic = _group_for(user, resource_id)
    # A count, no patient data: no access-log row (as for Organization).
    quantity = group_members(user, clinic, clock.today()).count()
    return fhir_response(group_resource(clinic, quantity))


# --- Kick-off --------------------------------------------------------------------------------------------

KICK_OFF_PARAMS = {"_type", "_since", "_outputFormat"}
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _types(params) -> list[str]:
    raw = params.get("_type")
    if raw is None:
        return list(EXPORTERS)
    types = [t.strip() for t in raw.split(",")]
    for name in types:
        if name not in EXPORTERS:
            raise bad_request(f"_type: '{name}' is not a supported resource type for export (supported: "
                              f"{', '.join(EXPORTERS)})", "_type", "not-supported")
    return list(dict.fromkeys(types))


def _since(params) -> dt.datetime | None:
    raw = params.get("_since")
    if raw is None:
        return None
    if not INSTANT.match(raw):
        raise bad_request("_since must be a FHIR instant with a time zone, e.g. 2026-01-31T12:00:00Z "
                          "(URL-encode a '+' offset as %2B)", "_since", "value")
    try:
        since = dt.datetime.fromisoformat(raw)
        since.astimezone(dt.UTC)  # stored and compared in UTC
        return since
    except (ValueError, OverflowError):
        raise bad_request("_since is not a valid instant", "_since", "value") from None


@fhir_view(("GET",))
def group_export(request, resource_id):
    user = request.fhir_user
    clinic = _group_for(user, resource_id)
    if not actions.may_export(user, clinic):
        raise FhirError(403, "forbidden", "The bulk export needs the clinic's reporting role (leader); the "
                        "organisation's administrator can give a client that role")
    prefer = [p.strip() for p in request.META.get("HTTP_PREFER", "").split(",")]
    if "respond-async" not in prefer:
        raise bad_request("The export is asynchronous: send 'Prefer: respond-async'", "Prefer", "required")
    params = search_params(request, KICK_OFF_PARAMS)
    if params.get("_outputFormat", NDJSON) not in NDJSON_FORMATS:
        raise bad_request(f"_outputFormat: only {NDJSON} is supported", "_outputFormat", "not-supported")
    types, since = _types(params), _since(params)
    try:
        job = actions.request_bulk_export(clinic=clinic, user=user, client=getattr(request, "fhir_client", None),
                                          types=types, since=since, request_url=request.build_absolute_uri(),
                                          now=clock.now())
    except PermissionDenied as error:
        raise FhirError(403, "forbidden", str(error)) from None
    status_url = f"{base_url(request)}/bulk-export/{job.pk}"
    return fhir_response(operation_outcome([issue("informational", f"Export accepted; poll {status_url}",
                                                  severity="information")]),
                         202, {"Content-Location": status_url})


# --- Status, cancel and files ------------------------------------------------------------------------------

def _job_for(user, job_id: str, now) -> BulkExportJob:
    """The requester's export, while it is still to be had; 404 for anyone else, for a
    cancelled export and for one whose files have expired."""
    pk = resource_uuid(job_id)
    job = (BulkExportJob.objects.filter(pk=pk, requested_by=user).exclude(status=BulkExportJob.Status.CANCELLED)
           .first() if pk else None)
    if job is None or (job.expires_at is not None and job.expires_at <= now):
        raise not_found()
    return job


@fhir_view(("GET", "DELETE"))
def export_status(request, job_id):
    now, user = clock.now(), request.fhir_user
    job = _job_for(user, job_id, now)
    if request.method == "DELETE":
        actions.cancel_bulk_export(job=job, user=user, now=now)
        return fhir_response(operation_outcome([issue("informational", "The export is cancelled and its files "
                                                      "deleted", severity="information")]), 202)
    if job.status == BulkExportJob.Status.FAILED:
        raise FhirError(500, "exception", job.error or "The export failed")
    if job.status != BulkExportJob.Status.COMPLETED:
        done = job.files.count()
        progress = "queued" if job.status == BulkExportJob.Status.PENDING else f"{done} of {len(job.types)} files written"
        response = HttpResponse(status=202)
        response["X-Progress"], response["Retry-After"] = progress, str(RETRY_AFTER_SECONDS)
        return response
    base = base_url(request)
    files = sorted(job.files.only("pk", "resource_type", "count"), key=lambda f: job.types.index(f.resource_type))
    manifest = {
        "transactionTime": _instant(job.transaction_time),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [{"type": f.resource_type, "url": f"{base}/bulk-export/{job.pk}/file/{f.pk}", "count": f.count}
                   for f in files],
        "error": [],
    }
    response = HttpResponse(json.dumps(manifest), content_type="application/json")
    response["Expires"] = http_date(job.expires_at.timestamp())
    return response


@fhir_view(("GET",))
def export_file(request, job_id, file_id):
    now, user = clock.now(), request.fhir_user
    job = _job_for(user, job_id, now)
    pk = resource_uuid(file_id)
    file = BulkExportFile.objects.filter(pk=pk, job=job).first() if pk else None
    if file is None or job.status != BulkExportJob.Status.COMPLETED:
        raise not_found()
    return HttpResponse(file.content, content_type=NDJSON)


# This module's rows of the CapabilityStatement (see capability.supported).
CAPABILITY: dict[str, dict] = {
    "Group": {
        "interactions": ["read"],
        "search": [],
        "documentation": "A clinic's patients (Group id = the clinic's Organization id): those with a pathway at the "
                         "clinic that the caller may see, as a count (quantity; members are not listed). Readable by "
                         "the clinic's own clients only.",
        "operations": [(
            "export", GROUP_EXPORT_DEFINITION,
            "Bulk Data export (async: Prefer: respond-async; 202 with Content-Location, poll it, then download "
            f"NDJSON files with the same token). _type ({', '.join(EXPORTERS)}), _since (instant), _outputFormat "
            f"(ndjson only). Needs the clinic's reporting role; only the requester polls and downloads; files are "
            f"kept {actions.EXPORT_LIFETIME.total_seconds() / 3600:.0f} hours.",
        )],
    },
}

urlpatterns = [
    path("Group/<str:resource_id>", group_read, name="group"),
    path("Group/<str:resource_id>/$export", group_export, name="group_export"),
    path("bulk-export/<str:job_id>", export_status, name="bulk_export_status"),
    path("bulk-export/<str:job_id>/file/<str:file_id>", export_file, name="bulk_export_file"),
]
