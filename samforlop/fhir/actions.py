"""Named operations for FHIR API clients: an organisation's admin registers and deactivates them."""

from __future__ import annotations

import json
import secrets
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey, import_key

from samforlop.accounts.models import Organisation, User
from samforlop.audit.models import record_audit
from samforlop.fhir.models import FhirClient

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
                         client_id: str = "") -> FhirClient:
    """The organisation's admin registers a system that may call the FHIR API with the
    organisation's access: the client, its public key and its system user, with an audit row."""
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
    user = User(username=f"fhir-client-{pk}", first_name=name, last_name="", organisation=organisation, role="")
    user.set_unusable_password()
    user.save()
    client = FhirClient.objects.create(id=pk, organisation=organisation, client_id=client_id, name=name,
                                       public_jwk=jwk, user=user, created_by=actor, created_at=now)
    record_audit(actor=actor, action="fhir_client_registered", obj=client, at=now,
                 organisation=str(organisation.pk), client_id=client_id, name=name,
                 key_thumbprint=import_key(jwk).thumbprint())
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
