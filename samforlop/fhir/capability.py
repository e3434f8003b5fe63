"""The CapabilityStatement: exactly what this server supports, from the `CAPABILITY` tables of the
endpoint modules (the URLs come from the same modules, and the tests check each listed
interaction answers, so a resource cannot be offered here without an endpoint)."""

from __future__ import annotations

import importlib


# The endpoint modules: each has `urlpatterns` and `CAPABILITY`.
ENDPOINT_MODULES = ["samforlop.fhir.views", "samforlop.fhir.intake", "samforlop.fhir.plans", "samforlop.fhir.people",
                    "samforlop.fhir.bulk"]


def endpoint_modules():
    return [importlib.import_module(name) for name in ENDPOINT_MODULES]


def supported() -> dict[str, dict]:
    """resource type -> {interactions, search: [(name, type, documentation)], documentation,
    versioning ("no-version" unless given), operations: [(name, definition url, documentation)]}."""
    table: dict[str, dict] = {}
    for module in endpoint_modules():
        for resource_type, spec in module.CAPABILITY.items():
            assert resource_type not in table, f"{resource_type} is offered by two modules"
            table[resource_type] = spec
    return table


def capability_statement(base: str, token_url: str) -> dict:
    resources = []
    for resource_type, spec in supported().items():
        entry = {
            "type": resource_type,
            "documentation": spec["documentation"],
            "interaction": [{"code": code} for code in spec["interactions"]],
            "versioning": spec.get("versioning", "no-version"),
            "readHistory": "vread" in spec["interactions"],
            "updateCreate": False,
        }
        if "update" in spec["interactions"]:
            entry["conditionalUpdate"] = False
        if spec["search"]:
            entry["searchParam"] = [{"name": name, "type": kind, "documentation": doc} for name, kind, doc in spec["search"]]
        if spec.get("operations"):
            entry["operation"] = [{"name": name, "definition": url, "documentation": doc}
                                  for name, url, doc in spec["operations"]]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-01-01",
        "publisher": "Samforløp",
        "kind": "instance",
        "software": {"name": "Samforløp"},
        "implementation": {"description": "Samforløp FHIR R4 API", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Searches take _count (0 to 200, default 50) and _offset (0 to 100000; the Bulk Data "
                             "export is for more); a number out of range is 400 naming the parameter. Bundle.link "
                             "has next.",
            "security": {
                "extension": [{"url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                               "extension": [{"url": "token", "valueUri": token_url}]}],
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                         "code": "OAuth"}]}],
                "description": "Systems: OAuth 2.0 client credentials at the token URL, the client authenticated "
                               "with a JWT signed by its registered key (private_key_jwt, RFC 7523; aud = the token "
                               "URL); send 'Authorization: Bearer <token>'. A patient's app: the patient's log-in. "
                               "Organization/EpisodeOfCare/Patient need one; metadata and HealthcareService do not.",
            },
            "resource": resources,
        }],
    }
