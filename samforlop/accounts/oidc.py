"""Log-in through OpenID Connect: one relying party for both national identity providers.

- **HelseID** (health personnel): authorization code flow with PKCE (S256), the authorization
  request pushed to the provider first (PAR, RFC 9126), the client authenticated with a signed JWT
  (private_key_jwt, RFC 7523) at the PAR and token endpoints. Only security level 4 is accepted
  (the claim `helseid://claims/identity/security_level`, as HelseID issues it). The person is found
  by HPR number (or, for staff without one, by identity number), and the organisation number in
  the token must be that of the user's organisation.
- **ID-porten** (patients and relatives): authorization code flow with PKCE; private_key_jwt at
  the token endpoint when a key is configured, otherwise a public client. Only `acr`
  `idporten-loa-high` is accepted. The person is found by identity number (`pid`).

The ID token is checked here, not trusted: signature against the provider's published keys (JWKS
from the discovery document), `iss`, `aud` (and `azp`), `exp`/`iat`, the nonce (the one this
session sent, never seen before), and the level. Every refusal raises `Refused(reason)`; the view
records it (`LoginRefusal`) and logs it on "samforlop.login". Identity numbers and tokens are never
logged.

Authlib signs the client assertions (`private_key_jwt_sign`) and makes PKCE challenges; joserfc
verifies the ID token's signature.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import requests
from authlib.oauth2.rfc7523 import private_key_jwt_sign
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.conf import settings
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, Key, KeySet, RSAKey, import_key

# The answers from the provider are small; anything slow is a failure, not something to wait for.
HTTP_TIMEOUT = (3.05, 10)
# Discovery documents and key sets are cached this long; an unknown key id refetches the key set,
# but not more often than every REFRESH_SECONDS (tokens with made-up key ids must not make us
# hammer the provider).
CACHE_SECONDS = 300
REFRESH_SECONDS = 30
# Clock skew tolerated on exp and iat; an ID token issued longer ago than MAX_AGE is refused.
LEEWAY_SECONDS = 60
MAX_AGE_SECONDS = 600
# A started log-in must come back within this time.
PENDING_SECONDS = 600
ID_TOKEN_ALGORITHMS = ["RS256", "PS256", "ES256"]
CLIENT_ASSERTION_LIFETIME = 60
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class Refused(Exception):
    """A log-in refused, with a reason code from `LoginRefusal.Reason`."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail  # for the log; never personal data or tokens


@dataclass(frozen=True)
class Provider:
    name: str
    issuer: str
    client_id: str
    scopes: tuple[str, ...]
    acr_values: str
    level_claim: str
    accepted_levels: tuple[str, ...]
    use_par: bool
    audience: str  # "personnel" or "citizens"
    pid_claim: str
    hpr_claim: str = ""
    org_number_claim: str = ""
    private_key_file: str = ""
    private_key: object = field(default=None, compare=False)  # a JWK dict or PEM text, instead of a file

    @property
    def label(self) -> str:
        return {"helseid": "HelseID", "idporten": "ID-porten"}.get(self.name, self.name)

    @property
    def for_personnel(self) -> bool:
        return self.audience == "personnel"


def providers() -> dict[str, Provider]:
    """The enabled providers, from settings.OIDC_PROVIDERS (read on every call: tests override it)."""
    result = {}
    for name, conf in (getattr(settings, "OIDC_PROVIDERS", None) or {}).items():
        if not conf.get("issuer") or not conf.get("client_id"):
            continue
        result[name] = Provider(
            name=name,
            issuer=conf["issuer"].rstrip("/"),
            client_id=conf["client_id"],
            scopes=tuple(conf.get("scopes") or ("openid",)),
            acr_values=conf.get("acr_values", ""),
            level_claim=conf.get("level_claim", "acr"),
            accepted_levels=tuple(conf.get("accepted_levels") or ()),
            use_par=bool(conf.get("use_par", False)),
            audience=conf.get("audience", "citizens"),
            pid_claim=conf.get("pid_claim", "pid"),
            hpr_claim=conf.get("hpr_claim", ""),
            org_number_claim=conf.get("org_number_claim", ""),
            private_key_file=conf.get("private_key_file", ""),
            private_key=conf.get("private_key"),
        )
    return result


def get_provider(name: str) -> Provider | None:
    return providers().get(name)


# --- Keys -------------------------------------------------------------------------------------

_key_cache: dict[tuple[str, float], Key] = {}


def _parse_key(data: str | bytes | dict) -> Key:
    if isinstance(data, dict):
        return import_key(data)
    text = data.decode() if isinstance(data, bytes) else data
    if text.lstrip().startswith("{"):
        return import_key(json.loads(text))
    for key_class in (RSAKey, ECKey):
        try:
            return key_class.import_key(text.encode())
        except (JoseError, ValueError, TypeError):
            continue
    raise ValueError("the client key is neither an RSA nor an EC key in PEM or JWK form")


def client_key(provider: Provider) -> Key | None:
    """The client's private key (PEM or JWK file), or None for a public client."""
    if provider.private_key is not None:
        return _parse_key(provider.private_key)
    if not provider.private_key_file:
        return None
    path = Path(provider.private_key_file)
    cache_key = (str(path), path.stat().st_mtime)
    if cache_key not in _key_cache:
        _key_cache[cache_key] = _parse_key(path.read_bytes())
    return _key_cache[cache_key]


def _algorithm_for(key: Key) -> str:
    if key.get("alg"):
        return key["alg"]
    if isinstance(key, RSAKey):
        return "RS256"
    if isinstance(key, ECKey):
        return {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[key.curve_name]
    raise ValueError("unsupported client key type")


def client_assertion(provider: Provider, key: Key) -> str:
    """A private_key_jwt client assertion (RFC 7523): iss = sub = client id, aud = the issuer
    (as HelseID and ID-porten expect), valid for a minute, with a unique jti."""
    header = {"kid": key.kid} if key.get("kid") else None
    return private_key_jwt_sign(
        key, client_id=provider.client_id, token_endpoint=provider.issuer, alg=_algorithm_for(key),
        header=header, expires_in=CLIENT_ASSERTION_LIFETIME, claims={"jti": secrets.token_urlsafe(24)},
    )


def client_authentication(provider: Provider) -> dict[str, str]:
    """Form parameters that authenticate us at the PAR and token endpoints."""
    key = client_key(provider)
    params = {"client_id": provider.client_id}
    if key is not None:
        params.update(client_assertion_type=ASSERTION_TYPE, client_assertion=client_assertion(provider, key))
    return params


def person_identifier(identity_number: str) -> str:
    """HMAC-SHA256 of an identity number (User.person_identifier); one definition for log-in and
    for the patient naming a relative."""
    from samforlop.patients.identity import person_identifier as keyed_hash

    return keyed_hash(identity_number)


# --- Discovery and keys, fetched over HTTP and cached briefly ------------------------------------

_cache: dict[str, tuple[float, object]] = {}
_cache_lock = threading.Lock()


def clear_caches() -> None:
    with _cache_lock:
        _cache.clear()
    _key_cache.clear()


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise Refused("provider_error", f"fetching {url}: {type(error).__name__}") from None
    if not isinstance(data, dict):
        raise Refused("provider_error", f"{url} did not answer with a JSON object")
    return data


def _cached(key: str, fetch, refresh: bool = False):
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit and now - hit[0] < (REFRESH_SECONDS if refresh else CACHE_SECONDS):
        return hit[1]
    value = fetch()
    with _cache_lock:
        _cache[key] = (now, value)
    return value


def discovery(provider: Provider) -> dict:
    def fetch():
        document = _get_json(provider.issuer + "/.well-known/openid-configuration")
        if document.get("issuer", "").rstrip("/") != provider.issuer:
            raise Refused("provider_error", "discovery document names another issuer")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not document.get(name):
                raise Refused("provider_error", f"discovery document has no {name}")
        if provider.use_par and not document.get("pushed_authorization_request_endpoint"):
            raise Refused("provider_error", "discovery document has no PAR endpoint")
        return document

    return _cached("discovery:" + provider.issuer, fetch)


def jwks(provider: Provider, refresh: bool = False) -> KeySet:
    uri = discovery(provider)["jwks_uri"]

    def fetch():
        try:
            return KeySet.import_key_set(_get_json(uri))
        except (JoseError, KeyError, TypeError, ValueError):
            raise Refused("provider_error", "the provider's key set could not be read") from None

    return _cached("jwks:" + uri, fetch, refresh=refresh)


# --- The flow -----------------------------------------------------------------------------------

@dataclass
class Pending:
    """What a started log-in keeps in the session until the callback (keyed by state)."""

    provider: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    started: float
    next_url: str = ""

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def authorization_url(provider: Provider, *, state: str, nonce: str, code_verifier: str, redirect_uri: str) -> str:
    """Where to send the browser. With PAR, the parameters are pushed first and only client_id and
    request_uri travel through the browser."""
    document = discovery(provider)
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(provider.scopes),
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(code_verifier),
        "code_challenge_method": "S256",
    }
    if provider.acr_values:
        params["acr_values"] = provider.acr_values
    endpoint = document["authorization_endpoint"]
    separator = "&" if "?" in endpoint else "?"
    if not provider.use_par:
        return endpoint + separator + urlencode(params)
    form = {**params, **client_authentication(provider)}
    try:
        response = requests.post(document["pushed_authorization_request_endpoint"], data=form, timeout=HTTP_TIMEOUT)
        answer = response.json() if response.content else {}
    except (requests.RequestException, ValueError) as error:
        raise Refused("provider_error", f"PAR request failed: {type(error).__name__}") from None
    if response.status_code not in (200, 201) or not isinstance(answer, dict) or not answer.get("request_uri"):
        error = answer.get("error", "") if isinstance(answer, dict) else ""
        raise Refused("provider_error", f"PAR refused with {response.status_code} {error}".strip())
    return endpoint + separator + urlencode({"client_id": provider.client_id, "request_uri": answer["request_uri"]})


def new_pending(provider: Provider, redirect_uri: str, next_url: str = "") -> tuple[str, Pending]:
    state = secrets.token_urlsafe(32)
    return state, Pending(provider=provider.name, nonce=secrets.token_urlsafe(32),
                          code_verifier=secrets.token_urlsafe(64), redirect_uri=redirect_uri,
                          started=time.time(), next_url=next_url)


def exchange_code(provider: Provider, *, code: str, pending: Pending) -> dict:
    """Redeem the authorization code at the token endpoint (with the PKCE verifier)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": pending.redirect_uri,
        "code_verifier": pending.code_verifier,
        **client_authentication(provider),
    }
    try:
        response = requests.post(discovery(provider)["token_endpoint"], data=form, timeout=HTTP_TIMEOUT,
                                 headers={"Accept": "application/json"})
        answer = response.json()
    except (requests.RequestException, ValueError) as error:
        raise Refused("token_error", f"token request failed: {type(error).__name__}") from None
    if response.status_code != 200 or not isinstance(answer, dict):
        error = answer.get("error", "") if isinstance(answer, dict) else ""
        raise Refused("token_error", f"token endpoint answered {response.status_code} {error}".strip())
    if not isinstance(answer.get("id_token"), str):
        raise Refused("token_error", "no id_token in the token response")
    return answer


def _claims_with_verified_signature(provider: Provider, id_token: str) -> dict:
    try:
        header = _unverified_header(id_token)
    except ValueError:
        raise Refused("token_error", "the ID token is not a JWS") from None
    if header.get("alg") not in ID_TOKEN_ALGORITHMS:
        raise Refused("bad_signature", f"algorithm {header.get('alg')!r} not accepted")
    keys = jwks(provider)
    kid = header.get("kid")
    if kid and not any(k.kid == kid for k in keys):
        keys = jwks(provider, refresh=True)  # the provider may have rotated its keys
    if kid and not any(k.kid == kid for k in keys):
        raise Refused("bad_signature", "signed with a key the provider does not publish")
    try:
        token = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS)
    except JoseError as error:
        raise Refused("bad_signature", type(error).__name__) from None
    return token.claims


def _unverified_header(token: str) -> dict:
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a compact JWS")
    padded = parts[0] + "=" * (-len(parts[0]) % 4)
    header = json.loads(base64.urlsafe_b64decode(padded))
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    return header


def validate_id_token(provider: Provider, id_token: str, *, expected_nonce: str, now: float | None = None) -> dict:
    """The ID token's claims, once everything about it has been checked (nonce not yet recorded:
    see `record_nonce`). Raises Refused with the first failed check."""
    claims = _claims_with_verified_signature(provider, id_token)
    now = time.time() if now is None else now
    if str(claims.get("iss", "")).rstrip("/") != provider.issuer:
        raise Refused("wrong_issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if provider.client_id not in audiences:
        raise Refused("wrong_audience")
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != provider.client_id:
        raise Refused("wrong_audience", "azp is not our client id")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, (int, float)) or not isinstance(iat, (int, float)):
        raise Refused("token_error", "exp or iat missing")
    if exp <= now - LEEWAY_SECONDS:
        raise Refused("expired", "exp has passed")
    if iat > now + LEEWAY_SECONDS or iat < now - MAX_AGE_SECONDS:
        raise Refused("expired", "iat out of range")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise Refused("nonce_mismatch", "no nonce")
    if nonce_used(provider, nonce):
        raise Refused("nonce_replayed")
    if not hmac.compare_digest(nonce, expected_nonce):
        raise Refused("nonce_mismatch")
    level = claims.get(provider.level_claim)
    if provider.accepted_levels and str(level) not in provider.accepted_levels:
        raise Refused("level_too_low", f"{provider.level_claim}={level!r}")
    return claims


def _nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def nonce_used(provider: Provider, nonce: str) -> bool:
    from samforlop.accounts.models import UsedNonce

    return UsedNonce.objects.filter(provider=provider.name, value_hash=_nonce_hash(nonce)).exists()


def record_nonce(provider: Provider, nonce: str, now) -> None:
    """Mark the nonce used; a second use (two callbacks racing) is refused by the unique index."""
    import datetime as dt

    from django.db import IntegrityError, transaction

    from samforlop.accounts.models import UsedNonce

    try:
        with transaction.atomic():
            UsedNonce.objects.create(provider=provider.name, value_hash=_nonce_hash(nonce), at=now)
    except IntegrityError:
        raise Refused("nonce_replayed") from None
    UsedNonce.objects.filter(at__lt=now - dt.timedelta(days=1)).delete()


def find_user(provider: Provider, claims: dict):
    """The user the verified claims name, or Refused. Personnel (HelseID) by HPR number, or by
    identity number when they have none, and always in the organisation the token names;
    patients and relatives (ID-porten) by identity number, never a staff user."""
    from samforlop.accounts.models import User

    pid = str(claims.get(provider.pid_claim) or "").strip()
    if provider.for_personnel:
        hpr = str(claims.get(provider.hpr_claim) or "").strip() if provider.hpr_claim else ""
        staff = User.objects.filter(organisation__isnull=False).select_related("organisation")
        if hpr:
            user = staff.filter(hpr_number=hpr).first()
        elif pid:
            user = staff.filter(person_identifier=person_identifier(pid)).first()
        else:
            user = None
        if user is None:
            raise Refused("no_such_user")
        org_number = str(claims.get(provider.org_number_claim) or "").strip()
        if not org_number or org_number != user.organisation.org_number:
            raise Refused("organisation_mismatch")
    else:
        if not pid:
            raise Refused("no_such_user", "no identity number in the token")
        citizens = User.objects.filter(organisation__isnull=True)
        user = (citizens.filter(patient__national_id=pid).first()
                or citizens.filter(person_identifier=person_identifier(pid)).first())
        if user is None:
            raise Refused("no_such_user")
    if not user.is_active:
        raise Refused("inactive_user")
    return user
