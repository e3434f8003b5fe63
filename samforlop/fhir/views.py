"""The FHIR R4 REST API: thin views over the same guard, access log and operations as the pages.

Every view that reads patient data fetches it through an access helper (`get_patient_for_user`,
`get_pathway_for_user`) or a `visible_to` queryset (the one rule, `visibility_condition`), and
writes one access-log row per patient read. What the caller may not see gives the same 404 as what
does not exist, and searches neither return nor count it.
"""

from __future__ import annotations

import logging
import uuid
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.fhir import auth
from samforlop.fhir import resources as fhir
from samforlop.fhir.capability import capability_statement
from samforlop.fhir.outcome import FhirError, bad_request, fhir_response, not_found

logger = logging.getLogger("samforlop.fhir")

DEFAULT_COUNT = 50
MAX_COUNT = 200
JSON_FORMATS = {"json", "application/json", "application/fhir+json"}


# --- The wrapper every endpoint goes through ---------------------------------------------------------

def fhir_view(methods: tuple[str, ...], *, public: bool = False):
    """CSRF-exempt (systems send no cookies; a patient's session is CSRF-checked in auth), the
    method checked, the caller authenticated (unless `public`), and every refusal an
    OperationOutcome."""
    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise FhirError(405, "not-supported", f"{request.method} is not supported on this endpoint",
                                    headers={"Allow": ", ".join(methods)})
                _check_format(request)
                if not public:
                    request.fhir_user = auth.authenticate(request)
                response = view(request, *args, **kwargs)
            except FhirError as error:
                response = error.response()
            except Http404:
                response = not_found().response()
            if not public:
                response["Cache-Control"] = "no-store"
            return response
        return wrapped
    return decorate


def _check_format(request) -> None:
    requested = request.GET.get("_format")
    if requested is not None and requested not in JSON_FORMATS:
        raise FhirError(406, "not-supported", "Only JSON is supported (_format=json)", "_format")
    accept = request.META.get("HTTP_ACCEPT", "")
    if accept and "json" not in accept and "*/*" not in accept and "application/*" not in accept:
        raise FhirError(406, "not-supported", "Only application/fhir+json is supported (Accept)")


def _base(request) -> str:
    return request.build_absolute_uri("/fhir/").rstrip("/")


def _search_params(request, allowed: set[str]) -> dict[str, str]:
    """The search parameters, each given at most once; unknown ones and modifiers are refused
    (strict handling) and named."""
    params = {}
    for name in request.GET:
        values = request.GET.getlist(name)
        if name == "_format":
            continue
        if ":" in name and name.split(":", 1)[0] in allowed:
            raise bad_request(f"The modifier in '{name}' is not supported", name, "not-supported")
        if name not in allowed:
            raise bad_request(f"Unknown search parameter '{name}' (supported: {', '.join(sorted(allowed))})", name,
                              "not-supported")
        if len(values) != 1:
            raise bad_request(f"'{name}' is given more than once; give one value (a comma means OR)", name)
        params[name] = values[0].strip()
    return params


def _paging(params: dict) -> tuple[int, int]:
    def number(name, default, maximum=None):
        raw = params.get(name)
        if raw is None or raw == "":
            return default
        if not raw.isdigit():
            raise bad_request(f"'{name}' must be a whole number", name, "value")
        value = int(raw)
        return min(value, maximum) if maximum is not None else value
    return number("_count", DEFAULT_COUNT, MAX_COUNT), number("_offset", 0)


def _uuid(value: str, name: str, resource_type: str) -> uuid.UUID:
    """A reference search value: `id` or `Type/id` (of the right type)."""
    prefix, _slash, rest = value.rpartition("/")
    if prefix and prefix.rsplit("/", 1)[-1] != resource_type:
        raise bad_request(f"'{name}' must reference a {resource_type}", name, "value")
    try:
        return uuid.UUID(rest)
    except ValueError:
        raise bad_request(f"'{name}' must be a {resource_type} id", name, "value") from None


def _bool(params: dict, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if raw not in ("true", "false"):
        raise bad_request(f"'{name}' must be true or false", name, "value")
    return raw == "true"


def _bundle(request, path: str, params: dict, entries: list[dict], total: int, count: int, offset: int) -> dict:
    base = _base(request)

    def link(relation, at):
        query = {k: v for k, v in params.items() if k not in ("_count", "_offset")}
        query.update(_count=count, _offset=at)
        return {"relation": relation, "url": f"{base}/{path}?{urlencode(query)}"}

    links = [link("self", offset)]
    if count and offset + count < total:
        links.append(link("next", offset + count))
    if offset > 0:
        links.append(link("previous", max(offset - count, 0)))
    return {
        "resourceType": "Bundle", "type": "searchset", "total": total, "link": links,
        "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
                  for r in entries],
    }


def _resource_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


# --- OAuth 2.0 token endpoint (client credentials with a signed JWT) ---------------------------------

@csrf_exempt
def token(request):
    """POST /fhir/token. Answers as OAuth 2.0 does (RFC 6749 section 5), so token libraries can read it."""
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if request.method != "POST":
        response = JsonResponse({"error": "invalid_request", "error_description": "use POST"}, status=405)
        response["Allow"] = "POST"
    elif not request.content_type == "application/x-www-form-urlencoded":
        response = JsonResponse({"error": "invalid_request",
                                 "error_description": "the body must be application/x-www-form-urlencoded"}, status=400)
    else:
        try:
            response = JsonResponse(auth.token_request(request.POST, now=clock.now()))
        except auth.TokenError as error:
            logger.warning("fhir token refused: %s", error.error)
            response = JsonResponse({"error": error.error, "error_description": error.description}, status=error.status)
    for name, value in headers.items():
        response[name] = value
    return response


# --- CapabilityStatement ---------------------------------------------------------------------------

@fhir_view(("GET",), public=True)
def metadata(request):
    return fhir_response(capability_statement(_base(request), auth.token_endpoint_url()))


# --- Patient -------------------------------------------------------------------------------------------

@fhir_view(("GET",))
def patient_read(request, resource_id):
    from samforlop.patients.access import get_patient_for_user

    now, user = clock.now(), request.fhir_user
    pk = _resource_id(resource_id)
    if pk is None:
        log_access(user=user, what="fhir_patient", at=now, granted=False)
        raise not_found("Patient", resource_id)
    patient = get_patient_for_user(user, pk, what="fhir_patient", now=now)
    return fhir_response(fhir.patient_resource(patient))


@fhir_view(("GET",))
def patient_type(request):
    """GET /fhir/Patient: identity numbers never go in URLs, so searching is POST _search only."""
    if "identifier" in request.GET or any(name.startswith("identifier:") for name in request.GET):
        raise bad_request("Search by identifier with POST Patient/_search (form body): identity numbers must "
                          "not be in URLs", "identifier")
    raise bad_request("Search for patients with POST Patient/_search and an identifier in the form body",
                      list(request.GET) or None, "not-supported")


@fhir_view(("POST",))
def patient_search(request):
    """POST /fhir/Patient/_search with `identifier` ([system|]number) in the form body."""
    from samforlop.patients import identity
    from samforlop.patients.models import Patient

    if any(name.split(":")[0] == "identifier" for name in request.GET):
        raise bad_request("The identifier belongs in the form body, never in the URL", "identifier")
    if request.content_type != "application/x-www-form-urlencoded":
        raise bad_request("The body must be application/x-www-form-urlencoded", "body", "structure")
    unknown = sorted(set(request.POST) - {"identifier", "_count", "_format"})
    if unknown:
        raise bad_request(f"Unknown search parameter '{unknown[0]}' (supported: identifier)", unknown[0],
                          "not-supported")
    values = request.POST.getlist("identifier")
    if not values or not values[0].strip():
        raise bad_request("identifier is required", "identifier", "required")
    if len(values) > 1:
        raise bad_request("Give one identifier", "identifier")
    system, _bar, number = values[0].strip().rpartition("|")
    if system and system not in (fhir.FNR, fhir.DNR):
        raise bad_request(f"identifier: the system must be {fhir.FNR} (fødselsnummer) or {fhir.DNR} (D-number)",
                          "identifier", "value")
    try:
        number = identity.validate_identity_number(number)
    except ValidationError as error:
        raise bad_request(f"identifier: {' '.join(str(m) for m in error.messages)}", "identifier", "value") from None
    now, user = clock.now(), request.fhir_user
    results = []
    if not system or system == fhir.identifier_system(number):
        results = list(Patient.objects.visible_to(user, clock.oslo_date(now)).filter(national_id=number)
                       .select_related("gp__organisation"))
    log_access(user=user, what="fhir_patient_search", at=now, patients=results, granted=bool(results))
    bundle = _bundle(request, "Patient/_search", {}, [fhir.patient_resource(p) for p in results], len(results),
                     DEFAULT_COUNT, 0)
    bundle["link"] = [{"relation": "self", "url": f"{_base(request)}/Patient/_search"}]
    return fhir_response(bundle)


# --- Organization ---------------------------------------------------------------------------------

@fhir_view(("GET",))
def organization_read(request, resource_id):
    from samforlop.accounts.models import Organisation

    pk = _resource_id(resource_id)
    organisation = Organisation.objects.filter(pk=pk).first() if pk else None
    if organisation is None:
        raise not_found("Organization", resource_id)
    return fhir_response(fhir.organization_resource(organisation))


# --- EpisodeOfCare (the pathway) -----------------------------------------------------------------

def _episodes(user, pathways, today) -> list[dict]:
    """The resources for pathways the guard has already let through."""
    from samforlop.pathways.timeline import build_timeline
    from samforlop.patients.models import CareTeamMember, Category, active_on, needs_consent, shared_categories
    from samforlop.referrals.models import Referral

    patient_ids = {p.patient_id for p in pathways}
    teams: dict = {pid: [] for pid in patient_ids}
    for member in (CareTeamMember.objects.filter(active_on(today), patient_id__in=patient_ids)
                   .select_related("organisation", "person").order_by("valid_from", "pk")):
        teams[member.patient_id].append(member)
    clinical = not needs_consent(user)
    patients = {p.patient_id: p.patient for p in pathways}
    # The referral is linked only for those who may read it (NAV: with consent to that category).
    referral_shared = {pid for pid, patient in patients.items()
                       if clinical or Category.REFERRAL_AND_ASSESSMENT in shared_categories(user, patient, today)}
    referrals = {r.pathway_id: r for r in Referral.objects.filter(pathway__in=pathways).only("pk", "pathway_id")}
    out = []
    for pathway in pathways:
        events = sorted(pathway.events.all(), key=lambda e: e.pk)
        timeline = build_timeline(pathway, events, today, settings.AT_RISK_DAYS)
        referral = referrals.get(pathway.pk) if pathway.patient_id in referral_shared else None
        out.append(fhir.episode_of_care_resource(timeline, care_team=teams[pathway.patient_id], referral=referral,
                                                 clinical=clinical, today=today))
    return out


@fhir_view(("GET",))
def episode_read(request, resource_id):
    from samforlop.pathways.access import get_pathway_for_user

    now, user = clock.now(), request.fhir_user
    pk = _resource_id(resource_id)
    if pk is None:
        log_access(user=user, what="fhir_episode_of_care", at=now, granted=False)
        raise not_found("EpisodeOfCare", resource_id)
    pathway = get_pathway_for_user(user, pk, what="fhir_episode_of_care", now=now)
    return fhir_response(_episodes(user, [pathway], clock.oslo_date(now))[0])


EPISODE_SEARCH = {"patient", "status", "organization", "_count", "_offset"}


@fhir_view(("GET",))
def episode_search(request):
    """GET /fhir/EpisodeOfCare?patient=&status=&organization=&_count=&_offset= — only pathways of
    patients the caller may see, counted and listed; one access-log row per patient listed."""
    from samforlop.pathways.models import Pathway

    params = _search_params(request, EPISODE_SEARCH)
    count, offset = _paging(params)
    now, user = clock.now(), request.fhir_user
    today = clock.oslo_date(now)
    pathways = Pathway.objects.visible_to(user, today, now=now)
    patient_id = None
    if params.get("patient"):
        patient_id = _uuid(params["patient"], "patient", "Patient")
        pathways = pathways.filter(patient_id=patient_id)
    if params.get("organization"):
        pathways = pathways.filter(clinic_id=_uuid(params["organization"], "organization", "Organization"))
    if params.get("status"):
        statuses = [s.strip() for s in params["status"].split(",")]
        unknown = [s for s in statuses if s not in fhir.EPISODE_STATUS_TO_DOMAIN]
        if unknown:
            raise bad_request(f"status must be among {', '.join(fhir.EPISODE_STATUS_TO_DOMAIN)}", "status", "value")
        pathways = pathways.filter(status__in=[fhir.EPISODE_STATUS_TO_DOMAIN[s] for s in statuses])
    total = pathways.count()
    page = list(pathways.select_related("patient", "clinic").prefetch_related("events")
                .order_by("-created_at", "pk")[offset:offset + count]) if count else []
    shown = list({p.patient_id: p.patient for p in page}.values())
    if shown:
        log_access(user=user, what="fhir_episode_of_care_search", at=now, patients=shown)
    elif patient_id is not None and total == 0:
        # Asked about one patient and got nothing: one row, granted if the caller may see the
        # patient (who has no such pathways), else refused as a read of a hidden patient is
        # (attributed to the patient, if there is one, for their access log).
        from samforlop.patients.models import Patient

        visible = Patient.objects.visible_to(user, today).filter(pk=patient_id).exists()
        log_access(user=user, what="fhir_episode_of_care_search", at=now, granted=visible, requested_id=patient_id,
                   patients=list(Patient.objects.filter(pk=patient_id).only("pk")))
    entries = _episodes(user, page, today) if page else []
    return fhir_response(_bundle(request, "EpisodeOfCare", params, entries, total, count, offset))


# --- HealthcareService (the offers catalogue; public) --------------------------------------------

HEALTHCARE_SERVICE_SEARCH = {"municipality", "kind", "no-referral", "free", "_count", "_offset"}


@fhir_view(("GET",), public=True)
def healthcare_service_read(request, resource_id):
    from samforlop.offers.actions import is_stale
    from samforlop.offers.models import Offer

    pk = _resource_id(resource_id)
    offer = (Offer.objects.select_related("provider").prefetch_related("served").filter(pk=pk).first()
             if pk else None)
    if offer is None:
        raise not_found("HealthcareService", resource_id)
    return fhir_response(fhir.healthcare_service_resource(
        offer, stale=is_stale(offer, clock.today()), municipalities=sorted(s.municipality for s in offer.served.all())))


@fhir_view(("GET",), public=True)
def healthcare_service_search(request):
    """The same query as the public catalogue (`offers.views.public_offers`)."""
    from samforlop.offers.actions import is_stale
    from samforlop.offers.models import Offer
    from samforlop.offers.views import public_offers

    params = _search_params(request, HEALTHCARE_SERVICE_SEARCH)
    count, offset = _paging(params)
    municipality = params.get("municipality", "")
    if not municipality:
        raise bad_request("municipality is required (a four-digit municipality number)", "municipality", "required")
    if len(municipality) != 4 or not municipality.isdigit():
        raise bad_request("municipality must be a four-digit municipality number", "municipality", "value")
    kind = params.get("kind", "")
    if kind and kind not in Offer.Kind.values:
        raise bad_request(f"kind must be one of {', '.join(Offer.Kind.values)}", "kind", "value")
    offers = public_offers({"municipality": municipality, "kind": kind, "no_referral": _bool(params, "no-referral"),
                            "free": _bool(params, "free")})
    total = offers.count()
    today = clock.today()
    page = list(offers.prefetch_related("served")[offset:offset + count]) if count else []
    entries = [fhir.healthcare_service_resource(o, stale=is_stale(o, today),
                                                municipalities=sorted(s.municipality for s in o.served.all()))
               for o in page]
    return fhir_response(_bundle(request, "HealthcareService", params, entries, total, count, offset))


# --- Anything else -----------------------------------------------------------------------------------

@fhir_view(("GET", "POST", "PUT", "PATCH", "DELETE"), public=True)
def unsupported(request, rest=""):
    raise FhirError(404, "not-supported", f"'{rest}' is not supported by this server (see /fhir/metadata)")
