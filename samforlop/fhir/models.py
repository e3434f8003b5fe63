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

