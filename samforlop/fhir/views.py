"""The FHIR R4 REST API: thin views over the same guard, access log and operations as the pages.

Every view that reads patient data fetches it through an access helper (`get_patient_for_user`,
`get_pathway_for_user`) or a `visible_to` queryset (the one rule, `visibility_condition`), and
writes one access-log row per patient read. What the caller may not see gives the same 404 as what
does not exist, and searches neither return nor count it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.fhir import auth
from samforlop.fhir import resources as fhir
from samforlop.fhir.api import (
    DEFAULT_COUNT, base_url, bundle, fhir_view, log_search, logger, paging, parse_bool, parse_reference, resource_uuid,
    search_params,
)
from samforlop.fhir.outcome import FhirError, bad_request, fhir_response, not_found
from samforlop.patients.models import OVERVIEW

# This module's rows of the CapabilityStatement (see capability.supported).
CAPABILITY: dict[str, dict] = {
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
                         "contained. _count (0-200) and _offset (0-100000) page the results; total counts only "
                         "what the caller may see.",
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
    from samforlop.fhir.capability import capability_statement

    return fhir_response(capability_statement(base_url(request), auth.token_endpoint_url()))


# --- Patient -------------------------------------------------------------------------------------------

@fhir_view(("GET",))
def patient_read(request, resource_id):
    from samforlop.patients.access import get_patient_for_user

    now, user = clock.now(), request.fhir_user
    pk = resource_uuid(resource_id)
    if pk is None:
        log_access(user=user, what="fhir_patient", at=now, granted=False)
        raise not_found("Patient", resource_id)
    patient = get_patient_for_user(user, pk, what="fhir_patient", now=now, category=OVERVIEW)
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
    paging({"_count": request.POST.get("_count")})  # checked as on every search (one match at most: no pages)
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
        results = list(Patient.objects.visible_to(user, clock.oslo_date(now), OVERVIEW).filter(national_id=number)
                       .select_related("gp__organisation"))
    log_access(user=user, what="fhir_patient_search", at=now, patients=results, granted=bool(results))
    result = bundle(request, "Patient/_search", {}, [fhir.patient_resource(p) for p in results], len(results),
                     DEFAULT_COUNT, 0)
    result["link"] = [{"relation": "self", "url": f"{base_url(request)}/Patient/_search"}]
    return fhir_response(result)


# --- Organization ---------------------------------------------------------------------------------

@fhir_view(("GET",))
def organization_read(request, resource_id):
    from samforlop.accounts.models import Organisation

    pk = resource_uuid(resource_id)
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
    pk = resource_uuid(resource_id)
    if pk is None:
        log_access(user=user, what="fhir_episode_of_care", at=now, granted=False)
        raise not_found("EpisodeOfCare", resource_id)
    pathway = get_pathway_for_user(user, pk, what="fhir_episode_of_care", now=now, category=OVERVIEW)
    return fhir_response(_episodes(user, [pathway], clock.oslo_date(now))[0])


EPISODE_SEARCH = {"patient", "status", "organization", "_count", "_offset"}


@fhir_view(("GET",))
def episode_search(request):
    """GET /fhir/EpisodeOfCare?patient=&status=&organization=&_count=&_offset= — only pathways of
    patients the caller may see, counted and listed; one access-log row per patient listed."""
    from samforlop.pathways.models import Pathway

    params = search_params(request, EPISODE_SEARCH)
    count, offset = paging(params)
    now, user = clock.now(), request.fhir_user
    today = clock.oslo_date(now)
    pathways = Pathway.objects.visible_to(user, today, OVERVIEW, now=now)
    patient_id = None
    if params.get("patient"):
        patient_id = parse_reference(params["patient"], "patient", "Patient")
        pathways = pathways.filter(patient_id=patient_id)
    if params.get("organization"):
        pathways = pathways.filter(clinic_id=parse_reference(params["organization"], "organization", "Organization"))
    if params.get("status"):
        statuses = [s.strip() for s in params["status"].split(",")]
        unknown = [s for s in statuses if s not in fhir.EPISODE_STATUS_TO_DOMAIN]
        if unknown:
            raise bad_request(f"status must be among {', '.join(fhir.EPISODE_STATUS_TO_DOMAIN)}", "status", "value")
        pathways = pathways.filter(status__in=[fhir.EPISODE_STATUS_TO_DOMAIN[s] for s in statuses])
    total = pathways.count()
    page = list(pathways.select_related("patient", "clinic").prefetch_related("events")
                .order_by("-created_at", "pk")[offset:offset + count]) if count else []
    log_search(user, "fhir_episode_of_care_search", now, [p.patient for p in page], patient_id, category=OVERVIEW)
    entries = _episodes(user, page, today) if page else []
    return fhir_response(bundle(request, "EpisodeOfCare", params, entries, total, count, offset))


# --- HealthcareService (the offers catalogue; public) --------------------------------------------

HEALTHCARE_SERVICE_SEARCH = {"municipality", "kind", "no-referral", "free", "_count", "_offset"}


@fhir_view(("GET",), public=True)
def healthcare_service_read(request, resource_id):
    from samforlop.offers.actions import is_stale
    from samforlop.offers.models import Offer

    pk = resource_uuid(resource_id)
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

    params = search_params(request, HEALTHCARE_SERVICE_SEARCH)
    count, offset = paging(params)
    municipality = params.get("municipality", "")
    if not municipality:
        raise bad_request("municipality is required (a four-digit municipality number)", "municipality", "required")
    if len(municipality) != 4 or not municipality.isdigit():
        raise bad_request("municipality must be a four-digit municipality number", "municipality", "value")
    kind = params.get("kind", "")
    if kind and kind not in Offer.Kind.values:
        raise bad_request(f"kind must be one of {', '.join(Offer.Kind.values)}", "kind", "value")
    offers = public_offers({"municipality": municipality, "kind": kind, "no_referral": parse_bool(params, "no-referral"),
                            "free": parse_bool(params, "free")})
    total = offers.count()
    today = clock.today()
    page = list(offers.prefetch_related("served")[offset:offset + count]) if count else []
    entries = [fhir.healthcare_service_resource(o, stale=is_stale(o, today),
                                                municipalities=sorted(s.municipality for s in o.served.all()))
               for o in page]
    return fhir_response(bundle(request, "HealthcareService", params, entries, total, count, offset))


@fhir_view(("GET", "POST", "PUT", "PATCH", "DELETE"), public=True)
def unsupported(request, rest=""):
    raise FhirError(404, "not-supported", f"'{rest}' is not supported by this server (see /fhir/metadata)")


urlpatterns = [
    path("token", token, name="token"),
    path("metadata", metadata, name="metadata"),
    path("Patient", patient_type, name="patient_type"),
    path("Patient/_search", patient_search, name="patient_search"),
    path("Patient/<str:resource_id>", patient_read, name="patient"),
    path("Organization/<str:resource_id>", organization_read, name="organization"),
    path("EpisodeOfCare", episode_search, name="episode_search"),
    path("EpisodeOfCare/<str:resource_id>", episode_read, name="episode"),
    path("HealthcareService", healthcare_service_search, name="healthcare_service_search"),
    path("HealthcareService/<str:resource_id>", healthcare_service_read, name="healthcare_service"),
]
catch_all = [re_path(r"^(?P<rest>.*)$", unsupported)]
