"""What every FHIR endpoint module shares: the view wrapper (authentication, format, every
refusal an OperationOutcome), strict search-parameter parsing, paging into Bundles with next
links, reference parsing, versions (ETag / If-Match) and create idempotency (Idempotency-Key).

Endpoint modules (`views.py`, `clinical.py`, ...) each define `urlpatterns` and `CAPABILITY`
(their rows of the CapabilityStatement); `urls.py` and `capability.py` list the modules.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

from samforlop.core import clock
from samforlop.fhir import auth
from samforlop.fhir.outcome import FhirError, bad_request, conflict, not_found

logger = logging.getLogger("samforlop.fhir")

DEFAULT_COUNT = 50
MAX_COUNT = 200
# A page may start at most this far in: deeper paging is slow for the database and is what the
# Bulk Data export ($export) is for. A number outside a parameter's range is refused (400).
MAX_OFFSET = 100_000
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
                check_format(request)
                if not public:
                    request.fhir_user = auth.authenticate(request)
                response = view(request, *args, **kwargs)
            except FhirError as error:
                response = error.response()
            except Http404:
                response = not_found().response()
            except BadRequest as error:  # a malformed id or number (samforlop.core.ids)
                field = getattr(error, "field", None)
                response = bad_request(str(error), field, "value").response()
            except PermissionDenied:  # a named operation refused the caller's role
                response = FhirError(403, "forbidden", "Your role may not do this").response()
            if not public:
                response["Cache-Control"] = "no-store"
            return response
        return wrapped
    return decorate


def check_format(request) -> None:
    requested = request.GET.get("_format")
    if requested is not None and requested not in JSON_FORMATS:
        raise FhirError(406, "not-supported", "Only JSON is supported (_format=json)", "_format")
    accept = request.META.get("HTTP_ACCEPT", "")
    if accept and "json" not in accept and "*/*" not in accept and "application/*" not in accept:
        raise FhirError(406, "not-supported", "Only application/fhir+json is supported (Accept)")


def base_url(request) -> str:
    return request.build_absolute_uri("/fhir/").rstrip("/")


def search_params(request, allowed: set[str], repeatable: frozenset[str] = frozenset()) -> dict:
    """The search parameters, strictly: unknown ones and modifiers are refused and named. Each is
    given at most once, except those in `repeatable` (e.g. `date=ge…&date=le…`), which come as a
    list."""
    params: dict = {}
    for name in request.GET:
        if name == "_format":
            continue
        values = [v.strip() for v in request.GET.getlist(name)]
        if ":" in name and name.split(":", 1)[0] in allowed:
            raise bad_request(f"The modifier in '{name}' is not supported", name, "not-supported")
        if name not in allowed:
            raise bad_request(f"Unknown search parameter '{name}' (supported: {', '.join(sorted(allowed))})", name,
                              "not-supported")
        if name in repeatable:
            params[name] = values
        elif len(values) != 1:
            raise bad_request(f"'{name}' is given more than once; give one value (a comma means OR)", name)
        else:
            params[name] = values[0]
    return params


DATE_PREFIXES = ("eq", "ge", "gt", "le", "lt")
DATE_HELP = "a date (YYYY, YYYY-MM, YYYY-MM-DD) or a date-time, optionally after eq, ge, gt, le or lt"


def date_condition(field: str, values: list[str], name: str, *, field_is_date: bool = False) -> Q:
    """FHIR date search: each value names a period (a Europe/Oslo year, month or day, or a
    second) and a prefix compares the field with it; repeated parameters AND, commas OR. A
    DateField (`field_is_date`) compares with the period's Oslo days."""
    condition = Q()
    for value in values:
        alternatives = Q()
        for part in value.split(","):
            prefix = part[:2] if part[:2] in DATE_PREFIXES else "eq"
            start, end = _period(part[2:] if part[:2] in DATE_PREFIXES else part, name)
            if field_is_date:
                start, end = start.date(), end.date()
            alternatives |= {
                "eq": Q(**{f"{field}__gte": start, f"{field}__lt": end}),
                "ge": Q(**{f"{field}__gte": start}),
                "gt": Q(**{f"{field}__gte": end}),
                "le": Q(**{f"{field}__lt": end}),
                "lt": Q(**{f"{field}__lt": start}),
            }[prefix]
        condition &= alternatives
    return condition


def _period(raw: str, name: str) -> tuple[dt.datetime, dt.datetime]:
    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=clock.OSLO)

    try:
        if len(raw) == 4 and raw.isdigit():
            year = int(raw)
            return midnight(dt.date(year, 1, 1)), midnight(dt.date(year + 1, 1, 1))
        if len(raw) == 7 and raw[4] == "-":
            first = dt.date(int(raw[:4]), int(raw[5:]), 1)
            return midnight(first), midnight((first + dt.timedelta(days=32)).replace(day=1))
        if len(raw) == 10:
            day = dt.date.fromisoformat(raw)
            return midnight(day), midnight(day + dt.timedelta(days=1))
        if len(raw) > 10 and raw[10] == "T":
            moment = dt.datetime.fromisoformat(raw)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=clock.OSLO)
            end = moment + dt.timedelta(seconds=1)
            moment.astimezone(dt.UTC), end.astimezone(dt.UTC)  # the database compares in UTC: it must fit
            return moment, end
    except (ValueError, OverflowError):  # not a date, or one no database holds (year 1 or 9999 and a zone)
        pass
    raise bad_request(f"'{name}' must be {DATE_HELP}", name, "value")


# The numeric search parameters every search takes: name -> (default, minimum, maximum).
NUMBER_PARAMS = {"_count": (DEFAULT_COUNT, 0, MAX_COUNT), "_offset": (0, 0, MAX_OFFSET)}


def number_param(params: dict, name: str, default: int, minimum: int, maximum: int) -> int:
    """A whole-number search parameter: ASCII digits within [minimum, maximum], else 400 naming it."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(maximum)) or not minimum <= int(raw) <= maximum:
        raise bad_request(f"'{name}' must be a whole number from {minimum} to {maximum}", name, "value")
    return int(raw)


def paging(params: dict) -> tuple[int, int]:
    """(_count, _offset) of a search: _count 0-200 (default 50), _offset 0-100000."""
    return tuple(number_param(params, name, *NUMBER_PARAMS[name]) for name in ("_count", "_offset"))


def parse_reference(value: str, name: str, resource_type: str) -> uuid.UUID:
    """A reference search value: `id` or `Type/id` (of the right type)."""
    prefix, _slash, rest = value.rpartition("/")
    if prefix and prefix.rsplit("/", 1)[-1] != resource_type:
        raise bad_request(f"'{name}' must reference a {resource_type}", name, "value")
    try:
        return uuid.UUID(rest)
    except ValueError:
        raise bad_request(f"'{name}' must be a {resource_type} id", name, "value") from None


def parse_bool(params: dict, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if raw not in ("true", "false"):
        raise bad_request(f"'{name}' must be true or false", name, "value")
    return raw == "true"


def bundle(request, path: str, params: dict, entries: list[dict], total: int, count: int, offset: int) -> dict:
    base = base_url(request)

    def link(relation, at):
        # Repeated parameters (lists) are carried into the links as repeated parameters.
        query = {k: v for k, v in params.items() if k not in ("_count", "_offset")}
        query.update(_count=count, _offset=at)
        return {"relation": relation, "url": f"{base}/{path}?{urlencode(query, doseq=True)}"}

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


def log_search(user, what: str, now, shown, asked=None, *, category: str | None = None, granted=None) -> None:
    """The access log of a search (or read): one row per patient listed (`shown`: patients or
    their ids). A search about one patient (`asked`) that listed nothing writes one row about them:
    granted if the caller may see the patient (in `category`; `granted` overrides), else refused as
    the read of a hidden patient is — attributed to the patient, if there is one, for their log."""
    from samforlop.audit.models import log_access
    from samforlop.patients.models import Patient

    if shown:
        patients = {getattr(p, "pk", p): p for p in shown}
        log_access(user=user, what=what, at=now,
                   patients=[p if isinstance(p, Patient) else Patient(pk=pk) for pk, p in patients.items()])
    elif asked is not None:
        if granted is None:
            granted = Patient.objects.visible_to(user, clock.oslo_date(now), category).filter(pk=asked).exists()
        log_access(user=user, what=what, at=now, granted=granted, requested_id=asked,
                   patients=list(Patient.objects.filter(pk=asked).only("pk")))


def resource_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


# --- Versions: ETag / If-Match (RFC 9110, FHIR's W/"n") --------------------------------------------

def etag(version: int) -> str:
    return f'W/"{version}"'


def version_headers(base: str, resource_type: str, resource_id, version: int) -> dict:
    return {"ETag": etag(version),
            "Content-Location": f"{base}/{resource_type}/{resource_id}/_history/{version}"}


def if_match_version(request, *, required: bool = True) -> int | None:
    """The version an update was based on, from `If-Match: W/"n"` (or `"n"`); an update without it
    is refused (412 is for a stale one: it would silently overwrite someone else's change)."""
    raw = request.META.get("HTTP_IF_MATCH", "").strip()
    if not raw:
        if required:
            raise FhirError(428, "required", 'An update needs If-Match: W/"<version>" (read the resource first)',
                            "If-Match")
        return None
    value = raw[2:] if raw.startswith("W/") else raw
    value = value.strip('"')
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise bad_request('If-Match must be W/"<version>" with the version from the ETag', "If-Match", "value")
    return int(value)


def check_version(expected: int | None, current: int, resource_type: str) -> None:
    if expected is not None and expected != current:
        raise conflict(412, f"{resource_type} has changed since version {expected} (now {current}); read it again",
                       "If-Match")


def parse_version(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


# --- Creates: one resource per Idempotency-Key ----------------------------------------------------

IDEMPOTENCY_NAMESPACE = uuid.UUID("0d6f5b7e-6f0e-4b5c-9a53-3c1fb2f6b0c1")


def submission_id_for(request, resource_type: str) -> tuple[uuid.UUID, bool]:
    """The `submission_id` to hand the named operation (which stores one row per submission id),
    and whether the caller sent an `Idempotency-Key`. A retried create with the same key, from the
    same caller, maps to the same submission id and so to the same stored row."""
    key = request.META.get("HTTP_IDEMPOTENCY_KEY", "").strip()
    if not key:
        return uuid.uuid4(), False
    if len(key) > 200:
        raise bad_request("Idempotency-Key is too long (at most 200 characters)", "Idempotency-Key", "value")
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{request.fhir_user.pk}:{resource_type}:{key}"), True


def if_none_exist(request, allowed: set[str]) -> dict[str, str] | None:
    """The `If-None-Exist` header's search parameters (FHIR conditional create), or None."""
    from django.http import QueryDict

    raw = request.META.get("HTTP_IF_NONE_EXIST", "").strip()
    if not raw:
        return None
    query = QueryDict(raw.lstrip("?"))
    params = {}
    for name in query:
        if name not in allowed:
            raise bad_request(f"If-None-Exist: unknown parameter '{name}' (supported: {', '.join(sorted(allowed))})",
                              "If-None-Exist", "not-supported")
        params[name] = query[name].strip()
    if not params:
        raise bad_request("If-None-Exist has no search parameters", "If-None-Exist", "value")
    return params


def read_json_body(request, resource_type: str) -> dict:
    """The request body as a resource of `resource_type`, or 400 naming the problem."""
    import json

    if request.content_type not in ("application/fhir+json", "application/json"):
        raise bad_request("The body must be application/fhir+json", "body", "structure")
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        raise bad_request("The body is not valid JSON", "body", "structure") from None
    if not isinstance(body, dict):
        raise bad_request("The body must be one JSON object (a resource)", "body", "structure")
    if body.get("resourceType") != resource_type:
        raise bad_request(f"resourceType must be {resource_type}", f"{resource_type}.resourceType", "value")
    return body
