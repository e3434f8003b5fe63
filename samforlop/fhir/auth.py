"""Who is calling the FHIR API.

- **Systems** get a bearer token at `POST /fhir/token`: OAuth 2.0 client credentials, the client
  authenticated by a JWT it signed with its private key (RFC 7523 `private_key_jwt`; no shared
  secret). We check the signature against the registered public key, `iss` = `sub` = client id,
  `aud` = our token endpoint's URL (`SITE_URL` + `/fhir/token`), `exp` (at most 5 minutes ahead),
  and that its `jti` was never used before. The token is opaque and random; only its SHA-256 is
  stored. The client then acts as its system user, in its organisation, through the same guard as
  a person of that organisation.
- **A patient's app** uses the patient's own log-in: the Django session of a logged-in patient is
  accepted (their own data only, by the guard). Unsafe methods then need the CSRF token.
- Everything else is 401 with an OperationOutcome.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import import_key

from samforlop.core import clock
from samforlop.fhir.models import FhirAccessToken, FhirClient, UsedAssertion
from samforlop.fhir.outcome import FhirError, unauthorized

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ["RS256", "RS384", "PS256", "PS384", "ES256", "ES384"]
LEEWAY_SECONDS = 60
# An assertion may be valid for at most this long (RFC 7523 lets the server bound it).
MAX_ASSERTION_LIFETIME = 300
TOKEN_LIFETIME = dt.timedelta(minutes=10)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_endpoint_url() -> str:
    """The `aud` a client assertion must carry: this service's public address + /fhir/token."""
    return settings.SITE_URL.rstrip("/") + reverse("fhir:token")


class TokenError(Exception):
    """A refused token request (RFC 6749 section 5.2 error codes)."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def _unverified_part(token: str, index: int) -> dict:
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWS")
    segment = parts[index] + "=" * (-len(parts[index]) % 4)
    value = json.loads(base64.urlsafe_b64decode(segment))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def verify_client_assertion(assertion: str, *, now: dt.datetime) -> FhirClient:
    """The client whose valid, unused assertion this is (its jti now recorded), or TokenError."""
    invalid = lambda why: TokenError("invalid_client", why, 401)  # noqa: E731
    try:
        header, unverified = _unverified_part(assertion, 0), _unverified_part(assertion, 1)
    except (ValueError, UnicodeDecodeError):
        raise invalid("client_assertion is not a signed JWT") from None
    if header.get("alg") not in ASSERTION_ALGORITHMS:
        raise invalid(f"client_assertion: algorithm {header.get('alg')!r} is not accepted")
    client_id = unverified.get("iss")
    client = (FhirClient.objects.select_related("user", "organisation").filter(client_id=client_id, active=True).first()
              if isinstance(client_id, str) else None)
    if client is None:
        raise invalid("client_assertion: unknown or inactive client (iss)")
    try:
        claims = jwt.decode(assertion, import_key(client.public_jwk), algorithms=ASSERTION_ALGORITHMS).claims
    except (JoseError, ValueError):
        raise invalid("client_assertion: the signature does not verify with the client's registered key") from None
    if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
        raise invalid("client_assertion: iss and sub must both be the client id")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if token_endpoint_url() not in audiences:
        raise invalid(f"client_assertion: aud must be {token_endpoint_url()}")
    seconds = now.timestamp()
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise invalid("client_assertion: exp is missing")
    if exp <= seconds - LEEWAY_SECONDS:
        raise invalid("client_assertion: expired (exp)")
    if exp > seconds + MAX_ASSERTION_LIFETIME + LEEWAY_SECONDS:
        raise invalid(f"client_assertion: exp is more than {MAX_ASSERTION_LIFETIME} seconds ahead")
    for name in ("iat", "nbf"):
        value = claims.get(name)
        if value is not None and (not isinstance(value, (int, float)) or value > seconds + LEEWAY_SECONDS):
            raise invalid(f"client_assertion: {name} is in the future")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise invalid("client_assertion: jti is missing")
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(client=client, jti_hash=token_hash(jti),
                                         expires_at=dt.datetime.fromtimestamp(exp + LEEWAY_SECONDS, dt.UTC))
    except IntegrityError:
        raise invalid("client_assertion: this jti has been used before") from None
    UsedAssertion.objects.filter(expires_at__lt=now).delete()
    if not client.user.is_active:
        raise invalid("client_assertion: the client's system user is deactivated")
    return client


def issue_token(client: FhirClient, *, now: dt.datetime, lifetime: dt.timedelta = TOKEN_LIFETIME) -> tuple[str, int]:
    """A new opaque access token for `client` and its lifetime in seconds."""
    token = secrets.token_urlsafe(32)
    FhirAccessToken.objects.create(token_hash=token_hash(token), client=client, issued_at=now,
                                   expires_at=now + lifetime)
    FhirAccessToken.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    return token, int(lifetime.total_seconds())


def token_request(params, *, now: dt.datetime) -> dict:
    """Answer a client credentials token request (form parameters), or raise TokenError."""
    for name in ("grant_type", "client_assertion_type", "client_assertion"):
        if len(params.getlist(name)) > 1:
            raise TokenError("invalid_request", f"{name} is given more than once")
    if params.get("grant_type") != "client_credentials":
        raise TokenError("unsupported_grant_type", "grant_type must be client_credentials")
    if params.get("client_assertion_type") != ASSERTION_TYPE:
        raise TokenError("invalid_client", f"client_assertion_type must be {ASSERTION_TYPE}", 401)
    if "client_secret" in params:
        raise TokenError("invalid_client", "client secrets are not accepted; sign a client_assertion", 401)
    assertion = params.get("client_assertion") or ""
    if not assertion:
        raise TokenError("invalid_client", "client_assertion is missing", 401)
    client = verify_client_assertion(assertion, now=now)
    if params.get("client_id") and params["client_id"] != client.client_id:
        raise TokenError("invalid_client", "client_id does not match the assertion", 401)
    token, expires_in = issue_token(client, now=now)
    return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in, "scope": "system/*.read"}


def authenticate(request):
    """The user the request acts as (a client's system user, or a logged-in patient), else a 401
    FhirError. A bearer token, when sent, decides alone (a session does not rescue a bad token)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _sep, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise unauthorized("The Authorization header must be 'Bearer <access token>'.", "invalid_request")
        now = clock.now()
        row = (FhirAccessToken.objects.select_related("client__user__organisation")
               .filter(token_hash=token_hash(token)).first())
        if row is None or not hmac.compare_digest(row.token_hash, token_hash(token)):
            raise unauthorized("The access token is not valid.")
        if row.expires_at <= now:
            raise unauthorized("The access token has expired.")
        client = row.client
        if not client.active or not client.user.is_active or client.user.organisation_id != client.organisation_id:
            raise unauthorized("The client has been deactivated.")
        request.fhir_client = client
        return client.user
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active and user.patient_id is not None:
        if request.method not in SAFE_METHODS:
            _require_csrf(request)
        request.fhir_client = None
        return user
    raise unauthorized("Authentication is required: a bearer token from /fhir/token, or a patient's log-in.", "")


def _require_csrf(request) -> None:
    """A session (cookie) is sent by the browser on its own; an unsafe request made with it needs
    the CSRF token, as a form post does."""
    from django.middleware.csrf import CsrfViewMiddleware

    refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
    if refused is not None:
        raise FhirError(403, "forbidden", "A request with the log-in session needs the CSRF token (X-CSRFToken).")
