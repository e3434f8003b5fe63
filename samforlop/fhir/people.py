"""FHIR endpoints — people, meetings, consent and the access log: Practitioner, PractitionerRole,
CareTeam, Appointment, Consent, AuditEvent. Endpoints and their mapping functions (pure: the views
fetch through the guard and hand the rows in).

Choices, so a caller can rely on them:
- **Practitioner / PractitionerRole** id = the staff user's id; only persons who work in an
  organisation (not patients, relatives or the system users of FHIR clients). A person has one
  role in one organisation, so one PractitionerRole each. Not patient data: any caller may read.
- **CareTeam** id = the patient's id: the patient has one care team, its members in force today
  (as on the patient page and in the EpisodeOfCare). Guarded like the plan (NAV: with consent to
  `plan_and_meetings`).
- **Appointment** = a collaboration meeting, each invitee's answer as `participant.status`
  (accepted / declined / needs-action), the place as a Location participant. Agenda yes, minutes
  no. Guarded like the meeting page (`plan_and_meetings`).
- **Consent** = one row of `SharingConsent` (one category, one grantee, one period). Created by
  the patient only (their log-in). Read: the patient all of theirs; health personnel on the care
  team the patient's consents (what is shared, and with whom); NAV only the consents given to
  its own office.
- **AuditEvent** = one row of the access log. The patient reads the entries about them written by
  others (as on /my/privacy/); an auditor — a system its organisation's admin gave the reporting
  role (`User.Role.LEADER`, as for the registry export and bulk export; issue 9 admits only systems
  and patients) — reads the entries written by its organisation's people and FHIR clients. Everyone else finds
  nothing. Reading the access log is itself logged. No identity numbers: patients by id only.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.urls import path
from django.utils import translation

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.fhir.api import (
    base_url, bundle, date_condition, fhir_view, log_search, paging, parse_reference, read_json_body, resource_uuid,
    search_params, submission_id_for,
)
from samforlop.fhir.outcome import FhirError, bad_request, business_rule, fhir_response, not_found
from samforlop.fhir.resources import (
    CANONICAL, CS, DNR, EXT, FNR, HPR, ORGNR, _drop_empty, care_team_resource,
    organisation_reference, practitioner_reference,
)
from samforlop.patients.models import CONSENT_ORGANISATION_KINDS, OVERVIEW, Category

CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
SHARING_CATEGORY = f"{CS}/sharing-category"

# This module's rows of the CapabilityStatement (see capability.supported).
CAPABILITY: dict[str, dict] = {
    "Practitioner": {
        "interactions": ["read"],
        "search": [],
        "documentation": "Staff of an organisation (id = the user's id), with the HPR number "
                         "(urn:oid:2.16.578.1.12.4.1.4.4) when known. Any authenticated caller.",
    },
    "PractitionerRole": {
        "interactions": ["read", "search-type"],
        "search": [("organization", "reference", "The organisation (Organization/id or id)"),
                   ("practitioner", "reference", "The person (Practitioner/id or id)")],
        "documentation": f"A person's role ({CS}/user-role) in their organisation; one per person, id = the "
                         "Practitioner's id. Any authenticated caller.",
    },
    "CareTeam": {
        "interactions": ["read", "search-type"],
        "search": [("patient", "reference", "The patient (Patient/id or id)"),
                   ("status", "token", "active (someone on the team today) | inactive")],
        "documentation": "The patient's care team (id = the patient's id): the members in force today, each with "
                         f"role ({CS}/care-team-role), contact person / coordinator ({CS}/care-team-function) and "
                         "period. NAV needs consent to plan_and_meetings.",
    },
    "Appointment": {
        "interactions": ["read", "search-type"],
        "search": [("patient", "reference", "The patient (Patient/id or id)"),
                   ("date", "date", "The start: [eq|ge|gt|le|lt]YYYY[-MM[-DD]] or a date-time; may be repeated "
                                    "(date=ge2026-01-01&date=lt2026-02-01); dates are Europe/Oslo days")],
        "documentation": "Collaboration meetings; participant.status is each invitee's answer, "
                         f"{EXT}/meeting-attended whether they came. NAV needs consent to plan_and_meetings.",
    },
    "Consent": {
        "interactions": ["read", "search-type", "create"],
        "search": [("patient", "reference", "The patient (Patient/id or id)")],
        "documentation": "The patient's consent to share one category "
                         f"({SHARING_CATEGORY}: {' | '.join(Category.values)}) with a NAV "
                         "office on their care team (provision.actor.reference = Organization/id) or a relative "
                         f"(provision.actor.reference = {{identifier: {FNR}|number, display: name}}: the number only in "
                         "the body) for provision.period. Created by the patient with their log-in (CSRF token); "
                         "Idempotency-Key honoured. Read: the patient; health personnel on the care team; NAV only "
                         "the consents given to it.",
    },
    "AuditEvent": {
        "interactions": ["read", "search-type"],
        "search": [("patient", "reference", "The patient the entry is about (Patient/id or id)"),
                   ("date", "date", "When: [eq|ge|gt|le|lt]YYYY[-MM[-DD]] or a date-time; may be repeated")],
        "documentation": "The access log. A patient (their log-in) reads who else has read their data; a system "
                         "with the reporting role reads what its organisation's people and systems have read. Nobody else "
                         "finds anything. Reading it is logged.",
    },
}


# --- Small helpers -----------------------------------------------------------------------------------

def user_id(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def practitioner_id(value: str, name: str) -> int:
    """A reference search value for a Practitioner: `id` or `Practitioner/id`."""
    prefix, _slash, rest = value.rpartition("/")
    if prefix and prefix.rsplit("/", 1)[-1] != "Practitioner":
        raise bad_request(f"'{name}' must reference a Practitioner", name, "value")
    pk = user_id(rest)
    if pk is None:
        raise bad_request(f"'{name}' must be a Practitioner id", name, "value")
    return pk


def _asked_patient(params: dict):
    return parse_reference(params["patient"], "patient", "Patient") if params.get("patient") else None


# --- Mapping functions --------------------------------------------------------------------------------

def _human_name(user) -> list[dict]:
    name = _drop_empty({"use": "official", "family": user.last_name,
                        "given": [user.first_name] if user.first_name else [], "text": user.display_name})
    return [name]


def practitioner_resource(user) -> dict:
    return _drop_empty({
        "resourceType": "Practitioner",
        "id": str(user.pk),
        "identifier": [{"use": "official", "system": HPR, "value": user.hpr_number}]
        if user.hpr_number else [],
        "active": user.is_active,
        "name": _human_name(user),
    })


def practitioner_role_resource(user) -> dict:
    return _drop_empty({
        "resourceType": "PractitionerRole",
        "id": str(user.pk),
        "active": user.is_active,
        "practitioner": practitioner_reference(user),
        "organization": organisation_reference(user.organisation),
        "code": [{"coding": [{"system": f"{CS}/user-role", "code": user.role, "display": str(user.get_role_display())}]}]
        if user.role else [],
    })


def care_team_of(patient, members) -> dict:
    """The patient's care team as a CareTeam of its own (the EpisodeOfCare contains the same)."""
    team = care_team_resource(patient, members)
    for participant, member in zip(team["participant"], members):
        if member.person_id:
            participant["member"] = practitioner_reference(member.person)
    team.update(id=str(patient.pk), status="active" if members else "inactive")
    return _drop_empty(team)


MEETING_STATUS = {"scheduled": "booked", "held": "fulfilled", "cancelled": "cancelled"}
ANSWER = {"pending": "needs-action", "accepted": "accepted", "declined": "declined"}


def _meeting_actor(p) -> dict:
    if p.patient_id:
        return {"reference": f"Patient/{p.patient_id}", "type": "Patient"}
    if p.user_id:
        return practitioner_reference(p.user)
    if p.organisation_id:  # Organization is not an Appointment actor in R4: named by its number
        return {"identifier": {"system": ORGNR, "value": p.organisation.org_number}, "display": p.organisation.name}
    return {"type": "RelatedPerson", "display": p.name}


def appointment_resource(meeting, participants) -> dict:
    template = meeting.template
    required = set(template.required_roles) if template else set()
    name = str(template.name) if template else meeting.kind
    people = []
    for p in participants:
        people.append(_drop_empty({
            "extension": [{"url": f"{EXT}/meeting-attended", "valueBoolean": p.attended}]
            if p.attended is not None else [],
            "type": [{"coding": [{"system": f"{CS}/meeting-role", "code": p.role, "display": str(p.get_role_display())}]}],
            "actor": _meeting_actor(p),
            "required": "required" if p.role in required else "optional",
            "status": ANSWER[p.response],
        }))
    if meeting.place:
        people.append({"actor": {"type": "Location", "display": meeting.place}, "required": "information-only",
                       "status": "accepted"})
    extensions = []
    if meeting.video_link:
        extensions.append({"url": f"{EXT}/meeting-video-link", "valueUrl": meeting.video_link})
    if meeting.held_on:
        extensions.append({"url": f"{EXT}/meeting-held-on", "valueDate": meeting.held_on.isoformat()})
    start = clock.localtime(meeting.starts_at)
    return _drop_empty({
        "resourceType": "Appointment",
        "id": str(meeting.pk),
        "extension": extensions,
        "status": MEETING_STATUS[meeting.status],
        "serviceType": [{"coding": [{"system": f"{CS}/meeting-kind", "code": meeting.kind, "display": name}]}],
        "description": name,
        "supportingInformation": [{"reference": f"EpisodeOfCare/{meeting.pathway_id}", "type": "EpisodeOfCare"}],
        "start": start.isoformat(),
        "end": (start + dt.timedelta(minutes=meeting.duration_minutes)).isoformat(),
        "minutesDuration": meeting.duration_minutes,
        "created": clock.localtime(meeting.created_at).isoformat(),
        "comment": meeting.agenda,
        "participant": people,
    })


def consent_resource(consent, today: dt.date) -> dict:
    if consent.organisation_id:
        grantee = organisation_reference(consent.organisation)
    else:  # a relative: by name only (we keep no identity number of theirs)
        grantee = {"type": "RelatedPerson", "display": consent.person.display_name}
    return _drop_empty({
        "resourceType": "Consent",
        "id": str(consent.pk),
        "extension": [{"url": f"{EXT}/consent-withdrawn", "valueDateTime": consent.withdrawn_at.isoformat()}]
        if consent.withdrawn_at else [],
        "status": "active" if consent.withdrawn_at is None and (consent.valid_to is None or consent.valid_to >= today)
        else "inactive",
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "patient-privacy", "display": "Privacy Consent"}]},
        "category": [{"coding": [{"system": SHARING_CATEGORY, "code": consent.category,
                                  "display": str(consent.get_category_display())}]}],
        "patient": {"reference": f"Patient/{consent.patient_id}"},
        "dateTime": consent.given_at.isoformat(),
        "performer": [{"reference": f"Patient/{consent.patient_id}"}],
        "policyRule": {"coding": [{"system": ACT_CODE, "code": "OPTIN", "display": "opt-in"}]},
        "provision": _drop_empty({
            "type": "permit",
            "period": _drop_empty({"start": consent.valid_from.isoformat(),
                                   "end": consent.valid_to.isoformat() if consent.valid_to else None}),
            "actor": [{"role": {"coding": [{"system": PARTICIPATION, "code": "IRCP",
                                            "display": "information recipient"}]},
                       "reference": grantee}],
        }),
    })


def _access_label(what: str) -> str:
    from samforlop.portal.views import ACCESS_WHAT

    return str(ACCESS_WHAT.get(what, "Read your data"))


def audit_event_resource(row) -> dict:
    """One access-log row: who (person, role, organisation), what kind of read, when, which
    patient (by id only), and whether it was refused."""
    from samforlop.accounts.models import User

    user = row.user
    if user is None:
        who = {"type": "Device", "display": "Samforløp"}
    elif user.patient_id is not None:
        who = {"reference": f"Patient/{user.patient_id}", "type": "Patient"}
    elif hasattr(user, "fhir_client"):
        who = {"type": "Device", "display": user.fhir_client.name,
               "identifier": {"system": f"{CANONICAL}/fhir-client-id", "value": user.fhir_client.client_id}}
    elif user.organisation_id is None:
        who = {"type": "RelatedPerson", "display": user.display_name}
    else:
        who = practitioner_reference(user)
    agents = [_drop_empty({
        "role": [{"coding": [{"system": f"{CS}/user-role", "code": row.role,
                              "display": str(dict(User.Role.choices).get(row.role, row.role))}]}] if row.role else [],
        "who": who, "requestor": True})]
    if row.organisation_id:
        agents.append({"who": organisation_reference(row.organisation), "requestor": False})
    entity = []
    if row.patient_id:
        entity.append({"what": {"reference": f"Patient/{row.patient_id}"},
                       "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1",
                                "display": "Person"},
                       "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1",
                                "display": "Patient"}})
    elif row.requested_id:  # a probe for something not shown: what was asked for
        entity.append({"what": {"identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{row.requested_id}"}}})
    denied = row.outcome == "denied"
    return _drop_empty({
        "resourceType": "AuditEvent",
        "id": str(row.pk),
        "type": {"system": DICOM, "code": "110110", "display": "Patient Record"},
        "subtype": [{"system": f"{CS}/access-kind", "code": row.what, "display": _access_label(row.what)}],
        "action": "R",
        "recorded": row.at.isoformat(),
        "outcome": "4" if denied else "0",
        "outcomeDesc": "Refused: the data is not visible to this user" if denied else None,
        "agent": agents,
        "source": {"observer": {"display": "Samforløp"},
                   "type": [{"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4",
                             "display": "Application Server"}]},
        "entity": entity,
    })


# --- Practitioner and PractitionerRole (not patient data: no access log) --------------------------------

def _staff():
    from samforlop.accounts.models import User

    return (User.objects.filter(organisation__isnull=False, patient__isnull=True, fhir_client__isnull=True)
            .select_related("organisation"))


def _staff_member(resource_type: str, resource_id: str):
    pk = user_id(resource_id)
    user = _staff().filter(pk=pk).first() if pk is not None else None
    if user is None:
        raise not_found(resource_type, resource_id)
    return user


@fhir_view(("GET",))
def practitioner_read(request, resource_id):
    return fhir_response(practitioner_resource(_staff_member("Practitioner", resource_id)))


@fhir_view(("GET",))
def practitioner_role_read(request, resource_id):
    return fhir_response(practitioner_role_resource(_staff_member("PractitionerRole", resource_id)))


@fhir_view(("GET",))
def practitioner_role_search(request):
    params = search_params(request, {"organization", "practitioner", "_count", "_offset"})
    count, offset = paging(params)
    people = _staff()
    if params.get("organization"):
        people = people.filter(organisation_id=parse_reference(params["organization"], "organization", "Organization"))
    if params.get("practitioner"):
        people = people.filter(pk=practitioner_id(params["practitioner"], "practitioner"))
    total = people.count()
    page = list(people.order_by("last_name", "first_name", "pk")[offset:offset + count]) if count else []
    return fhir_response(bundle(request, "PractitionerRole", params, [practitioner_role_resource(u) for u in page],
                                   total, count, offset))


# --- CareTeam (id = the patient's id) --------------------------------------------------------------------

def _teams(patients, today) -> list[dict]:
    from samforlop.patients.models import CareTeamMember, active_on

    members: dict = {p.pk: [] for p in patients}
    for member in (CareTeamMember.objects.filter(active_on(today), patient_id__in=list(members))
                   .select_related("organisation", "person").order_by("valid_from", "pk")):
        members[member.patient_id].append(member)
    return [care_team_of(p, members[p.pk]) for p in patients]


@fhir_view(("GET",))
def care_team_read(request, resource_id):
    from samforlop.patients.access import get_patient_for_user

    now, user = clock.now(), request.fhir_user
    pk = resource_uuid(resource_id)
    if pk is None:
        log_access(user=user, what="fhir_care_team", at=now, granted=False)
        raise not_found("CareTeam", resource_id)
    patient = get_patient_for_user(user, pk, what="fhir_care_team", now=now, category=Category.PLAN_AND_MEETINGS)
    return fhir_response(_teams([patient], clock.oslo_date(now))[0])


@fhir_view(("GET",))
def care_team_search(request):
    from samforlop.patients.models import CareTeamMember, Patient, active_on

    params = search_params(request, {"patient", "status", "_count", "_offset"})
    count, offset = paging(params)
    now, user = clock.now(), request.fhir_user
    today = clock.oslo_date(now)
    patients = Patient.objects.visible_to(user, today, Category.PLAN_AND_MEETINGS)
    asked = _asked_patient(params)
    if asked is not None:
        patients = patients.filter(pk=asked)
    if params.get("status"):
        statuses = set(params["status"].split(","))
        if not statuses <= {"active", "inactive"}:
            raise bad_request("status must be active or inactive", "status", "value")
        if len(statuses) == 1:
            someone = Exists(CareTeamMember.objects.filter(active_on(today), patient=OuterRef("pk")))
            patients = patients.filter(someone if "active" in statuses else ~someone)
    total = patients.count()
    page = list(patients.order_by("family_name", "given_name", "pk")[offset:offset + count]) if count else []
    log_search(user, "fhir_care_team_search", now, page, asked, category=Category.PLAN_AND_MEETINGS)
    return fhir_response(bundle(request, "CareTeam", params, _teams(page, today) if page else [], total, count,
                                   offset))


# --- Appointment (collaboration meetings) -------------------------------------------------------------

def _participants():
    from samforlop.meetings.models import Participant

    return Participant.objects.select_related("user", "organisation").order_by("pk")


@fhir_view(("GET",))
def appointment_read(request, resource_id):
    from samforlop.meetings.access import get_meeting_for_user

    now, user = clock.now(), request.fhir_user
    pk = resource_uuid(resource_id)
    if pk is None:
        log_access(user=user, what="fhir_appointment", at=now, granted=False)
        raise not_found("Appointment", resource_id)
    meeting = get_meeting_for_user(user, pk, what="fhir_appointment", now=now, category=Category.PLAN_AND_MEETINGS)
    return fhir_response(appointment_resource(meeting, list(_participants().filter(meeting=meeting))))


@fhir_view(("GET",))
def appointment_search(request):
    """Meetings of patients the caller may see (NAV: with consent to plan and meetings), by start."""
    from samforlop.meetings.models import Meeting
    from samforlop.patients.models import visibility_condition

    params = search_params(request, {"patient", "date", "_count", "_offset"}, repeatable=frozenset({"date"}))
    count, offset = paging(params)
    now, user = clock.now(), request.fhir_user
    today = clock.oslo_date(now)
    condition = visibility_condition(user, today, patient_field="pathway__patient_id", now=now,
                                     category=Category.PLAN_AND_MEETINGS)
    meetings = Meeting.objects.none() if condition is None else Meeting.objects.filter(condition)
    asked = _asked_patient(params)
    if asked is not None:
        meetings = meetings.filter(pathway__patient_id=asked)
    if params.get("date"):
        meetings = meetings.filter(date_condition("starts_at", params["date"], "date"))
    total = meetings.count()
    page = list(meetings.select_related("pathway__patient")
                .prefetch_related(Prefetch("participants", queryset=_participants()))
                .order_by("starts_at", "pk")[offset:offset + count]) if count else []
    shown = list({m.pathway.patient_id: m.pathway.patient for m in page}.values())
    log_search(user, "fhir_appointment_search", now, shown, asked, category=Category.PLAN_AND_MEETINGS)
    entries = [appointment_resource(m, list(m.participants.all())) for m in page]
    return fhir_response(bundle(request, "Appointment", params, entries, total, count, offset))


# --- Consent -----------------------------------------------------------------------------------------------

def _consents(user, today):
    """The consents `user` may read: the patient theirs; health personnel those of patients they
    may see; NAV (and anyone else who needs consent) only the ones given to them."""
    from samforlop.patients.models import SharingConsent, needs_consent, visibility_condition

    consents = SharingConsent.objects.select_related("person", "organisation")
    if user.patient_id is not None:
        return consents.filter(patient_id=user.patient_id)
    condition = visibility_condition(user, today, patient_field="patient_id", category=OVERVIEW)
    if condition is None:
        return consents.none()
    consents = consents.filter(condition)
    if needs_consent(user):
        consents = (consents.filter(organisation_id=user.organisation_id) if user.organisation_id
                    else consents.filter(person_id=user.pk))
    return consents


@fhir_view(("GET",))
def consent_read(request, resource_id):
    from samforlop.patients.models import Patient, SharingConsent

    now, user = clock.now(), request.fhir_user
    today = clock.oslo_date(now)
    pk = user_id(resource_id)
    consent = _consents(user, today).filter(pk=pk).first() if pk is not None else None
    if consent is None:
        # Refused as a read of a hidden patient is (attributed to the patient, for their access log).
        owner = SharingConsent.objects.filter(pk=pk).values_list("patient_id", flat=True).first() if pk else None
        log_access(user=user, what="fhir_consent", at=now, granted=False, requested_id=owner,
                   patients=list(Patient.objects.filter(pk=owner).only("pk")) if owner else [])
        raise not_found("Consent", resource_id)
    log_access(user=user, what="fhir_consent", at=now, patients=[consent.patient])
    return fhir_response(consent_resource(consent, today))


@fhir_view(("GET", "POST"))
def consent_type(request):
    return consent_create(request) if request.method == "POST" else consent_search(request)


def consent_search(request):
    params = search_params(request, {"patient", "_count", "_offset"})
    count, offset = paging(params)
    now, user = clock.now(), request.fhir_user
    today = clock.oslo_date(now)
    consents = _consents(user, today)
    asked = _asked_patient(params)
    if asked is not None:
        consents = consents.filter(patient_id=asked)
    total = consents.count()
    page = list(consents.select_related("patient").order_by("patient_id", "valid_from", "pk")[offset:offset + count]
                ) if count else []
    shown = list({c.patient_id: c.patient for c in page}.values())
    log_search(user, "fhir_consent_search", now, shown, asked, category=OVERVIEW)
    return fhir_response(bundle(request, "Consent", params, [consent_resource(c, today) for c in page], total,
                                   count, offset))


def _codings(value, field: str) -> list[dict]:
    if not isinstance(value, dict) or not isinstance(value.get("coding", []), list):
        raise bad_request(f"{field} must be a CodeableConcept", field, "structure")
    return [c for c in value.get("coding", []) if isinstance(c, dict)]


def _date_field(value, field: str) -> dt.date | None:
    """A date, or the date of a dateTime (a period's start and end are dateTimes in FHIR)."""
    if value is None:
        return None
    if isinstance(value, str) and (len(value) == 10 or value[10:11] == "T"):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise bad_request(f"{field} must be a date (YYYY-MM-DD)", field, "value")


def parse_consent(body: dict, patient, today: dt.date) -> dict:
    """What the patient consents to, from a Consent resource: the category, the grantee (a NAV
    office or a user organisation on the care team, or a relative by identity number and name) and
    the period; 400 naming the field for anything malformed. The identity number never goes into a diagnostic."""
    from samforlop.accounts.models import Organisation
    from samforlop.patients import identity
    from samforlop.patients.models import CareTeamMember, active_on

    if body.get("status") != "active":
        raise bad_request("status must be 'active' (a new consent)", "Consent.status", "value")
    if not any(c.get("system") == CONSENT_SCOPE and c.get("code") == "patient-privacy"
               for c in _codings(body.get("scope"), "Consent.scope")):
        raise bad_request(f"scope must be {CONSENT_SCOPE}|patient-privacy", "Consent.scope", "required")
    if not isinstance(body.get("category"), list):
        raise bad_request(f"category is required: one code of {SHARING_CATEGORY}", "Consent.category", "required")
    codes = [c.get("code") for concept in body["category"] for c in _codings(concept, "Consent.category")
             if c.get("system") == SHARING_CATEGORY]
    if len(codes) != 1 or codes[0] not in Category.values:
        raise bad_request(f"category must hold exactly one code of {SHARING_CATEGORY} ({', '.join(Category.values)}); "
                          "one Consent per category", "Consent.category", "value")
    subject = body.get("patient")
    if subject is not None and (not isinstance(subject, dict) or subject.get("reference") not in (
            f"Patient/{patient.pk}", f"{patient.pk}")):
        raise bad_request("patient must be yourself (Patient/<your id>), or left out", "Consent.patient", "value")

    provision = body.get("provision")
    if not isinstance(provision, dict):
        raise bad_request("provision is required (actor and period)", "Consent.provision", "required")
    unsupported = sorted(set(provision) - {"type", "period", "actor", "id", "extension"})
    if unsupported:
        raise bad_request(f"provision.{unsupported[0]} is not supported (one permit to one actor for a period)",
                          f"Consent.provision.{unsupported[0]}", "not-supported")
    if provision.get("type", "permit") != "permit":
        raise bad_request("provision.type must be 'permit'", "Consent.provision.type", "value")
    period = provision.get("period") or {}
    if not isinstance(period, dict):
        raise bad_request("provision.period must be a Period", "Consent.provision.period", "structure")
    valid_from = _date_field(period.get("start"), "Consent.provision.period.start") or today
    valid_to = _date_field(period.get("end"), "Consent.provision.period.end")
    if valid_to is not None and valid_to < valid_from:
        raise bad_request("provision.period.end is before its start", "Consent.provision.period.end", "value")

    actors = provision.get("actor")
    if not isinstance(actors, list) or len(actors) != 1 or not isinstance(actors[0], dict):
        raise bad_request("provision.actor must name exactly one recipient", "Consent.provision.actor", "required")
    field = "Consent.provision.actor[0].reference"
    reference = actors[0].get("reference")
    if not isinstance(reference, dict):
        raise bad_request("provision.actor.reference is required", field, "required")
    target = reference.get("reference")
    if target:
        organisation_id = parse_reference(target, field, "Organization")
        nav = Organisation.objects.filter(pk=organisation_id, kind__in=CONSENT_ORGANISATION_KINDS).filter(
            Exists(CareTeamMember.objects.filter(active_on(today), patient=patient, organisation=OuterRef("pk")))).first()
        if nav is None:
            raise business_rule("Consent is given to a NAV office or a user organisation on your care team, or to a "
                                "relative; health personnel on the care team see what they need without it", field)
        return {"categories": [codes[0]], "valid_from": valid_from, "valid_to": valid_to, "organisation": nav}
    number = reference.get("identifier") if isinstance(reference.get("identifier"), dict) else {}
    if number.get("system") not in (None, FNR, DNR) or not isinstance(number.get("value"), str):
        raise bad_request(f"A relative is named by identifier ({FNR} or {DNR}) and display; a NAV office or a user "
                          "organisation by reference Organization/<id>", f"{field}.identifier", "required")
    try:
        national_id = identity.validate_identity_number(number["value"])
    except ValidationError:
        raise bad_request("identifier.value is not a valid identity number", f"{field}.identifier.value",
                          "value") from None
    name = reference.get("display")
    if not isinstance(name, str) or not name.strip():
        raise bad_request("The relative's name is required (display)", f"{field}.display", "required")
    return {"categories": [codes[0]], "valid_from": valid_from, "valid_to": valid_to,
            "relative": (national_id, name.strip())}


# Where a refusal of the named operation points in the resource.
CONSENT_FIELDS = {"organisation": "Consent.provision.actor[0].reference",
                  "national_id": "Consent.provision.actor[0].reference.identifier",
                  "categories": "Consent.category", "valid_to": "Consent.provision.period.end"}


def consent_create(request):
    """POST /fhir/Consent by the patient (their log-in): the same operation as /my/sharing/, so it
    takes effect at once. A retry with the same Idempotency-Key returns the first consent (200)."""
    from samforlop.patients import actions

    now, user = clock.now(), request.fhir_user
    if user.patient_id is None:
        raise FhirError(403, "forbidden", "Only the patient gives consent, with their own log-in")
    today = clock.oslo_date(now)
    data = parse_consent(read_json_body(request, "Consent"), user.patient, today)
    submission_id, _keyed = submission_id_for(request, "Consent")
    relative = data.pop("relative", None)
    before = set(user.patient.sharing_consents.values_list("pk", flat=True))
    try:
        with transaction.atomic(), translation.override("en"):  # the relative's user only if consent is stored
            if relative is not None:
                data["person"] = actions.relative_user(national_id=relative[0], name=relative[1])
            consent, = actions.grant_consent(patient=user.patient, actor=user, now=now, submission_id=submission_id,
                                             **data)
    except ValidationError as error:
        issues = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
        field, messages = next(iter(issues))
        raise business_rule(" ".join(str(m) for m in messages), CONSENT_FIELDS.get(field)) from None
    created = consent.pk not in before
    url = f"{base_url(request)}/Consent/{consent.pk}"
    return fhir_response(consent_resource(consent, today), 201 if created else 200,
                         {"Location": url} if created else {"Content-Location": url})


# --- AuditEvent (the access log) ---------------------------------------------------------------------------

def _is_auditor(user) -> bool:
    from samforlop.accounts.models import User

    return user.role == User.Role.LEADER and user.organisation_id is not None and user.patient_id is None


def _access_log(user):
    """The entries `user` may read: a patient those about them written by others (as /my/privacy/
    shows), an auditor (reporting role) those written by its organisation's people and systems;
    nobody else any."""
    from samforlop.audit.models import AccessLog

    entries = AccessLog.objects.select_related("user__fhir_client", "organisation")
    if user.patient_id is not None:
        return entries.filter(patient_id=user.patient_id).exclude(user=user)
    if _is_auditor(user):
        return entries.filter(organisation_id=user.organisation_id)
    return entries.none()


@fhir_view(("GET",))
def audit_event_read(request, resource_id):
    now, user = clock.now(), request.fhir_user
    pk = user_id(resource_id)
    row = _access_log(user).filter(pk=pk).first() if pk is not None else None
    if row is None:
        log_access(user=user, what="fhir_audit_event", at=now, granted=False)
        raise not_found("AuditEvent", resource_id)
    log_access(user=user, what="fhir_audit_event", at=now, patients=[row.patient] if row.patient_id else [])
    return fhir_response(audit_event_resource(row))


@fhir_view(("GET",))
def audit_event_search(request):
    params = search_params(request, {"patient", "date", "_count", "_offset"}, repeatable=frozenset({"date"}))
    count, offset = paging(params)
    now, user = clock.now(), request.fhir_user
    entries = _access_log(user)
    asked = _asked_patient(params)
    if asked is not None:
        entries = entries.filter(patient_id=asked)
    if params.get("date"):
        entries = entries.filter(date_condition("at", params["date"], "date"))
    total = entries.count()
    page = list(entries.select_related("patient").order_by("-at", "-pk")[offset:offset + count]) if count else []
    shown = list({r.patient_id: r.patient for r in page if r.patient_id}.values())
    log_search(user, "fhir_audit_event_search", now, shown, asked,
               granted=user.patient_id == asked if user.patient_id is not None else _is_auditor(user))
    return fhir_response(bundle(request, "AuditEvent", params, [audit_event_resource(r) for r in page], total,
                                   count, offset))


urlpatterns = [
    path("Practitioner/<str:resource_id>", practitioner_read, name="practitioner"),
    path("PractitionerRole", practitioner_role_search, name="practitioner_role_search"),
    path("PractitionerRole/<str:resource_id>", practitioner_role_read, name="practitioner_role"),
    path("CareTeam", care_team_search, name="care_team_search"),
    path("CareTeam/<str:resource_id>", care_team_read, name="care_team"),
    path("Appointment", appointment_search, name="appointment_search"),
    path("Appointment/<str:resource_id>", appointment_read, name="appointment"),
    path("Consent", consent_type, name="consent_type"),
    path("Consent/<str:resource_id>", consent_read, name="consent"),
    path("AuditEvent", audit_event_search, name="audit_event_search"),
    path("AuditEvent/<str:resource_id>", audit_event_read, name="audit_event"),
]
