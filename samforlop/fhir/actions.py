"""Named operations for FHIR API clients: an organisation's admin registers and deactivates them
(and gives a client the reporting role); Bulk Data exports are requested, worked through one step
at a time, cancelled and purged."""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey, import_key

from samforlop.accounts.models import Organisation, User
from samforlop.audit.models import log_access, record_audit
from samforlop.core import clock
from samforlop.fhir.models import BulkExportFile, BulkExportJob, FhirClient

logger = logging.getLogger("samforlop.fhir")

# Public key types accepted for client assertions (see auth.ASSERTION_ALGORITHMS).
EC_CURVES = ("P-256", "P-384")
MIN_RSA_BITS = 2048
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")


def public_jwk(value: dict | str) -> dict:
    """The public JWK to store, or ValidationError. A private key is refused: the organisation
    keeps its private key, we never hold it (no shared secrets)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValidationError({"public_jwk": "The key is not JSON (a JWK is expected)."}) from None
    if not isinstance(value, dict):
        raise ValidationError({"public_jwk": "The key must be one JWK (a JSON object)."})
    if any(member in value for member in PRIVATE_MEMBERS):
        raise ValidationError({"public_jwk": "This is a private key; register the public key only."})
    try:
        key = import_key(value)
    except (JoseError, ValueError, TypeError, KeyError):
        raise ValidationError({"public_jwk": "The key is not a valid JWK."}) from None
    if isinstance(key, RSAKey):
        if key.raw_value.key_size < MIN_RSA_BITS:
            raise ValidationError({"public_jwk": f"An RSA key needs at least {MIN_RSA_BITS} bits."})
    elif isinstance(key, ECKey):
        if key.curve_name not in EC_CURVES:
            raise ValidationError({"public_jwk": f"An EC key must use one of {', '.join(EC_CURVES)}."})
    else:
        raise ValidationError({"public_jwk": "Only RSA and EC keys are accepted."})
    return key.as_dict(private=False)


@transaction.atomic
def register_fhir_client(*, organisation: Organisation, name: str, public_key: dict | str, actor: User, now,
                         client_id: str = "", reporting: bool = False) -> FhirClient:
    """The organisation's admin registers a system that may call the FHIR API with the
    organisation's access: the client, its public key and its system user, with an audit row.
    `reporting` gives the system user the reporting role (leader), which the Bulk Data export
    needs, as the registry export on the report page does."""
    if not (actor.is_active and actor.organisation_id == organisation.pk and actor.role == User.Role.ORG_ADMIN):
        raise PermissionDenied("Only the organisation's administrator registers its FHIR clients.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the system (e.g. the record system's name)."})
    jwk = public_jwk(public_key)
    client_id = (client_id or "").strip() or f"samforlop-{secrets.token_hex(8)}"
    if FhirClient.objects.filter(client_id=client_id).exists():
        raise ValidationError({"client_id": "This client id is taken."})
    pk = uuid.uuid4()
    role = _client_role(organisation, reporting)
    user = User(username=f"fhir-client-{pk}", first_name=name, last_name="", organisation=organisation, role=role)
    user.set_unusable_password()
    user.save()
    client = FhirClient.objects.create(id=pk, organisation=organisation, client_id=client_id, name=name,
                                       public_jwk=jwk, user=user, created_by=actor, created_at=now)
    record_audit(actor=actor, action="fhir_client_registered", obj=client, at=now,
                 organisation=str(organisation.pk), client_id=client_id, name=name,
                 key_thumbprint=import_key(jwk).thumbprint(), role=role)
    return client


@transaction.atomic
def deactivate_fhir_client(*, client: FhirClient, actor: User, now) -> FhirClient:
    """Takes effect on the client's next request: its tokens stop working, it gets no new ones."""
    client = FhirClient.objects.select_for_update().select_related("user").get(pk=client.pk)
    if not (actor.is_active and actor.organisation_id == client.organisation_id and actor.role == User.Role.ORG_ADMIN):
        raise PermissionDenied("Only the organisation's administrator deactivates its FHIR clients.")
    if client.active:
        client.active = False
        client.save(update_fields=["active"])
        client.user.is_active = False
        client.user.save(update_fields=["is_active"])
        client.tokens.all().delete()
        record_audit(actor=actor, action="fhir_client_deactivated", obj=client, at=now, client_id=client.client_id)
    return client


# --- The reporting role (what the Bulk Data export needs) ---------------------------------------------

def _client_role(organisation: Organisation, reporting: bool) -> str:
    """The system user's role: none, or the reporting role (leader) of a specialist clinic — the
    only role a client can be given, and the one the registry export asks of a person."""
    if not reporting:
        return ""
    if not organisation.is_specialist_clinic:
        raise ValidationError({"reporting": _("Only a specialist clinic's systems can have the reporting role.")})
    return User.Role.LEADER


@transaction.atomic
def set_fhir_client_reporting(*, client: FhirClient, reporting: bool, actor: User, now) -> FhirClient:
    """The organisation's admin gives a client the reporting role, or takes it away (audited with
    the old and the new role). Exports already requested are checked again at every step."""
    client = FhirClient.objects.select_related("user", "organisation").get(pk=client.pk)
    if not (actor.is_active and actor.organisation_id == client.organisation_id and actor.role == User.Role.ORG_ADMIN):
        raise PermissionDenied("Only the organisation's administrator changes its FHIR clients.")
    role = _client_role(client.organisation, reporting)
    user = User.objects.select_for_update().get(pk=client.user_id)
    if user.role != role:
        record_audit(actor=actor, action="fhir_client_role_changed", obj=client, at=now, client_id=client.client_id,
                     old={"role": user.role}, new={"role": role})
        user.role = role
        user.save(update_fields=["role"])
    client.user = user
    return client


# --- Bulk Data export (Group/[id]/$export) --------------------------------------------------------------

# How long the files of a finished export are served (then purged by run_bulk_exports).
EXPORT_LIFETIME = dt.timedelta(hours=24)
# Patients handed to an exporter at a time (bounded memory and query size).
EXPORT_CHUNK = 500


def may_export(user: User, clinic: Organisation) -> bool:
    """The registry export's rule (`reports.views.registry_export`): the reporting role (leader)
    in the clinic itself. For a system client, its system user carries the role."""
    return (user.is_active and user.patient_id is None and user.organisation_id == clinic.pk
            and clinic.is_specialist_clinic and user.role == User.Role.LEADER)


@transaction.atomic
def request_bulk_export(*, clinic: Organisation, user: User, client: FhirClient | None, types: list[str],
                        since: dt.datetime | None, request_url: str, now) -> BulkExportJob:
    """Queue an export of the clinic's patients (nothing is read yet: `run_bulk_export_step` does
    the work), with an audit row."""
    from samforlop.fhir.bulk import EXPORTERS

    if not may_export(user, clinic):
        raise PermissionDenied("The bulk export is for the clinic's reporting role.")
    unknown = [t for t in types if t not in EXPORTERS]
    if unknown or not types:
        raise ValidationError({"types": _("Unsupported resource types: %(types)s")
                               % {"types": ", ".join(unknown) or "-"}})
    job = BulkExportJob.objects.create(clinic=clinic, requested_by=user, client=client, requested_at=now,
                                       request_url=request_url, types=list(types), since=since)
    record_audit(actor=user, action="fhir_bulk_export_requested", obj=job, at=now, clinic=str(clinic.pk),
                 types=list(types), since=since.isoformat() if since else None)
    return job


def run_bulk_export_step(now) -> BulkExportJob | None:
    """One step of the oldest unfinished export: the first step fixes the cohort (the guard, as
    of now); every step writes the next resource type's NDJSON file; the last one completes the
    export with its access-log rows (one per exported patient) and audit row. None when there
    is nothing to do. A failing exporter fails the export (no half-written files are served)."""
    with transaction.atomic():
        job = (BulkExportJob.objects.select_for_update(skip_locked=True, of=("self",))
               .filter(status__in=[BulkExportJob.Status.PENDING, BulkExportJob.Status.RUNNING])
               .select_related("requested_by", "clinic", "client").order_by("requested_at", "pk").first())
        if job is None:
            return None
        try:
            with transaction.atomic():
                _export_step(job, now)
        except Exception as error:  # noqa: BLE001 - any failure ends this export, not the worker
            if isinstance(error, ExportRefused):
                logger.info("bulk export %s refused: %s", job.pk, error)
            else:
                logger.exception("bulk export %s failed", job.pk)
            job.files.all().delete()
            job.status = BulkExportJob.Status.FAILED
            job.error = (str(error) if isinstance(error, ExportRefused)
                         else f"The export failed ({type(error).__name__}); request it again")[:200]
            job.completed_at, job.expires_at = now, now + EXPORT_LIFETIME
            job.cohort, job.exported = None, []
            job.save(update_fields=["status", "error", "completed_at", "expires_at", "cohort", "exported"])
            record_audit(actor=job.requested_by, action="fhir_bulk_export_failed", obj=job, at=now,
                         error=type(error).__name__)
        return job


class ExportRefused(Exception):
    """The requester may no longer export (role, organisation or client changed)."""


def _export_step(job: BulkExportJob, now) -> None:
    from samforlop.fhir.bulk import group_members, ndjson
    from samforlop.patients.models import HEALTH_PERSONNEL_ONLY, Patient

    user = job.requested_by
    if not may_export(user, job.clinic) or (job.client is not None and not job.client.active):
        raise ExportRefused("The requester no longer has the clinic's reporting role (or the client is inactive)")
    today = clock.oslo_date(now)
    if job.cohort is None:
        job.cohort = [str(pk) for pk in group_members(user, job.clinic, today).order_by("pk")
                      .values_list("pk", flat=True)]
        job.transaction_time = now
        job.status = BulkExportJob.Status.RUNNING
    done = set(job.files.values_list("resource_type", flat=True))
    resource_type = next(t for t in job.types if t not in done)
    # The guard again: whoever has become hidden since the cohort was fixed is left out.
    visible = list(Patient.objects.visible_to(user, today, HEALTH_PERSONNEL_ONLY).filter(pk__in=job.cohort)
                   .select_related("gp__organisation").order_by("pk"))
    lines, count = [], 0
    for start in range(0, len(visible), EXPORT_CHUNK):
        chunk_lines = ndjson(resource_type, user, visible[start:start + EXPORT_CHUNK], today, job.since)
        lines += chunk_lines
        count += len(chunk_lines)
    BulkExportFile.objects.create(job=job, resource_type=resource_type, content="".join(lines), count=count,
                                  created_at=now)
    job.exported = sorted(set(job.exported) | {str(p.pk) for p in visible})
    fields = ["cohort", "transaction_time", "status", "exported"]
    if len(done) + 1 == len(job.types):
        job.status = BulkExportJob.Status.COMPLETED
        job.completed_at, job.expires_at = now, now + EXPORT_LIFETIME
        fields += ["completed_at", "expires_at"]
        patients = list(Patient.objects.filter(pk__in=job.exported).only("pk"))
        if patients:
            log_access(user=user, what="fhir_bulk_export", at=now, patients=patients)
        record_audit(actor=user, action="fhir_bulk_export_completed", obj=job, at=now, clinic=str(job.clinic_id),
                     patients=len(patients), files={f.resource_type: f.count for f in job.files.all()})
    job.save(update_fields=fields)


@transaction.atomic
def cancel_bulk_export(*, job: BulkExportJob, user: User, now) -> BulkExportJob:
    """The requester cancels an export (or, once finished, deletes its files): the files go, the
    status URL answers 404 from then on."""
    job = BulkExportJob.objects.select_for_update().get(pk=job.pk)
    if job.requested_by_id != user.pk:
        raise PermissionDenied("Only the requester cancels an export.")
    if job.status != BulkExportJob.Status.CANCELLED:
        old = job.status
        job.files.all().delete()
        job.status = BulkExportJob.Status.CANCELLED
        job.cohort, job.exported = None, []
        job.save(update_fields=["status", "cohort", "exported"])
        record_audit(actor=user, action="fhir_bulk_export_cancelled", obj=job, at=now, old={"status": old})
    return job


@transaction.atomic
def purge_expired_bulk_exports(now) -> int:
    """Delete the files of exports past their expiry, and the patient lists kept for them (the
    job rows stay: the audit trail and the access log name them)."""
    deleted, _by_type = BulkExportFile.objects.filter(job__expires_at__lte=now).delete()
    BulkExportJob.objects.filter(expires_at__lte=now, cohort__isnull=False).update(cohort=None, exported=[])
    return deleted
