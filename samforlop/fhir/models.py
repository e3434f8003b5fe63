"""Systems that call the FHIR API: registered clients, their access tokens and the client
assertions they have used.

A client authenticates with a JWT it signs with its own private key (RFC 7523, no shared secret);
we keep only its public key. Each client acts through its own *system user* in its organisation,
so the one visibility rule (`patients.models.visibility_condition`) applies to it unchanged and
the access log names it.
"""

import uuid

from django.conf import settings
from django.db import models


class FhirClient(models.Model):
    """A system in an organisation allowed to call the FHIR API (created by the organisation's
    admin with `register_fhir_client`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="fhir_clients")
    client_id = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    # The client's public key as a JWK (never a private key: `register_fhir_client` refuses one).
    public_jwk = models.JSONField()
    # The system user the client acts as: username fhir-client-<id>, the client's organisation.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="fhir_client")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class FhirAccessToken(models.Model):
    """An opaque bearer token; only its SHA-256 is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(FhirClient, on_delete=models.CASCADE, related_name="tokens")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)


class UsedAssertion(models.Model):
    """A client assertion's `jti`, accepted once: a second assertion with it is a replay. Kept
    until the assertion would have expired anyway (the unique index decides a race)."""

    client = models.ForeignKey(FhirClient, on_delete=models.CASCADE, related_name="+")
    jti_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "jti_hash"], name="fhir_assertion_jti_used_once")]



class BulkExportJob(models.Model):
    """One Bulk Data export of a clinic's patients (`Group/[id]/$export`), worked through by
    `run_bulk_exports` one resource type per step (`actions.run_bulk_export_step`).

    The id is the status URL's last segment; only `requested_by` may poll, download or cancel.
    The cohort (which patients) is fixed by the guard at the first step and re-checked at every
    later one, so a patient who becomes hidden meanwhile is left out of the remaining files.
    """

    class Status(models.TextChoices):
        PENDING = "pending"  # accepted, no step run yet
        RUNNING = "running"  # cohort fixed, files being written
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"  # by the client (DELETE on the status URL); files deleted

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(FhirClient, on_delete=models.PROTECT, null=True, related_name="+")
    requested_at = models.DateTimeField()
    # The kick-off request's URL, for the manifest's `request`.
    request_url = models.TextField()
    # Resource types in the order their files are written (`bulk.EXPORTERS` keys).
    types = models.JSONField()
    since = models.DateTimeField(null=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Patient ids (str) fixed at the first step; the manifest's transactionTime is that moment.
    cohort = models.JSONField(null=True)
    transaction_time = models.DateTimeField(null=True)
    # Patients handed to an exporter so far: the access-log rows written when the export completes.
    exported = models.JSONField(default=list)
    completed_at = models.DateTimeField(null=True)
    # Files are served until then and purged by `run_bulk_exports` after.
    expires_at = models.DateTimeField(null=True, db_index=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "requested_at"], name="fhir_bulk_job_queue")]

    def __str__(self) -> str:
        return f"bulk export {self.pk} ({self.status})"


class BulkExportFile(models.Model):
    """One NDJSON file of an export: every resource of one type, one per line."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey(BulkExportJob, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=64)
    content = models.TextField()
    count = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "resource_type"], name="fhir_bulk_one_file_per_type")]
