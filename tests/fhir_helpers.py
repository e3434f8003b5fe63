"""Shared by the FHIR API tests: a registered system client (signs assertions, gets tokens,
talks FHIR through fhirpy), validation of every resource against the R4B models, and small
readers of extensions, access-log rows and OperationOutcomes."""

from __future__ import annotations

import json
import secrets
import time
import uuid

import requests
from fhir.resources.R4B import get_fhir_model_class
from fhirpy import SyncFHIRClient
from joserfc import jwt
from joserfc.jwk import RSAKey

from samforlop.accounts.models import User
from samforlop.audit.models import AccessLog
from samforlop.core import clock
from samforlop.fhir import auth, resources
from samforlop.fhir.actions import register_fhir_client, set_fhir_client_reporting

EXT = resources.EXT


def assert_valid(resource: dict) -> None:
    """Fail unless `resource` is a valid FHIR R4B resource of its resourceType (a Bundle's entries
    and contained resources are validated with it, and checked once more on their own)."""
    resource = json.loads(json.dumps(resource))  # plain dicts (fhirpy hands out AttrDicts)
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    for entry in resource.get("entry", []):
        assert_valid(entry["resource"])
    for contained in resource.get("contained", []):
        assert_valid(contained)


def plain(resource) -> dict:
    return json.loads(json.dumps(resource.serialize() if hasattr(resource, "serialize") else resource))


def org_admin(organisation, username):
    return User.objects.create(username=username, organisation=organisation, role=User.Role.ORG_ADMIN)


class Api:
    """A system with a registered client: signs assertions, gets tokens, talks FHIR."""

    def __init__(self, base: str, organisation, name: str = "Journalsystem"):
        self.base = base
        self.key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(4)})
        admin = org_admin(organisation, f"admin-{secrets.token_hex(4)}")
        self.client = register_fhir_client(organisation=organisation, name=name,
                                           public_key=self.key.as_dict(private=False), actor=admin, now=clock.now())
        self.user = self.client.user

    def assertion(self, key=None, **overrides) -> str:
        now = int(time.time())
        claims = {"iss": self.client.client_id, "sub": self.client.client_id, "aud": f"{self.base}/fhir/token",
                  "iat": now, "exp": now + 60, "jti": secrets.token_urlsafe(16)}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        key = key or self.key
        header = {"alg": "RS256" if isinstance(key, RSAKey) else "ES256"}
        if key.kid:
            header["kid"] = key.kid
        return jwt.encode(header, claims, key)

    def token_response(self, assertion=None, **form) -> requests.Response:
        data = {"grant_type": "client_credentials", "client_assertion_type": auth.ASSERTION_TYPE,
                "client_assertion": assertion or self.assertion(), **form}
        return requests.post(f"{self.base}/fhir/token", data={k: v for k, v in data.items() if v is not None},
                             timeout=10)

    def token(self) -> str:
        response = self.token_response()
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "Bearer" and 300 <= body["expires_in"] <= 3600
        assert response.headers["Cache-Control"] == "no-store"
        return body["access_token"]

    def fhir(self) -> SyncFHIRClient:
        return SyncFHIRClient(f"{self.base}/fhir", authorization=f"Bearer {self.token()}",
                              requests_config={"timeout": 10})

    def post_search(self, identifier, token=None, **extra) -> requests.Response:
        """POST Patient/_search with a form body (fhirpy sends JSON bodies only)."""
        return requests.post(f"{self.base}/fhir/Patient/_search", data={"identifier": identifier, **extra},
                             headers={"Authorization": f"Bearer {token or self.token()}",
                                      "Accept": "application/fhir+json"}, timeout=10)


def access_rows(**filters):
    return list(AccessLog.objects.filter(**filters).order_by("pk"))


def extensions(resource: dict, name: str) -> list[dict]:
    """The sub-extensions of each `name` extension, as {url: value}."""
    out = []
    for ext in resource.get("extension", []):
        if ext["url"] == f"{EXT}/{name}":
            values = {}
            for part in ext["extension"]:
                (key, value), = ((k, v) for k, v in part.items() if k.startswith("value"))
                values[part["url"]] = value
            out.append(values)
    return out


def outcome_of(response) -> dict:
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert_valid(body)
    return body




def reporting_api(base, organisation, name="Registerklient") -> Api:
    """A client of `organisation` that its admin has given the reporting role (bulk export, audit)."""
    api = Api(base, organisation, name)
    set_fhir_client_reporting(client=api.client, reporting=True, actor=org_admin(organisation, f"adm-{uuid.uuid4()}"),
                              now=clock.now())
    return api
