"""FHIR endpoints — Referrals and check-ins: ServiceRequest, Questionnaire, QuestionnaireResponse.

- **ServiceRequest** is the referral. A create is an electronic referral from a referring office's
  record system: the page's two named operations (`save_referral_draft`, then `submit_referral`) in
  one transaction, so it lands in the clinic's inbox exactly as a referral written on the page, or,
  refused, leaves nothing behind. The referral's answers travel as contained Observations (one per
  field of the form, coded in `{CS}/referral-item`) and the treatments tried as contained Procedures,
  all listed in `supportingInfo`. Clinical fields go to health personnel only, the traumatic
  experiences to the author and the receiving clinic only — as on the referral page.
- **Questionnaire**: our questionnaire definitions (the TOML files), for any authenticated caller.
- **QuestionnaireResponse** is a check-in, sent by the patient's app with the patient's log-in
  through `submit_checkin`: triage runs, a red check-in puts the appointment task on the clinic's
  worklist, and the response carries the colour and what happens next.

Reads and searches go through the guard (referrals in the referral-and-assessment category,
check-ins in the check-ins category) and write one access-log row per patient read.
"""

from __future__ import annotations


from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import path
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.fhir import resources as fhir
from samforlop.fhir.api import (
    base_url, bundle, date_condition, fhir_view, if_none_exist, log_search, paging, parse_reference, read_json_body,
    resource_uuid, search_params, submission_id_for,
)
from samforlop.fhir.outcome import FhirError, bad_request, business_rule, conflict, fhir_response, issue, not_found
from samforlop.pathways.definitions import Text

EXT, CS = fhir.EXT, fhir.CS
REFERRAL_ITEM = f"{CS}/referral-item"
REFERRAL_STATUS = f"{CS}/referral-status"
TREATMENT_KIND = f"{CS}/treatment-kind"
TREATMENT_EFFECT = f"{CS}/treatment-effect"
TRIAGE = f"{CS}/checkin-triage"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
MAX_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs"

# The referral's states as ServiceRequest.status (the exact state is also in the referral-status extension).
SERVICE_REQUEST_STATUS = {"draft": "draft", "submitted": "active", "needs_information": "on-hold",
                          "included": "completed", "not_included": "revoked"}
SERVICE_REQUEST_STATUS_TO_DOMAIN = {v: k for k, v in SERVICE_REQUEST_STATUS.items()}
YES_NO_FIELDS = {"function_reduced", "quality_of_life_reduced", "nav_participation"}
MONTHS_FIELDS = {"pain_duration_months"}
SENSITIVE_FIELD = "traumatic_experiences"

CAPABILITY: dict[str, dict] = {
    "ServiceRequest": {
        "interactions": ["read", "search-type", "create"],
        "search": [("patient", "reference", "The patient (Patient/id or id)"),
                   ("status", "token", "draft | active | on-hold | completed | revoked (comma for OR)"),
                   ("identifier", "token", "The sending system's identifier of the referral ([system|]value)")],
        "documentation": "The referral. The answers of the referral form are contained Observations coded in "
                         f"{REFERRAL_ITEM} (valueString, valueBoolean for yes/no, valueQuantity in months), the "
                         f"treatments tried contained Procedures ({TREATMENT_KIND}, outcome {TREATMENT_EFFECT}), "
                         "all in supportingInfo; the exact state in the extension "
                         f"{EXT}/referral-status. Clinical answers and treatments only for health personnel. "
                         "create: a referring office's system sends a complete referral (status active, intent "
                         "order, subject Patient/id or a national identifier, performer the clinic's Organization) "
                         "to the clinic's inbox; Idempotency-Key and If-None-Exist (identifier, patient) make a "
                         "retry return the first referral (200).",
    },
    "Questionnaire": {
        "interactions": ["read", "search-type"],
        "search": [("name", "string", "The questionnaire's name (starts with, any case)"),
                   ("url", "uri", "The questionnaire's canonical URL")],
        "documentation": "Our check-in questionnaires. Texts in Norwegian Bokmål with English translations "
                         f"({TRANSLATION}). Every item must be answered.",
    },
    "QuestionnaireResponse": {
        "interactions": ["read", "search-type", "create"],
        "search": [("patient", "reference", "The patient (Patient/id or id)"),
                   ("authored", "date", "When sent (Oslo date); eq, ge, le, gt, lt prefixes; repeat for a range"),
                   ("questionnaire", "reference", "The questionnaire's canonical URL")],
        "documentation": "A check-in. create: by the patient's app with the patient's log-in (CSRF token), for a "
                         "questionnaire the patient is scheduled to answer (else 422); Idempotency-Key makes a "
                         f"retry return the first check-in. The triage colour is in {EXT}/checkin-triage ({TRIAGE}), "
                         f"the reasons in checkin-triage-reason, the scores in checkin-score, what happens next "
                         "(and the clinic's Task) in checkin-next-step.",
    },
}


# --- Small shared pieces --------------------------------------------------------------------------

def _nb_en(text: Text, element: str) -> dict:
    """A string element in Bokmål with its English translation (the FHIR translation extension)."""
    return {element: text.nb, f"_{element}": {"extension": [{"url": TRANSLATION, "extension": [
        {"url": "lang", "valueCode": "en"}, {"url": "content", "valueString": text.en}]}]}}


def _nb_en_extension(url: str, text: Text) -> dict:
    """A text extension in both languages (sub-extensions `nb` and `en`; the FHIR translation
    extension cannot sit on an extension's own value in the R4B models)."""
    return {"url": url, "extension": [{"url": "nb", "valueString": text.nb}, {"url": "en", "valueString": text.en}]}


def _in_both(message: str, **values) -> Text:
    """A message of the catalogue in both languages (the same words the page shows)."""
    out = []
    for language in ("nb", "en"):
        with translation.override(language):
            out.append(gettext(message) % {k: (v(language) if callable(v) else v) for k, v in values.items()})
    return Text(*out)


def _english(label) -> str:
    with translation.override("en"):
        return str(label)


class Problems:
    """Issues found in a request body, raised together (each names its field)."""

    def __init__(self):
        self.issues: list[dict] = []

    def add(self, expression: str, diagnostics: str, code: str = "invalid") -> None:
        self.issues.append(issue(code, diagnostics, expression))

    def raise_if_any(self, status: int = 400) -> None:
        if self.issues:
            first = self.issues[0]
            raise FhirError(status, first["code"], first["diagnostics"], issues=self.issues)


def _created(request, resource: dict, created: bool):
    headers = {"Location": f"{base_url(request)}/{resource['resourceType']}/{resource['id']}"} if created else {}
    return fhir_response(resource, 201 if created else 200, headers)


# --- ServiceRequest: mapping ----------------------------------------------------------------------

def _item_id(field: str) -> str:
    return field.replace("_", "-")  # FHIR ids have no underscores


def _field_observation(referral, field: str) -> dict | None:
    from samforlop.referrals.models import Referral

    value = getattr(referral, field)
    if value in (None, ""):
        return None
    observation = {
        "resourceType": "Observation", "id": _item_id(field), "status": "final",
        "code": {"coding": [{"system": REFERRAL_ITEM, "code": field,
                             "display": _english(Referral._meta.get_field(field).verbose_name)}]},
        "subject": {"reference": f"Patient/{referral.patient_id}"},
    }
    if field in MONTHS_FIELDS:
        observation["valueQuantity"] = {"value": value, "unit": "months", "system": fhir.UCUM, "code": "mo"}
    elif field in YES_NO_FIELDS:
        observation["valueBoolean"] = value == "yes"
    else:
        observation["valueString"] = value
    return observation


def _treatment_procedure(referral, n: int, treatment) -> dict:
    return fhir._drop_empty({
        "resourceType": "Procedure", "id": f"treatment-{n}", "status": "completed",
        "code": {"coding": [{"system": TREATMENT_KIND, "code": treatment.kind,
                             "display": _english(treatment.get_kind_display())}]},
        "subject": {"reference": f"Patient/{referral.patient_id}"},
        "performedString": treatment.period,
        "outcome": {"coding": [{"system": TREATMENT_EFFECT, "code": treatment.effect,
                                "display": _english(treatment.get_effect_display())}]},
        "note": [{"text": treatment.note}] if treatment.note else [],
    })


def _requester(referral) -> dict:
    """The GP who wrote it; for an electronic referral, the referring office (its system sent it)."""
    author = referral.author
    if getattr(author, "fhir_client", None) is not None:
        return fhir.organisation_reference(referral.referring_organisation)
    return {"reference": f"Practitioner/{author.pk}", **fhir._person_reference(author)}


def service_request_resource(referral, treatments, *, clinical: bool, sensitive: bool) -> dict:
    """The referral as a ServiceRequest; `clinical` (health personnel) adds the clinical answers
    and the treatments, `sensitive` (the author, the receiving clinic) the traumatic experiences."""
    from samforlop.referrals.actions import CLINICAL_FIELDS, CONTENT_FIELDS

    fields = [f for f in CONTENT_FIELDS
              if (clinical or f not in CLINICAL_FIELDS) and (sensitive or f != SENSITIVE_FIELD)]
    contained = [o for o in (_field_observation(referral, f) for f in fields) if o]
    if clinical:
        contained += [_treatment_procedure(referral, n, t) for n, t in enumerate(treatments, 1)]
    extensions = [{"url": f"{EXT}/referral-status", "valueCoding": {
        "system": REFERRAL_STATUS, "code": referral.status, "display": _english(referral.get_status_display())}},
        {"url": f"{EXT}/referral-referring-organization",
         "valueReference": fhir.organisation_reference(referral.referring_organisation)}]
    if referral.received_on:
        extensions.append({"url": f"{EXT}/referral-received", "valueDate": referral.received_on.isoformat()})
    if referral.assessment_deadline:
        extensions.append({"url": f"{EXT}/referral-assessment-deadline",
                           "valueDate": referral.assessment_deadline.isoformat()})
    notes = [{"extension": [{"url": f"{EXT}/referral-note-kind", "valueCode": kind}],
              "authorReference": fhir.organisation_reference(referral.clinic), "text": text}
             for kind, text in (("questions", referral.questions), ("decision_reason", referral.decision_reason),
                                ("decision_advice", referral.decision_advice)) if text]
    definition = referral.definition
    return fhir._drop_empty({
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "contained": contained,
        "extension": extensions,
        "identifier": ([{"system": referral.sender_identifier_system, "value": referral.sender_identifier_value}]
                       if referral.sender_identifier_value else []),
        "status": SERVICE_REQUEST_STATUS[referral.status],
        "intent": "order",
        "code": {"coding": [fhir._coding(fhir.PATHWAY_TYPE, definition.code, _english(definition.name)),
                            fhir._coding(f"{CS}/pathway-type", referral.pathway_type, _english(definition.name))]},
        "subject": {"reference": f"Patient/{referral.patient_id}"},
        "authoredOn": referral.created_at.isoformat(),
        "requester": _requester(referral),
        "performer": [fhir.organisation_reference(referral.clinic)],
        "supportingInfo": [{"reference": f"#{r['id']}", "type": r["resourceType"]} for r in contained],
        "note": notes,
    })


def _service_request(user, referral) -> dict:
    from samforlop.patients.models import needs_consent

    return service_request_resource(referral, list(referral.treatments.all()), clinical=not needs_consent(user),
                                    sensitive=referral.may_see_sensitive(user))


# --- ServiceRequest: the guard ----------------------------------------------------------------------

def _visible_referrals(user, now):
    """The referrals `user` may read: the guard in the referral-and-assessment category, drafts only
    for the referring office (the rule of `referrals.access.get_referral_for_user`)."""
    from samforlop.patients.models import Category, visibility_condition
    from samforlop.referrals.models import Referral

    condition = visibility_condition(user, clock.oslo_date(now), patient_field="patient_id", now=now,
                                     category=Category.REFERRAL_AND_ASSESSMENT)
    if condition is None:
        return Referral.objects.none()
    drafts_only_for_referrer = ~Q(status=Referral.Status.DRAFT) | Q(referring_organisation_id=user.organisation_id)
    return (Referral.objects.filter(condition).filter(drafts_only_for_referrer)
            .select_related("patient", "clinic", "author__fhir_client", "referring_organisation")
            .prefetch_related("treatments"))


def _identifier_filter(value: str, name: str) -> Q:
    system, bar, code = value.rpartition("|")
    if not code:
        raise bad_request(f"'{name}' needs a value ([system|]value)", name, "value")
    condition = Q(sender_identifier_value=code)
    return condition & Q(sender_identifier_system=system) if bar else condition


def _referral_search(user, now, params: dict):
    referrals = _visible_referrals(user, now)
    patient_id = None
    if params.get("patient"):
        patient_id = parse_reference(params["patient"], "patient", "Patient")
        referrals = referrals.filter(patient_id=patient_id)
    if params.get("status"):
        statuses = [s.strip() for s in params["status"].split(",")]
        if any(s not in SERVICE_REQUEST_STATUS_TO_DOMAIN for s in statuses):
            raise bad_request(f"status must be among {', '.join(SERVICE_REQUEST_STATUS_TO_DOMAIN)}", "status", "value")
        referrals = referrals.filter(status__in=[SERVICE_REQUEST_STATUS_TO_DOMAIN[s] for s in statuses])
    if params.get("identifier"):
        referrals = referrals.filter(_identifier_filter(params["identifier"], "identifier"))
    return referrals.order_by("-created_at", "pk"), patient_id


# --- ServiceRequest: endpoints --------------------------------------------------------------------

@fhir_view(("GET",))
def service_request_read(request, resource_id):
    from samforlop.referrals.access import get_referral_for_user

    now, user = clock.now(), request.fhir_user
    pk = resource_uuid(resource_id)
    if pk is None:
        log_access(user=user, what="fhir_service_request", at=now, granted=False)
        raise not_found("ServiceRequest", resource_id)
    referral = get_referral_for_user(user, pk, what="fhir_service_request", now=now)
    return fhir_response(_service_request(user, referral))


SERVICE_REQUEST_SEARCH = {"patient", "status", "identifier", "_count", "_offset"}


@fhir_view(("GET", "POST"))
def service_request_type(request):
    if request.method == "POST":
        return service_request_create(request)
    from samforlop.patients.models import Category

    params = search_params(request, SERVICE_REQUEST_SEARCH)
    count, offset = paging(params)
    now, user = clock.now(), request.fhir_user
    referrals, patient_id = _referral_search(user, now, params)
    total = referrals.count()
    page = list(referrals[offset:offset + count]) if count else []
    log_search(user, "fhir_service_request_search", now, [r.patient for r in page], patient_id,
               category=Category.REFERRAL_AND_ASSESSMENT)
    entries = [_service_request(user, r) for r in page]
    return fhir_response(bundle(request, "ServiceRequest", params, entries, total, count, offset))


def _reference_or_identifier(value, where: str, resource_type: str, systems: tuple[str, ...], problems: Problems):
    """('id', uuid) from {reference: Type/id}, or ('identifier', value) from {identifier: {system, value}}."""
    if not isinstance(value, dict):
        problems.add(where, f"{where} must be a Reference", "required" if value is None else "invalid")
        return None
    if value.get("reference"):
        prefix, _slash, rest = str(value["reference"]).rpartition("/")
        pk = resource_uuid(rest)
        if prefix.rsplit("/", 1)[-1] != resource_type or pk is None:
            problems.add(f"{where}.reference", f"{where} must reference a {resource_type} ({resource_type}/id)")
            return None
        return "id", pk
    identifier = value.get("identifier")
    if (isinstance(identifier, dict) and identifier.get("system") in systems
            and isinstance(identifier.get("value"), str)):
        return "identifier", (identifier["system"], identifier["value"].strip())
    problems.add(where, f"{where} needs a reference ({resource_type}/id) or an identifier with system "
                        f"{' or '.join(systems)}")
    return None


def _parse_observation(resource: dict, where: str, fields: dict, problems: Problems) -> None:
    from samforlop.referrals.actions import CONTENT_FIELDS

    codings = (resource.get("code") or {}).get("coding") or []
    codes = [c.get("code") for c in codings if isinstance(c, dict) and c.get("system") == REFERRAL_ITEM]
    if len(codes) != 1 or codes[0] not in CONTENT_FIELDS:
        problems.add(f"{where}.code", f"An Observation must have one code from {REFERRAL_ITEM} "
                                      f"({', '.join(CONTENT_FIELDS)})")
        return
    field = codes[0]
    if field in fields:
        problems.add(f"{where}.code", f"'{field}' is given more than once")
        return
    if field in MONTHS_FIELDS:
        quantity = resource.get("valueQuantity")
        value = quantity.get("value") if isinstance(quantity, dict) else None
        if (not isinstance(quantity, dict) or quantity.get("code") != "mo" or not isinstance(value, int)
                or isinstance(value, bool) or not 0 <= value <= 1200):
            problems.add(f"{where}.valueQuantity", f"'{field}' must be a valueQuantity in whole months "
                                                   "(code 'mo', system http://unitsofmeasure.org)")
            return
        fields[field] = value
    elif field in YES_NO_FIELDS:
        if not isinstance(resource.get("valueBoolean"), bool):
            problems.add(f"{where}.valueBoolean", f"'{field}' must be a valueBoolean")
            return
        fields[field] = "yes" if resource["valueBoolean"] else "no"
    else:
        if not isinstance(resource.get("valueString"), str):
            problems.add(f"{where}.valueString", f"'{field}' must be a valueString")
            return
        fields[field] = resource["valueString"].strip()


def _parse_procedure(resource: dict, where: str, treatments: list, problems: Problems) -> None:
    from samforlop.referrals.models import ReferralTreatment

    def code(element, system, choices):
        codings = (resource.get(element) or {}).get("coding") or []
        found = [c.get("code") for c in codings if isinstance(c, dict) and c.get("system") == system]
        if len(found) != 1 or found[0] not in choices:
            problems.add(f"{where}.{element}", f"A treatment needs one {element} from {system} "
                                               f"({', '.join(choices)})")
            return None
        return found[0]

    kind = code("code", TREATMENT_KIND, ReferralTreatment.Kind.values)
    effect = code("outcome", TREATMENT_EFFECT, ReferralTreatment.Effect.values)
    period = resource.get("performedString")
    if not isinstance(period, str) or not period.strip() or len(period) > 100:
        problems.add(f"{where}.performedString", "A treatment needs its period as performedString (at most 100 "
                                                 "characters)")
        period = None
    notes = resource.get("note") or []
    note = " ".join(n.get("text", "") for n in notes if isinstance(n, dict)).strip() if isinstance(notes, list) else ""
    if len(note) > 300:
        problems.add(f"{where}.note", "A treatment's note is at most 300 characters")
    if kind and effect and period and len(note) <= 300:
        treatments.append({"kind": kind, "period": period.strip(), "effect": effect, "note": note})


def _sender_identifier(identifiers, problems: Problems) -> tuple[str, str]:
    """The sending system's own (system, value) of the referral, or ("", "")."""
    if identifiers is None or identifiers == []:
        return "", ""
    if not isinstance(identifiers, list) or len(identifiers) > 1:
        problems.add("ServiceRequest.identifier", "Give at most one identifier: the sending system's own id")
        return "", ""
    first = identifiers[0] if isinstance(identifiers[0], dict) else {}
    system, value = first.get("system"), first.get("value")
    if not (isinstance(system, str) and system and isinstance(value, str) and value.strip()
            and len(system) <= 200 and len(value) <= 200):
        problems.add("ServiceRequest.identifier[0]", "The identifier needs a system and a value (at most 200 "
                                                     "characters each)")
        return "", ""
    return system, value.strip()


def _identity_number(system: str, number: str) -> str:
    from samforlop.patients import identity

    try:
        number = identity.validate_identity_number(number)
    except ValidationError as error:
        raise bad_request(f"ServiceRequest.subject.identifier: {' '.join(str(m) for m in error.messages)}",
                          "ServiceRequest.subject.identifier.value", "value") from None
    if fhir.identifier_system(number) != system:
        raise bad_request(f"ServiceRequest.subject.identifier: the number is not of system {system}",
                          "ServiceRequest.subject.identifier.system", "value")
    return number


def parse_service_request(body: dict) -> dict:
    """The referral a ServiceRequest body describes, or 400 naming every malformed element."""
    problems = Problems()
    if body.get("status") != "active":
        problems.add("ServiceRequest.status", "status must be 'active': a referral is created by sending it",
                     "required" if "status" not in body else "value")
    if body.get("intent") != "order":
        problems.add("ServiceRequest.intent", "intent must be 'order'", "required" if "intent" not in body else "value")
    subject = _reference_or_identifier(body.get("subject"), "ServiceRequest.subject", "Patient",
                                       (fhir.FNR, fhir.DNR), problems)
    performers = body.get("performer")
    performer = None
    if not isinstance(performers, list) or len(performers) != 1:
        problems.add("ServiceRequest.performer", "performer must be one Organization: the receiving clinic",
                     "required" if performers is None else "invalid")
    else:
        performer = _reference_or_identifier(performers[0], "ServiceRequest.performer[0]", "Organization",
                                             (fhir.ORGNR,), problems)
    requester = None
    if body.get("requester") is not None:
        requester = _reference_or_identifier(body["requester"], "ServiceRequest.requester", "Organization",
                                             (fhir.ORGNR,), problems)
    identifier = _sender_identifier(body.get("identifier"), problems)
    fields: dict = {}
    treatments: list = []
    contained = body.get("contained") or []
    if not isinstance(contained, list):
        problems.add("ServiceRequest.contained", "contained must be a list of resources")
        contained = []
    for n, resource in enumerate(contained):
        where = f"ServiceRequest.contained[{n}]"
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if kind == "Observation":
            _parse_observation(resource, where, fields, problems)
        elif kind == "Procedure":
            _parse_procedure(resource, where, treatments, problems)
        else:
            problems.add(where, "contained resources are Observations (the referral's answers) and Procedures "
                                "(the treatments tried)")
    problems.raise_if_any()
    if subject[0] == "identifier":
        subject = ("identifier", _identity_number(*subject[1]))
    return {"subject": subject, "performer": performer, "requester": requester, "identifier": identifier,
            "fields": fields, "treatments": treatments}


def _organisation(reference):
    from samforlop.accounts.models import Organisation

    kind, value = reference
    if kind == "id":
        return Organisation.objects.filter(pk=value).first()
    return Organisation.objects.filter(org_number=value[1]).first()


def _referral_refusal(error) -> FhirError:
    """The page's refusal (`missing_items` and the rest), one issue per field, as 422."""
    where = {"clinic": "ServiceRequest.performer", "treatments": "ServiceRequest.contained.ofType(Procedure)"}
    if not hasattr(error, "error_dict"):
        return business_rule(" ".join(error.messages))
    issues = [issue("required" if field not in ("clinic",) else "business-rule", f"{field}: {message}",
                    where.get(field, f"ServiceRequest.contained.ofType(Observation).where(code.coding.code='{field}')"))
              for field, messages in error.message_dict.items() for message in messages]
    return FhirError(422, issues[0]["code"], issues[0]["diagnostics"], issues=issues)


def service_request_create(request):
    """POST /fhir/ServiceRequest: an electronic referral from a referring office's system."""
    from samforlop.patients.models import HEALTH_PERSONNEL_ONLY, Patient, needs_consent
    from samforlop.referrals import actions
    from samforlop.referrals.access import get_referral_for_user
    from samforlop.referrals.models import Referral

    user = request.fhir_user
    # As on the page: written by the referring office (not the clinic); and by health personnel.
    if getattr(request, "fhir_client", None) is None or user.organisation.is_specialist_clinic or needs_consent(user):
        raise FhirError(403, "forbidden", "Referrals are sent by a referring office's system (its client)")
    body = read_json_body(request, "ServiceRequest")
    referral_in = parse_service_request(body)
    now = clock.now()
    today = clock.oslo_date(now)
    what = "fhir_service_request_create"

    # A retry: the same Idempotency-Key, or a match of If-None-Exist, returns the first referral.
    submission_id, keyed = submission_id_for(request, "ServiceRequest")
    earlier = Referral.objects.filter(submission_id=submission_id).only("pk").first() if keyed else None
    if earlier is not None:
        return _created(request, _service_request(user, get_referral_for_user(user, earlier.pk, what=what, now=now)),
                        False)
    condition = if_none_exist(request, {"identifier", "patient"})
    if condition is not None:
        matches = list(_referral_search(user, now, condition)[0][:2])
        if len(matches) > 1:
            raise conflict(412, "If-None-Exist matches more than one referral", "If-None-Exist")
        if matches:
            log_access(user=user, what=what, at=now, patients=[matches[0].patient])
            return _created(request, _service_request(user, matches[0]), False)

    # The patient, through the guard (as the referral page: only a patient the office may see).
    kind, value = referral_in["subject"]
    visible = Patient.objects.visible_to(user, today, HEALTH_PERSONNEL_ONLY)
    patient = visible.filter(**{"pk" if kind == "id" else "national_id": value}).first()
    if patient is None:
        hidden = list(Patient.objects.filter(pk=value).only("pk")) if kind == "id" else []
        log_access(user=user, what=what, at=now, patients=hidden, requested_id=value if kind == "id" else None,
                   granted=False)
        raise business_rule("ServiceRequest.subject is not a patient of the referring office", "ServiceRequest.subject")
    log_access(user=user, what=what, at=now, patients=[patient])
    clinic = _organisation(referral_in["performer"])
    if clinic is None:
        raise business_rule("ServiceRequest.performer is not a known organisation", "ServiceRequest.performer")
    if referral_in["requester"] is not None:
        requester = _organisation(referral_in["requester"])
        if requester is None or requester.pk != user.organisation_id:
            raise business_rule("ServiceRequest.requester must be the sending system's own organisation",
                                "ServiceRequest.requester")

    try:
        with transaction.atomic(), translation.override("en"):
            referral = actions.save_referral_draft(
                author=user, patient=patient, clinic=clinic, fields=referral_in["fields"],
                treatments=referral_in["treatments"], submission_id=submission_id, now=now,
                sender_identifier=referral_in["identifier"])
            referral = actions.submit_referral(referral=referral, actor=user, now=now)
    except actions.ReferralError as error:
        raise _referral_refusal(error) from None
    except IntegrityError:
        # Sent twice at once: the other request stored it first (same key), or the identifier is taken.
        system, value = referral_in["identifier"]
        referral = (Referral.objects.filter(submission_id=submission_id).first() or (
            Referral.objects.filter(referring_organisation_id=user.organisation_id, sender_identifier_system=system,
                                    sender_identifier_value=value).first() if value else None))
        if referral is None:
            raise
        if referral.submission_id != submission_id and condition is None:
            raise conflict(409, "A referral with this identifier has already been sent (use If-None-Exist to retry)",
                           "ServiceRequest.identifier") from None
        return _created(request, _service_request(user, _visible_referrals(user, now).get(pk=referral.pk)), False)
    return _created(request, _service_request(user, _visible_referrals(user, now).get(pk=referral.pk)), True)


# --- Questionnaire ------------------------------------------------------------------------------------

def questionnaire_id(key: str) -> str:
    return key.replace("_", "-")


def questionnaire_url(key: str) -> str:
    return f"{fhir.CANONICAL}/Questionnaire/{questionnaire_id(key)}"


def _questionnaire_key(reference: str) -> str | None:
    """The key of the questionnaire a canonical URL (optionally |version) or Questionnaire/id names."""
    from samforlop.checkins.questionnaire import all_questionnaires

    url = reference.split("|", 1)[0]
    return next((k for k in all_questionnaires()
                 if url in (questionnaire_url(k), f"Questionnaire/{questionnaire_id(k)}")), None)


def _range(item) -> list[dict]:
    return [{"url": MIN_VALUE, "valueInteger": item.min}, {"url": MAX_VALUE, "valueInteger": item.max}]


def _labels(item) -> list[dict]:
    return [_nb_en_extension(f"{EXT}/questionnaire-{end}-label", label)
            for end, label in (("min", item.min_label), ("max", item.max_label)) if label is not None]


def questionnaire_item(item) -> dict:
    if item.type == "named_activities":
        how_well = _in_both("How well can you do it now? (%(min)s–%(max)s)", min=item.min, max=item.max)
        return {"extension": [{"url": MAX_OCCURS, "valueInteger": item.max_count}], "linkId": item.key,
                **_nb_en(item.text, "text"), "type": "group", "required": True, "repeats": True,
                "item": [{"linkId": f"{item.key}.name", **_nb_en(item.text, "text"), "type": "string",
                          "required": True, "maxLength": 100},
                         {"extension": _range(item) + _labels(item), "linkId": f"{item.key}.value",
                          **_nb_en(how_well, "text"), "type": "integer", "required": True}]}
    if item.type == "yes_no":
        return {"linkId": item.key, **_nb_en(item.text, "text"), "type": "boolean", "required": True}
    return {"extension": _range(item) + _labels(item), "linkId": item.key, **_nb_en(item.text, "text"),
            "type": "integer", "required": True}


def questionnaire_resource(questionnaire) -> dict:
    key = questionnaire.key
    resource = {
        "resourceType": "Questionnaire", "id": questionnaire_id(key), "language": "nb", "url": questionnaire_url(key),
        "name": "".join(part.capitalize() for part in key.split("_")), **_nb_en(questionnaire.title, "title"),
        "status": "active", "subjectType": ["Patient"],
        "item": [questionnaire_item(item) for item in questionnaire.items],
    }
    if questionnaire.intro is not None:
        resource.update(_nb_en(questionnaire.intro, "description"))
    return resource


@fhir_view(("GET",))
def questionnaire_read(request, resource_id):
    from samforlop.checkins.questionnaire import all_questionnaires

    key = resource_id.replace("-", "_")
    if key not in all_questionnaires() or questionnaire_id(key) != resource_id:
        raise not_found("Questionnaire", resource_id)
    return fhir_response(questionnaire_resource(all_questionnaires()[key]))


@fhir_view(("GET",))
def questionnaire_search(request):
    from samforlop.checkins.questionnaire import all_questionnaires

    params = search_params(request, {"name", "url", "_count", "_offset"})
    count, offset = paging(params)
    found = [questionnaire_resource(q) for q in all_questionnaires().values()]
    if params.get("name"):
        found = [q for q in found if q["name"].lower().startswith(params["name"].lower())]
    if params.get("url"):
        found = [q for q in found if q["url"] == params["url"]]
    return fhir_response(bundle(request, "Questionnaire", params, found[offset:offset + count], len(found), count,
                                offset))


# --- QuestionnaireResponse: mapping -----------------------------------------------------------------

def _response_items(questionnaire, answers: dict) -> list[dict]:
    out = []
    for item in questionnaire.items:
        answer = answers.get(item.key)
        if answer in (None, "", []):
            continue
        if item.type == "named_activities":
            out += [{"linkId": item.key, "text": item.text.nb, "item": [
                {"linkId": f"{item.key}.name", "answer": [{"valueString": a["name"]}]},
                {"linkId": f"{item.key}.value", "answer": [{"valueInteger": a["value"]}]}]}
                for a in answer]
        elif item.type == "yes_no":
            out.append({"linkId": item.key, "text": item.text.nb, "answer": [{"valueBoolean": answer == "yes"}]})
        else:
            out.append({"linkId": item.key, "text": item.text.nb, "answer": [{"valueInteger": int(answer)}]})
    return out


NEXT_STEP = {
    "red": ("You will be offered an appointment", "%(clinic)s will contact you to offer an appointment by %(date)s."),
    "yellow": ("We will phone you", "%(clinic)s will phone you by %(date)s to talk about how you are doing."),
    "green": ("Nothing more is needed now",
              "Keep doing what works for you. You can always send a new check-in if something changes."),
}


def _next_step(checkin, task) -> dict:
    """What happens next: the words of the page after a check-in, and the clinic's task."""
    title, text = NEXT_STEP[checkin.colour]
    parts = [_nb_en_extension("title", _in_both(title))]
    if task is not None:
        parts += [
            _nb_en_extension("text", _in_both(text, clinic=task.organisation.name,
                                              date=lambda _lang: date_format(task.due_on, "DATE_FORMAT"))),
            {"url": "task", "valueReference": {"reference": f"Task/{task.pk}", "type": "Task"}},
            {"url": "organization", "valueReference": fhir.organisation_reference(task.organisation)},
            {"url": "due", "valueDate": task.due_on.isoformat()},
        ]
    elif checkin.colour == "green":
        parts.append(_nb_en_extension("text", _in_both(text)))
    return {"url": f"{EXT}/checkin-next-step", "extension": parts}


def questionnaire_response_resource(checkin, task) -> dict:
    from samforlop.checkins.questionnaire import get_questionnaire

    questionnaire = get_questionnaire(checkin.questionnaire)
    extensions = [{"url": f"{EXT}/checkin-triage", "valueCoding": {
        "system": TRIAGE, "code": checkin.colour, "display": _english(checkin.get_colour_display())}}]
    extensions += [_nb_en_extension(f"{EXT}/checkin-triage-reason", Text(e["nb"], e["en"]))
                   for e in checkin.explanations]
    for score in questionnaire.scores:
        value = checkin.scores.get(score.key)
        extensions.append({"url": f"{EXT}/checkin-score", "extension": [
            {"url": "key", "valueCode": score.key}, _nb_en_extension("name", score.name),
            *([{"url": "value", "valueDecimal": value}] if value is not None else [])]})
    extensions.append(_next_step(checkin, task))
    patient = {"reference": f"Patient/{checkin.patient_id}"}
    return {
        "resourceType": "QuestionnaireResponse", "id": str(checkin.pk), "extension": extensions,
        "questionnaire": questionnaire_url(checkin.questionnaire), "status": "completed", "subject": patient,
        "authored": checkin.submitted_at.isoformat(), "author": patient, "source": patient,
        "item": _response_items(questionnaire, checkin.answers),
    }


def _with_task(checkin) -> dict:
    tasks = sorted(checkin.tasks.all(), key=lambda t: t.created_at)
    return questionnaire_response_resource(checkin, tasks[0] if tasks else None)


# --- QuestionnaireResponse: answers in ------------------------------------------------------------

def _one_answer(raw: dict, where: str, value_type: str, problems: Problems):
    answers = raw.get("answer")
    if not isinstance(answers, list) or len(answers) != 1 or not isinstance(answers[0], dict):
        problems.add(f"{where}.answer", "Give exactly one answer", "required" if not answers else "invalid")
        return None
    answer = answers[0]
    if value_type not in answer:
        problems.add(f"{where}.answer[0]", f"The answer must be a {value_type}")
        return None
    return answer[value_type]


def _scale_value(item, raw: dict, where: str, problems: Problems):
    value = _one_answer(raw, where, "valueInteger", problems)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not item.min <= value <= item.max:
        problems.add(f"{where}.answer[0].valueInteger", f"'{raw['linkId']}' must be a whole number from {item.min} "
                                                        f"to {item.max}", "value")
        return None
    return value


def _activity(item, raw: dict, where: str, problems: Problems) -> dict | None:
    parts = {p.get("linkId"): (n, p) for n, p in enumerate(raw.get("item") or []) if isinstance(p, dict)}
    name_id, value_id = f"{item.key}.name", f"{item.key}.value"
    if set(parts) != {name_id, value_id}:
        problems.add(f"{where}.item", f"Each '{item.key}' group has the items {name_id} and {value_id}", "required")
        return None
    n, name_part = parts[name_id]
    name = _one_answer(name_part, f"{where}.item[{n}]", "valueString", problems)
    if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 100):
        problems.add(f"{where}.item[{n}].answer[0].valueString", "Name the activity (at most 100 characters)", "value")
        name = None
    n, value_part = parts[value_id]
    value = _scale_value(item, value_part, f"{where}.item[{n}]", problems)
    return {"name": name.strip(), "value": value} if name is not None and value is not None else None


def parse_answers(questionnaire, body: dict) -> dict:
    """The check-in's answers (as the portal's form gives them) from QuestionnaireResponse.item,
    or 400 naming every malformed item: unknown, repeated, missing, of the wrong type or out of range."""
    from samforlop.checkins.questionnaire import validate_answers

    problems = Problems()
    items = body.get("item")
    if not isinstance(items, list):
        problems.add("QuestionnaireResponse.item", "The answers (item) are missing", "required")
        items = []
    by_key = {i.key: i for i in questionnaire.items}
    answers: dict = {}
    present: set[str] = set()
    for n, raw in enumerate(items):
        where = f"QuestionnaireResponse.item[{n}]"
        link = raw.get("linkId") if isinstance(raw, dict) else None
        if not isinstance(link, str) or not link:
            problems.add(f"{where}.linkId", "Each item needs its linkId", "required")
            continue
        item = by_key.get(link)
        if item is None:
            problems.add(f"{where}.linkId", f"'{link}' is not an item of {questionnaire_url(questionnaire.key)}")
            continue
        if item.key in present and item.type != "named_activities":
            problems.add(f"{where}.linkId", f"'{link}' is answered more than once")
            continue
        present.add(item.key)
        if item.type == "named_activities":
            activity = _activity(item, raw, where, problems)
            answers.setdefault(item.key, [])
            if activity is not None:
                answers[item.key].append(activity)
        elif item.type == "yes_no":
            value = _one_answer(raw, where, "valueBoolean", problems)
            if value is not None and not isinstance(value, bool):
                problems.add(f"{where}.answer[0].valueBoolean", f"'{link}' must be true or false", "value")
            elif value is not None:
                answers[item.key] = "yes" if value else "no"
        else:
            value = _scale_value(item, raw, where, problems)
            if value is not None:
                answers[item.key] = value
    for item in questionnaire.items:
        if item.key not in present:
            problems.add(f"QuestionnaireResponse.item.where(linkId='{item.key}')", f"'{item.key}' is not answered",
                         "required")
        elif item.type == "named_activities" and sum(
                1 for r in items if isinstance(r, dict) and r.get("linkId") == item.key) > item.max_count:
            problems.add(f"QuestionnaireResponse.item.where(linkId='{item.key}')",
                         f"'{item.key}': at most {item.max_count} activities", "value")
    problems.raise_if_any()
    for key, why in validate_answers(questionnaire, answers).items():  # the portal's rules, as a backstop
        problems.add(f"QuestionnaireResponse.item.where(linkId='{key}')", f"'{key}': {why}", "value")
    problems.raise_if_any()
    return answers


# --- QuestionnaireResponse: endpoints -----------------------------------------------------------------

def questionnaire_response_create(request):
    """POST /fhir/QuestionnaireResponse: a check-in from the patient's app (the patient's log-in)."""
    from samforlop.checkins import actions
    from samforlop.checkins.models import CheckIn

    user = request.fhir_user
    if user.patient_id is None:
        raise FhirError(403, "forbidden", "Check-ins are sent by the patient's app with the patient's log-in")
    body = read_json_body(request, "QuestionnaireResponse")
    reference = body.get("questionnaire")
    key = _questionnaire_key(reference) if isinstance(reference, str) else None
    if key is None:
        raise bad_request("questionnaire must be the canonical URL of one of our questionnaires (see Questionnaire)",
                          "QuestionnaireResponse.questionnaire", "required" if reference is None else "value")
    if body.get("status") != "completed":
        raise bad_request("status must be 'completed'", "QuestionnaireResponse.status", "value")
    subject = body.get("subject")
    if subject is not None and (not isinstance(subject, dict) or subject.get("reference") not in (
            f"Patient/{user.patient_id}", str(user.patient_id))):
        raise business_rule("A check-in is sent by the patient it is about (subject)", "QuestionnaireResponse.subject")
    from samforlop.checkins.questionnaire import get_questionnaire

    answers = parse_answers(get_questionnaire(key), body)
    submission_id, keyed = submission_id_for(request, "QuestionnaireResponse")
    now = clock.now()
    created = not (keyed and CheckIn.objects.filter(submission_id=submission_id).exists())
    try:
        with translation.override("en"):
            checkin = actions.submit_checkin(patient=user.patient, questionnaire_key=key, answers=answers, actor=user,
                                             now=now, submission_id=submission_id, require_schedule=True)
    except actions.CheckinError as error:
        if getattr(error, "code", None) == "already_sent":
            raise conflict(409, "This Idempotency-Key was used for a check-in with other answers", "Idempotency-Key")
        raise business_rule(" ".join(error.messages), "QuestionnaireResponse.questionnaire") from None
    except IntegrityError:  # the same key sent twice at once: the other request stored it
        checkin, created = CheckIn.objects.get(submission_id=submission_id), False
    log_access(user=user, what="fhir_questionnaire_response_create", at=now, patients=[user.patient])
    return _created(request, _with_task(checkin), created)


@fhir_view(("GET",))
def questionnaire_response_read(request, resource_id):
    from samforlop.checkins.access import get_checkin_for_user

    now, user = clock.now(), request.fhir_user
    pk = resource_uuid(resource_id)
    if pk is None:
        log_access(user=user, what="fhir_questionnaire_response", at=now, granted=False)
        raise not_found("QuestionnaireResponse", resource_id)
    checkin = get_checkin_for_user(user, pk, what="fhir_questionnaire_response", now=now)
    return fhir_response(_with_task(checkin))


QUESTIONNAIRE_RESPONSE_SEARCH = {"patient", "authored", "questionnaire", "_count", "_offset"}


def questionnaire_response_search(request):
    from samforlop.checkins.models import CheckIn
    from samforlop.patients.models import Category, visibility_condition

    params = search_params(request, QUESTIONNAIRE_RESPONSE_SEARCH, repeatable=frozenset({"authored"}))
    count, offset = paging(params)
    now, user = clock.now(), request.fhir_user
    today = clock.oslo_date(now)
    condition = visibility_condition(user, today, patient_field="patient_id", now=now, category=Category.CHECKINS)
    checkins = CheckIn.objects.none() if condition is None else CheckIn.objects.filter(condition)
    if params.get("authored"):
        checkins = checkins.filter(date_condition("submitted_at", params["authored"], "authored"))
    patient_id = None
    if params.get("patient"):
        patient_id = parse_reference(params["patient"], "patient", "Patient")
        checkins = checkins.filter(patient_id=patient_id)
    if params.get("questionnaire"):
        key = _questionnaire_key(params["questionnaire"])
        if key is None:
            raise bad_request("questionnaire must be the canonical URL of one of our questionnaires", "questionnaire",
                              "value")
        checkins = checkins.filter(questionnaire=key)
    total = checkins.count()
    page = (list(checkins.select_related("patient").prefetch_related("tasks__organisation")
                 .order_by("-submitted_at", "pk")[offset:offset + count]) if count else [])
    log_search(user, "fhir_questionnaire_response_search", now, [c.patient for c in page], patient_id,
               category=Category.CHECKINS)
    result = bundle(request, "QuestionnaireResponse", params, [_with_task(c) for c in page], total, count, offset)
    return fhir_response(result)


@fhir_view(("GET", "POST"))
def questionnaire_response_type(request):
    if request.method == "POST":
        return questionnaire_response_create(request)
    return questionnaire_response_search(request)


urlpatterns = [
    path("ServiceRequest", service_request_type, name="service_request_type"),
    path("ServiceRequest/<str:resource_id>", service_request_read, name="service_request"),
    path("Questionnaire", questionnaire_search, name="questionnaire_search"),
    path("Questionnaire/<str:resource_id>", questionnaire_read, name="questionnaire"),
    path("QuestionnaireResponse", questionnaire_response_type, name="questionnaire_response_type"),
    path("QuestionnaireResponse/<str:resource_id>", questionnaire_response_read, name="questionnaire_response"),
]
