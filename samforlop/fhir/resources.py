"""The domain as FHIR R4 resources: pure mapping functions, no queries of patient data (the views
fetch through the guard and hand the rows in).

Code systems and extensions of our own live under `CANONICAL` (one place to change when the
service's canonical address is decided).
"""

from __future__ import annotations

import datetime as dt

from samforlop.core.municipalities import municipality_name
from samforlop.pathways import state as pathway_state

CANONICAL = "https://samforlop.example/fhir"
EXT = f"{CANONICAL}/StructureDefinition"
CS = f"{CANONICAL}/CodeSystem"

# National identifiers (Volven/NHN OIDs).
FNR = "urn:oid:2.16.578.1.12.4.1.4.1"  # fødselsnummer
DNR = "urn:oid:2.16.578.1.12.4.1.4.2"  # D-nummer
ORGNR = "urn:oid:2.16.578.1.12.4.1.4.101"  # organisasjonsnummer (Enhetsregisteret)
HPR = "urn:oid:2.16.578.1.12.4.1.4.4"  # HPR-nummer
MUNICIPALITY = "urn:oid:2.16.578.1.12.4.1.1.3402"  # kommunenummer
NO_BASIS_MUNICIPALITY = "http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode"
PATHWAY_TYPE = "urn:oid:2.16.578.1.12.4.1.1.9321"
PATHWAY_EVENT = "urn:oid:2.16.578.1.12.4.1.1.9377"
PATHWAY_OUTCOME = "urn:oid:2.16.578.1.12.4.1.1.9379"
UCUM = "http://unitsofmeasure.org"

EPISODE_STATUS = {pathway_state.ACTIVE: "active", pathway_state.ENDED: "finished",
                  pathway_state.VOIDED: "entered-in-error"}
EPISODE_STATUS_TO_DOMAIN = {v: k for k, v in EPISODE_STATUS.items()}


def identifier_system(national_id: str) -> str:
    """D-numbers add 4 to the first digit (4–7); everything else is a fødselsnummer (synthetic
    test numbers included, which add 80 to the month)."""
    return DNR if national_id[:1] in "4567" else FNR


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _drop_empty(d: dict) -> dict:
    return {k: v for k, v in d.items() if v not in (None, "", [], {})}


def _municipality_address(code: str) -> list[dict]:
    if not code:
        return []
    return [{"extension": [{"url": NO_BASIS_MUNICIPALITY,
                            "valueCoding": {"system": MUNICIPALITY, "code": code}}]}]


def _text(value) -> str:
    return str(value) if value is not None else ""


def organisation_reference(organisation) -> dict:
    return {"reference": f"Organization/{organisation.pk}", "display": organisation.name}


def patient_resource(patient) -> dict:
    gp = patient.gp
    general_practitioner = []
    if gp is not None:
        if gp.organisation_id is not None:
            general_practitioner.append(organisation_reference(gp.organisation))
        general_practitioner.append(_person_reference(gp))
    return _drop_empty({
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [{"use": "official", "system": identifier_system(patient.national_id),
                        "value": patient.national_id}],
        "active": True,
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name],
                  "text": patient.full_name}],
        "telecom": [{"system": "email", "value": patient.email}] if patient.email else [],
        "birthDate": _date(patient.birth_date),
        "address": _municipality_address(patient.municipality),
        "generalPractitioner": general_practitioner,
    })


def _person_reference(user) -> dict:
    reference = {"type": "Practitioner", "display": user.display_name}
    if user.hpr_number:
        reference["identifier"] = {"system": HPR, "value": user.hpr_number}
    return reference


def practitioner_reference(user) -> dict:
    """A person who works in an organisation, with a reference to their Practitioner resource."""
    reference = _person_reference(user)
    if user.organisation_id is not None and user.patient_id is None:
        reference["reference"] = f"Practitioner/{user.pk}"
    return reference


def organization_resource(organisation) -> dict:
    return _drop_empty({
        "resourceType": "Organization",
        "id": str(organisation.pk),
        "identifier": [{"use": "official", "system": ORGNR, "value": organisation.org_number}],
        "active": True,
        "type": [{"coding": [{"system": f"{CS}/organisation-kind", "code": organisation.kind,
                              "display": organisation.get_kind_display()}]}],
        "name": organisation.name,
        "telecom": [{"system": "email", "value": organisation.email}] if organisation.email else [],
        "address": _municipality_address(organisation.municipality),
    })


# --- EpisodeOfCare: the pathway, with its timeline as extensions ------------------------------------

def _ext(name: str, **value) -> dict:
    (kind, v), = value.items()
    return {"url": name, kind: v}


def _coding(system: str, code: str, display) -> dict:
    return _drop_empty({"system": system, "code": code, "display": _text(display)})


def milestone_extensions(timeline) -> list[dict]:
    """One `pathway-milestone` per milestone of the definition, in the definition's order (the rows
    of the patient page's timeline)."""
    definition = timeline.pathway.definition
    out = []
    for row in timeline.milestones:
        milestone = definition.milestones[row.key]
        parts = [_ext("key", valueCode=row.key),
                 _ext("code", valueCoding=_coding(PATHWAY_EVENT, milestone.code, row.name))]
        if row.done_on:
            parts.append(_ext("date", valueDate=row.done_on.isoformat()))
            done = timeline.state.done.get(row.key)
            outcome = definition.outcomes.get(getattr(done, "outcome", "") or "")
            if outcome is not None:
                parts.append(_ext("outcome", valueCoding=_coding(PATHWAY_OUTCOME, outcome.code, outcome.name)))
        parts.append(_ext("status", valueCode="done" if row.done_on else ("next" if row.is_next else "pending")))
        if row.is_next and row.deadline:
            parts.append(_ext("deadline", valueDate=row.deadline.isoformat()))
            if row.deadline_state:
                parts.append(_ext("deadlineState", valueCode=row.deadline_state))
        out.append({"url": f"{EXT}/pathway-milestone", "extension": parts})
    return out


def time_limit_extensions(timeline) -> list[dict]:
    """One `pathway-time-limit` per time limit of the definition (the patient page's table)."""
    out = []
    for ls in timeline.limits:
        limit = ls.limit
        parts = [_ext("key", valueCode=limit.key), _ext("name", valueString=_text(limit.name)),
                 _ext("from", valueCode=limit.from_milestone), _ext("to", valueCode=limit.to_milestone)]
        if limit.to_outcome:
            parts.append(_ext("toOutcome", valueCode=limit.to_outcome))
        parts += [_ext("limit", valueDuration={"value": limit.weeks, "unit": "wk", "system": UCUM, "code": "wk"}),
                  _ext("state", valueCode=ls.state)]
        if ls.deadline:
            parts.append(_ext("deadline", valueDate=ls.deadline.isoformat()))
        if ls.elapsed_days is not None:
            parts.append(_ext("elapsedDays", valueInteger=ls.elapsed_days))
        if ls.is_open and ls.days_left is not None:
            parts.append(_ext("daysLeft", valueInteger=ls.days_left))
        if ls.done_on:
            parts.append(_ext("reached", valueDate=ls.done_on.isoformat()))
        out.append({"url": f"{EXT}/pathway-time-limit", "extension": parts})
    return out


def event_extensions(timeline) -> list[dict]:
    """The event log itself (`pathway-event`, registration order, corrections and voided events
    included): shown on the patient page to health personnel only, so only to them here."""
    definition = timeline.pathway.definition
    by_pk = {e.pk: e for e in timeline.events}
    out = []
    for e in timeline.events:
        parts = [_ext("id", valueString=e.external_id), _ext("key", valueCode=e.key)]
        milestone = definition.milestones.get(e.key)
        if e.code or milestone:
            parts.append(_ext("code", valueCoding=_coding(PATHWAY_EVENT, e.code or milestone.code,
                                                          milestone.name if milestone else "")))
        if not e.is_void:
            parts.append(_ext("date", valueDate=e.date.isoformat()))
        outcome = definition.outcomes.get(e.outcome or "")
        if outcome is not None:
            parts.append(_ext("outcome", valueCoding=_coding(PATHWAY_OUTCOME, e.outcome_code or outcome.code,
                                                             outcome.name)))
        if e.voids_id and e.voids_id in by_pk:
            parts.append(_ext("voids", valueString=by_pk[e.voids_id].external_id))
        parts.append(_ext("voided", valueBoolean=bool(getattr(e, "is_voided", False))))
        parts.append(_ext("registered", valueDateTime=e.registered_at.isoformat()))
        if e.reason:
            parts.append(_ext("reason", valueString=e.reason))
        if e.comment:
            parts.append(_ext("comment", valueString=e.comment))
        out.append({"url": f"{EXT}/pathway-event", "extension": parts})
    return out


def care_team_resource(patient, members) -> dict:
    """The care team in force, contained in the EpisodeOfCare (`#care-team`)."""
    participants = []
    for m in members:
        participant = {
            "role": [{"coding": [{"system": f"{CS}/care-team-role", "code": m.role, "display": m.get_role_display()}]}],
            "member": _person_reference(m.person) if m.person_id else organisation_reference(m.organisation),
            "period": _drop_empty({"start": _date(m.valid_from), "end": _date(m.valid_to)}),
        }
        if m.person_id:
            participant["onBehalfOf"] = organisation_reference(m.organisation)
        flags = [code for code, on in (("contact_person", m.is_contact_person), ("coordinator", m.is_coordinator)) if on]
        for code in flags:
            participant["role"].append({"coding": [{"system": f"{CS}/care-team-function", "code": code}]})
        participants.append(participant)
    return {"resourceType": "CareTeam", "id": "care-team", "status": "active",
            "subject": {"reference": f"Patient/{patient.pk}"}, "participant": participants}


def episode_of_care_resource(timeline, *, care_team: list, referral=None, clinical: bool, today: dt.date) -> dict:
    """The pathway as an EpisodeOfCare. `timeline` is `pathways.timeline.build_timeline(...)` — the
    same derived data the patient page shows; `clinical` adds the event log (health personnel)."""
    pathway = timeline.pathway
    definition = pathway.definition
    derived = timeline.state
    coordinator = next((m for m in care_team if m.is_coordinator and m.person_id), None)
    extensions = [{"url": f"{EXT}/pathway-as-of", "valueDate": today.isoformat()}]
    if derived.phase:
        phase = definition.phases.get(derived.phase)
        extensions.append({"url": f"{EXT}/pathway-phase",
                           "valueCoding": _coding(f"{CS}/pathway-phase-{definition.key}", derived.phase,
                                                  phase.name if phase else "")})
    extensions += milestone_extensions(timeline) + time_limit_extensions(timeline)
    if clinical:
        extensions += event_extensions(timeline)
    resource = {
        "resourceType": "EpisodeOfCare",
        "id": str(pathway.pk),
        "contained": [care_team_resource(pathway.patient, care_team)] if care_team else [],
        "extension": extensions,
        "identifier": [{"system": f"{CANONICAL}/pathway-id", "value": pathway.external_id}],
        "status": EPISODE_STATUS[derived.status],
        "type": [{"coding": [_coding(PATHWAY_TYPE, pathway.type_code or definition.code, definition.name),
                             _coding(f"{CS}/pathway-type", pathway.type, definition.name)]}],
        "patient": {"reference": f"Patient/{pathway.patient_id}"},
        "managingOrganization": organisation_reference(pathway.clinic),
        "period": _drop_empty({"start": _date(derived.started_on), "end": _date(derived.ended_on)}),
        "referralRequest": [{"reference": f"ServiceRequest/{referral.pk}", "type": "ServiceRequest"}] if referral else [],
        "careManager": _person_reference(coordinator.person) if coordinator else None,
        "team": [{"reference": "#care-team", "type": "CareTeam"}] if care_team else [],
    }
    return _drop_empty(resource)


# --- HealthcareService: the offers catalogue -------------------------------------------------------

def healthcare_service_resource(offer, *, stale: bool, municipalities: list[str]) -> dict:
    extensions = [
        {"url": f"{EXT}/offer-needs-referral", "valueBoolean": offer.needs_referral},
        {"url": f"{EXT}/offer-needs-decision", "valueBoolean": offer.needs_decision},
        {"url": f"{EXT}/offer-cost", "valueMoney": {"value": offer.cost_nok, "currency": "NOK"}},
        {"url": f"{EXT}/offer-counts-toward-exemption", "valueBoolean": offer.counts_toward_exemption},
        {"url": f"{EXT}/offer-transport", "valueBoolean": offer.transport},
        {"url": f"{EXT}/offer-open-without-diagnosis", "valueBoolean": offer.open_without_diagnosis},
        {"url": f"{EXT}/offer-last-verified", "valueDate": offer.last_verified.isoformat()},
        {"url": f"{EXT}/offer-stale", "valueBoolean": stale},
    ]
    if offer.seats is not None:
        extensions.append({"url": f"{EXT}/offer-seats", "valueInteger": offer.seats})
    extensions += [{"url": f"{EXT}/offer-next-start", "valueDate": d} for d in offer.next_start_dates or []
                   if isinstance(d, str) and _is_date(d)]
    extensions += [{"url": f"{EXT}/offer-helps-with", "valueCode": n} for n in offer.needs or []]
    eligibility = [{"code": {"coding": [{"system": f"{CS}/diagnosis-group", "code": g}]}}
                   for g in offer.diagnosis_groups or []]
    if offer.open_without_diagnosis:
        eligibility.append({"code": {"text": "Open to people with and without a diagnosis"}})
    return _drop_empty({
        "resourceType": "HealthcareService",
        "id": str(offer.pk),
        "extension": extensions,
        "active": True,
        "providedBy": organisation_reference(offer.provider),
        "type": [{"coding": [_coding(f"{CS}/offer-kind", offer.kind, offer.get_kind_display())]}],
        "name": offer.title,
        "extraDetails": offer.description,
        "location": [{"display": offer.place}] if offer.place else [],
        "telecom": [{"system": "other", "value": offer.contact}] if offer.contact else [],
        "coverageArea": [{"type": "Location", "identifier": {"system": MUNICIPALITY, "value": m}, "display": municipality_name(m) or m}
                         for m in municipalities],
        "serviceProvisionCode": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/service-provision-conditions",
            "code": "free" if offer.cost_nok == 0 else "cost"}]}],
        "eligibility": eligibility,
        "communication": [{"text": lang} for lang in _languages(offer.languages)],
        "availabilityExceptions": offer.schedule,
        "comment": offer.accessibility,
    })


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _languages(text: str) -> list[str]:
    return [part for part in (text or "").replace(";", " ").replace(",", " ").split() if part]
