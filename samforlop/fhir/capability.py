"""The CapabilityStatement: exactly what this server supports, from one table (the URLs and the
tests read the same table, so a resource cannot be offered here without an endpoint)."""

from __future__ import annotations

from samforlop.fhir import resources as fhir

# resource type -> (interactions, search parameters (name, type, documentation), public)
SUPPORTED: dict[str, dict] = {
    "Patient": {
        "interactions": ["read", "search-type"],
        "search": [("identifier", "token", "Only with POST Patient/_search and the identifier in the form body "
                    f"([system|]number; {fhir.FNR} fødselsnummer, {fhir.DNR} D-number). GET with identifier is 400.")],
        "documentation": "Patients the caller may see (care team, consent, blocks, emergency access); anything "
                         "else is 404. Every read writes one access-log row.",
    },
    "Organization": {
        "interactions": ["read"],
        "search": [],
        "documentation": f"Organisations taking part in pathways; identifier system {fhir.ORGNR}.",
    },
    "EpisodeOfCare": {
        "interactions": ["read", "search-type"],
        "search": [("patient", "reference", "The patient (Patient/id or id)"),
                   ("status", "token", "active | finished | entered-in-error (comma for OR)"),
                   ("organization", "reference", "The clinic running the pathway (Organization/id or id)")],
        "documentation": "The pathway. Milestones, time limits and (for health personnel) the event log as "
                         f"extensions {fhir.EXT}/pathway-milestone, pathway-time-limit, pathway-event; care team "
                         "contained. _count (max 200) and _offset page the results; total counts only what the "
                         "caller may see.",
    },
    "HealthcareService": {
        "interactions": ["read", "search-type"],
        "search": [("municipality", "token", "Required: four-digit municipality number served"),
                   ("kind", "token", f"Kind of offer ({fhir.CS}/offer-kind)"),
                   ("no-referral", "token", "true: only offers needing neither referral nor administrative decision"),
                   ("free", "token", "true: only offers without cost")],
        "documentation": "The offers catalogue; public, no token needed.",
    },
}


def capability_statement(base: str, token_url: str) -> dict:
    resources = []
    for resource_type, spec in SUPPORTED.items():
        entry = {
            "type": resource_type,
            "documentation": spec["documentation"],
            "interaction": [{"code": code} for code in spec["interactions"]],
            "versioning": "no-version",
            "readHistory": False,
            "updateCreate": False,
        }
        if spec["search"]:
            entry["searchParam"] = [{"name": name, "type": kind, "documentation": doc} for name, kind, doc in spec["search"]]
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
            "documentation": "Searches take _count (default 50, max 200) and _offset; Bundle.link has next.",
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
