"""Refusals as FHIR OperationOutcomes: every one names the problem and, where there is one, the
field (`issue[].expression`, a FHIRPath such as `Patient.identifier` or a search parameter name).

| status | issue code | when |
|---|---|---|
| 400 | `invalid`, `required`, `value`, `structure` | malformed input, unknown or bad parameters |
| 401 | `login` | no token, an unknown, expired or revoked token |
| 403 | `forbidden` | a browser session request without its CSRF token |
| 404 | `not-found` | anything the caller may not see, exactly as for what does not exist |
| 405 | `not-supported` | an interaction this endpoint does not offer |
| 406 | `not-supported` | a format other than JSON asked for |
| 409/412 | `conflict` | version conflicts (creates and updates) |
| 422 | `business-rule` | input well formed but against the rules |

The diagnostics are technical English for the developers of calling systems (not user-facing
text, so not translated).
"""

from __future__ import annotations

import json

from django.http import HttpResponse

CONTENT_TYPE = "application/fhir+json; charset=utf-8"


def fhir_response(body: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status=status,
                            content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def operation_outcome(issues: list[dict]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": issues}


def issue(code: str, diagnostics: str, expression: str | list[str] | None = None, severity: str = "error") -> dict:
    entry = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        entry["expression"] = [expression] if isinstance(expression, str) else list(expression)
    return entry


class FhirError(Exception):
    """A refused request; the view wrapper turns it into an OperationOutcome response."""

    def __init__(self, status: int, code: str, diagnostics: str, expression: str | list[str] | None = None,
                 *, headers: dict | None = None, issues: list[dict] | None = None):
        super().__init__(diagnostics)
        self.status = status
        self.issues = issues or [issue(code, diagnostics, expression)]
        self.headers = headers or {}

    def response(self) -> HttpResponse:
        return fhir_response(operation_outcome(self.issues), self.status, self.headers)


def bad_request(diagnostics: str, expression: str | list[str] | None = None, code: str = "invalid") -> FhirError:
    return FhirError(400, code, diagnostics, expression)


def bad_request_many(issues: list[dict]) -> FhirError:
    return FhirError(400, "invalid", issues[0]["diagnostics"], issues=issues)


def unauthorized(diagnostics: str, error: str = "invalid_token") -> FhirError:
    # RFC 6750: the challenge says why; no error code when no token was sent at all.
    challenge = 'Bearer realm="samforlop-fhir"' + (f', error="{error}"' if error else "")
    return FhirError(401, "login", diagnostics, headers={"WWW-Authenticate": challenge})


def not_found(resource_type: str = "", resource_id: str = "") -> FhirError:
    what = f"{resource_type}/{resource_id}" if resource_type and resource_id else "The resource"
    return FhirError(404, "not-found", f"{what} is not known")


def conflict(status: int, diagnostics: str, expression: str | None = None) -> FhirError:
    return FhirError(status, "conflict", diagnostics, expression)


def business_rule(diagnostics: str, expression: str | list[str] | None = None) -> FhirError:
    return FhirError(422, "business-rule", diagnostics, expression)
