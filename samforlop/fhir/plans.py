"""FHIR endpoints — the individual plan and tasks: CarePlan, Goal, Task.

- **CarePlan** is the patient's individual plan (`careplan.Plan`). Its version is the plan's
  version; every older version is read back from the snapshot the plan keeps of it
  (`PlanVersion`), so `vread` gives any version. Goals are referenced (`goal`), measures are
  `activity.reference` to Task. The patient's agreement is an extension; the patient's app
  agrees by updating it (the portal's "I agree").
- **Goal** (`careplan.Goal`, version = its revision): read, vread of the current version,
  search, and update through `careplan.actions.update_goal` (what the plan page's goal form
  changes, nothing more).
- **Task** is two things, told apart by `code`: the clinic's *staff tasks* (`tasks.Task`: phone
  the patient, offer an appointment; owner = the clinic) and the plan's *measures*
  (`careplan.Measure`; owner = the responsible person if named, else the organisation; basedOn
  the CarePlan). Both tables have uuid ids, so `Task/<id>` is unambiguous. A staff task is
  completed through `tasks.actions.answer_task` (answer and appointment date in `output`), a
  measure's status and dates change through `careplan.actions.update_measure`.

Guard: plans, goals and measures are the patient's "plan and meetings" data
(`Category.PLAN_AND_MEETINGS`: NAV only with consent); staff tasks are seen, as on the worklist,
only by the clinic they belong to. Updates are allowed to whoever the page allows (staff for
goals and measures, the patient for the agreement, the task's clinic for a staff task); anything
the page cannot change is refused (422) naming the field.
"""

from __future__ import annotations

import datetime as dt
import types
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.urls import path
from django.utils import translation

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.fhir.api import (
    base_url, bundle, check_version, fhir_view, if_match_version, log_search, paging, parse_reference, parse_version,
    read_json_body, resource_uuid, search_params, version_headers,
)
from samforlop.fhir.outcome import FhirError, bad_request, business_rule, conflict, fhir_response, not_found
from samforlop.fhir.resources import CS, EXT, _drop_empty, organisation_reference, practitioner_reference
from samforlop.tasks.models import Task

PLAN_CATEGORY = "plan_and_meetings"  # patients.models.Category.PLAN_AND_MEETINGS

# This module's rows of the CapabilityStatement (see capability.supported).
CAPABILITY: dict[str, dict] = {
    "CarePlan": {
        "interactions": ["read", "vread", "update", "search-type"],
        "versioning": "versioned",
        "search": [("patient", "reference", "The patient (Patient/id or id)")],
        "documentation": "The patient's individual plan. Version = the plan's version (every change to a goal or "
                         "measure makes one; vread gives any version, from the plan's own snapshot of it). goal = "
                         "the goals, activity.reference = the measures (Task). The patient's agreement: extension "
                         f"{EXT}/careplan-patient-agreement (version, at). Update: only the patient's app, only "
                         "to agree to the current version (If-Match required); nothing else is changed this way.",
    },
    "Goal": {
        "interactions": ["read", "vread", "update", "search-type"],
        "versioning": "versioned",
        "search": [("patient", "reference", "The patient (Patient/id or id)")],
        "documentation": "A goal of the individual plan, in the patient's own words (description.text). "
                         "lifecycleStatus active | completed (reached) | cancelled (changed or let go); "
                         "target.detailString = what 'reached' means; review date: extension "
                         f"{EXT}/goal-review-date; category = the needs ({CS}/goal-need). Update (staff, "
                         "If-Match required): description.text, target, review date and lifecycleStatus, as the "
                         "plan page's goal form; a change to anything else is 422.",
    },
    "Task": {
        "interactions": ["read", "vread", "update", "search-type"],
        "versioning": "versioned",
        "search": [
            ("owner", "reference", "Organization/id (the clinic's staff tasks; measures owned by the organisation "
                                   "with no named person) or Practitioner/id (measures owned by that person)"),
            ("status", "token", "ready | in-progress | completed | cancelled (comma for OR)"),
            ("patient", "reference", "The patient (Patient/id or id)"),
            ("period", "date", "The due date (restriction.period.end), YYYY-MM-DD with prefix eq, ge, gt, le or "
                               "lt; repeat the parameter for a range (period=ge2026-01-01&period=le2026-01-31)"),
        ],
        "documentation": f"Staff tasks (code {CS}/task-kind {', '.join(Task.Kind.values)}; owner = the "
                         "organisation that holds the task; seen only by that organisation) and the plan's "
                         "measures (code plan-measure; basedOn the CarePlan; owner = the responsible person, else the "
                         "organisation). Due date in restriction.period.end, a measure's start in "
                         "restriction.period.start. Sorted by due date. Update with If-Match: a staff task is "
                         "completed with output 'answer' (valueString, required) and 'appointment-date' (valueDate, "
                         f"required for offer_appointment), output types from {CS}/task-output; a measure's status "
                         "(statusReason.text when cancelled) and restriction.period change as on the plan page.",
    },
}

# --- Mapping (pure: the views fetch through the guard and hand the rows in) --------------------------

GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
# domain status -> (lifecycleStatus, achievementStatus)
GOAL_STATUS = {"active": ("active", "in-progress"), "reached": ("completed", "achieved"),
               "changed": ("cancelled", "not-attainable")}
GOAL_STATUS_FROM_FHIR = {lifecycle: domain for domain, (lifecycle, _a) in GOAL_STATUS.items()}

STAFF_TASK_STATUS = {"open": "ready", "done": "completed"}
MEASURE_STATUS = {"planned": "ready", "in_progress": "in-progress", "done": "completed", "stopped": "cancelled"}
MEASURE_STATUS_FROM_FHIR = {v: k for k, v in MEASURE_STATUS.items()}
TASK_STATUSES = ["ready", "in-progress", "completed", "cancelled"]
MEASURE_CODE = "plan-measure"
OUTPUT_ANSWER, OUTPUT_APPOINTMENT = "answer", "appointment-date"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _coding(system: str, code: str, display="") -> dict:
    return _drop_empty({"system": system, "code": code, "display": str(display) if display else ""})


def _patient(patient_id) -> dict:
    return {"reference": f"Patient/{patient_id}"}


def _author(user) -> dict:
    if user.patient_id is not None:
        return {"reference": f"Patient/{user.patient_id}", "display": user.display_name}
    return practitioner_reference(user)


def care_plan_resource(plan, *, version: int, at, goals: list[tuple], measures: list[tuple],
                       comments=()) -> dict:
    """The plan as a CarePlan at `version` (made `at`): `goals` and `measures` are (id, text)
    pairs, from the rows (current version) or from the version's snapshot."""
    extensions = []
    if plan.patient_agreed_version is not None and (plan.patient_agreed_version == version or version == plan.version):
        # On an older version the agreement shows only if it was to that very version.
        extensions.append({"url": f"{EXT}/careplan-patient-agreement", "extension": [
            {"url": "version", "valueUnsignedInt": plan.patient_agreed_version},
            {"url": "at", "valueDateTime": plan.patient_agreed_at.isoformat()},
            {"url": "current", "valueBoolean": plan.patient_agreed_version == plan.version}]})
    return _drop_empty({
        "resourceType": "CarePlan",
        "id": str(plan.pk),
        "meta": {"versionId": str(version), "lastUpdated": _iso(at)},
        "extension": extensions,
        "status": "active",
        "intent": "plan",
        "category": [{"coding": [_coding(f"{CS}/care-plan-kind", "individual-plan", "Individuell plan")]}],
        "title": "Individuell plan",
        "subject": _patient(plan.patient_id),
        "created": _iso(plan.created_at),
        "goal": [{"reference": f"Goal/{pk}", "display": text[:200]} for pk, text in goals],
        "activity": [{"reference": {"reference": f"Task/{pk}", "type": "Task", "display": title}}
                     for pk, title in measures],
        "note": [{"authorReference": _author(c.author), "time": _iso(c.at), "text": c.text} for c in comments],
    })


def goal_resource(goal, patient_id, *, clinical: bool = True) -> dict:
    """The goal; without `clinical` (NAV, user organisations, relatives: they read the plan with
    the patient's consent) its needs are left out, as the plan page leaves them out."""
    from samforlop.careplan.forms import NEED_CHOICES

    lifecycle, achievement = GOAL_STATUS[goal.status]
    needs = dict(NEED_CHOICES)
    return _drop_empty({
        "resourceType": "Goal",
        "id": str(goal.pk),
        "meta": {"versionId": str(goal.revision)},
        "extension": [{"url": f"{EXT}/goal-review-date", "valueDate": _iso(goal.review_on)}] if goal.review_on else [],
        "lifecycleStatus": lifecycle,
        "achievementStatus": {"coding": [_coding(GOAL_ACHIEVEMENT, achievement),
                                         _coding(f"{CS}/goal-status", goal.status, goal.get_status_display())]},
        "category": [{"coding": [_coding(f"{CS}/goal-need", n, needs.get(n, ""))]}
                     for n in (goal.needs or [] if clinical else [])],
        "description": {"text": goal.text},
        "subject": _patient(patient_id),
        "expressedBy": _patient(patient_id),  # in the patient's own words
        "target": [{"measure": {"coding": [_coding(f"{CS}/goal-target", "reached-means", "What reached means")]},
                    "detailString": goal.reached_means}] if goal.reached_means else [],
    })


def staff_task_resource(task) -> dict:
    """A clinic's to-do (`tasks.Task`); `task.organisation` loaded."""
    output = []
    if task.answer:
        output.append({"type": {"coding": [_coding(f"{CS}/task-output", OUTPUT_ANSWER)]}, "valueString": task.answer})
    if task.appointment_on:
        output.append({"type": {"coding": [_coding(f"{CS}/task-output", OUTPUT_APPOINTMENT)]},
                       "valueDate": _iso(task.appointment_on)})
    return _drop_empty({
        "resourceType": "Task",
        "id": str(task.pk),
        "meta": {"versionId": str(task.revision)},
        "status": STAFF_TASK_STATUS[task.status],
        "businessStatus": {"coding": [_coding(f"{CS}/task-status", task.status, task.get_status_display())]},
        "intent": "order",
        "code": {"coding": [_coding(f"{CS}/task-kind", task.kind, task.get_kind_display())]},
        "description": str(task.get_kind_display()),
        # What the task is about: the check-in that raised it (a yellow or red one), else the patient.
        "focus": ({"reference": f"QuestionnaireResponse/{task.checkin_id}", "type": "QuestionnaireResponse"}
                  if task.checkin_id else _patient(task.patient_id)),
        "for": _patient(task.patient_id),
        "executionPeriod": {"end": _iso(task.answered_at)} if task.answered_at else None,
        "authoredOn": _iso(task.created_at),
        "lastModified": _iso(task.answered_at or task.created_at),
        "owner": organisation_reference(task.organisation),
        "reasonCode": {"coding": [_coding(f"{CS}/task-source", task.source, task.get_source_display())],
                       "text": task.reason},
        "restriction": {"period": {"end": _iso(task.due_on)}},
        "output": output,
    })


def measure_task_resource(measure) -> dict:
    """A measure (tiltak) of the plan; `measure.plan`, `.organisation`, `.person` loaded."""
    patient_id = measure.plan.patient_id
    extensions = [{"url": f"{EXT}/task-responsible-organisation", "valueReference":
                   organisation_reference(measure.organisation)}]
    if measure.is_training_programme:
        extensions.append({"url": f"{EXT}/measure-training-programme", "valueBoolean": True})
    return _drop_empty({
        "resourceType": "Task",
        "id": str(measure.pk),
        "meta": {"versionId": str(measure.revision)},
        "extension": extensions,
        "basedOn": [{"reference": f"CarePlan/{measure.plan_id}", "type": "CarePlan"}],
        "status": MEASURE_STATUS[measure.status],
        "statusReason": {"text": measure.stop_reason} if measure.stop_reason else None,
        "businessStatus": {"coding": [_coding(f"{CS}/measure-status", measure.status, measure.get_status_display())]},
        "intent": "plan",
        "code": {"coding": [_coding(f"{CS}/task-kind", MEASURE_CODE, "Measure in the individual plan")],
                 "text": measure.title},
        "description": measure.description,
        "focus": _patient(patient_id),
        "for": _patient(patient_id),
        "owner": practitioner_reference(measure.person) if measure.person_id else
        organisation_reference(measure.organisation),
        "reasonReference": {"reference": f"Goal/{measure.goal_id}", "type": "Goal"} if measure.goal_id else None,
        "restriction": {"period": _drop_empty({"start": _iso(measure.start_on), "end": _iso(measure.due_on)})}
        if measure.start_on or measure.due_on else None,
    })


# --- The guard ---------------------------------------------------------------------------------------------

def _condition(user, now, field: str, category: str = PLAN_CATEGORY):
    """The one visibility rule on `field` (a correlated EXISTS: right for one row or one page)."""
    from samforlop.patients.models import visibility_condition

    return visibility_condition(user, clock.oslo_date(now), patient_field=field, now=now, category=category)


def _visible(rows, user, now, field: str, category: str = PLAN_CATEGORY):
    """`rows` of patients the caller may see (the correlated EXISTS: a page stops after its rows)."""
    condition = _condition(user, now, field, category)
    return rows.none() if condition is None else rows.filter(condition)


def _count_visible(rows, user, now, field: str, category: str = PLAN_CATEGORY) -> int:
    return _visible_for_count(rows, user, now, field, category).count()


def _visible_for_count(rows, user, now, field: str, category: str = PLAN_CATEGORY):
    """`rows` (already filtered by the search) of patients the caller may see, for counting. A
    search may count thousands of rows: on SQLite the rule is checked once per *patient* among
    them (`IN (visible patients)`), not once per row as the correlated EXISTS would be (30 ms
    against 50 ms at 1 M tasks)."""
    from django.db import connection

    from samforlop.patients.models import Patient

    if connection.vendor == "postgresql":
        # PostgreSQL already plans the correlated EXISTS as one hashed lookup of the care team
        # (measured 25 ms against 38 ms for the form below, at 1 M tasks).
        return _visible(rows, user, now, field, category)
    condition = _condition(user, now, "pk", category)
    if condition is None:
        return rows.none()
    visible = Patient.objects.filter(condition, pk__in=rows.values(field)).values("pk")
    # Compared as an expression, not the bare column: on the bare column SQLite drives the count
    # from the patient index (every task of every visible patient, 25x slower at 1 M tasks)
    # instead of the search's own range (owner + due date).
    return rows.alias(guarded_patient=Coalesce(F(field), F(field))).filter(guarded_patient__in=visible)


def _refused(user, what, now, *, patient_id=None, requested_id=None) -> FhirError:
    """A denied access-log row (attributed to the patient, if there is one, for their own log)
    and the same 404 as for what does not exist."""
    from samforlop.patients.models import Patient

    patients = list(Patient.objects.filter(pk=patient_id).only("pk")) if patient_id else []
    log_access(user=user, what=what, at=now, patients=patients, requested_id=requested_id, granted=False)
    return not_found()


def _staff_tasks(user, now):
    if user.organisation_id is None:
        return Task.objects.none()
    return _visible_tasks(Task.objects.filter(organisation_id=user.organisation_id), user, now)  # as the worklist


def _visible_tasks(tasks, user, now, *, for_count: bool = False):
    """Staff tasks whose patient the caller may see in the task's sharing category
    (tasks.models.task_visibility_condition). For health personnel the category changes nothing,
    so the rule takes the shapes tuned for the search (`_visible`, `_visible_for_count`)."""
    from samforlop.patients.models import HEALTH_PERSONNEL_ONLY, needs_consent
    from samforlop.tasks.models import task_visibility_condition

    if not needs_consent(user):
        return (_visible_for_count if for_count else _visible)(tasks, user, now, "patient_id", HEALTH_PERSONNEL_ONLY)
    condition = task_visibility_condition(user, clock.oslo_date(now), now=now)
    return tasks.none() if condition is None else tasks.filter(condition)


def _measures(user, now):
    from samforlop.careplan.models import Measure

    condition = _condition(user, now, "plan__patient_id")
    return Measure.objects.none() if condition is None else Measure.objects.filter(condition)


# --- Errors from the named operations ----------------------------------------------------------------------

def _operation_refusal(error: ValidationError, fields: dict[str, str], resource_type: str) -> FhirError:
    """A named operation's ValidationError as a 422 naming the FHIR fields (diagnostics in English)."""
    if hasattr(error, "error_dict"):
        issues = [{"severity": "error", "code": "business-rule", "diagnostics": " ".join(messages),
                   "expression": [fields.get(name, resource_type)]}
                  for name, messages in error.message_dict.items()]
        return FhirError(422, "business-rule", issues[0]["diagnostics"], issues=issues)
    return business_rule(" ".join(error.messages))


def _english():
    return translation.override("en")


def _without_display(value):
    """Displays are labels, not content: an update is compared without them."""
    if isinstance(value, dict):
        return {k: _without_display(v) for k, v in value.items() if k != "display"}
    if isinstance(value, list):
        return [_without_display(v) for v in value]
    return value


def _refuse_other_changes(resource_type: str, current: dict, incoming: dict, changeable: set[str],
                          changeable_extensions: set[str] = frozenset()) -> None:
    """An update may change only `changeable` (what the page changes); any other element that
    differs from the current resource is refused, named."""
    ignored = {"resourceType", "id", "meta", "text"} | changeable
    for key in sorted((set(current) | set(incoming)) - ignored):
        before, after = current.get(key), incoming.get(key)
        if key == "extension":
            keep = lambda exts: [e for e in exts or [] if e.get("url") not in changeable_extensions]  # noqa: E731
            before, after = keep(before), keep(after)
        if _without_display(before or None) != _without_display(after or None):
            raise business_rule(f"{resource_type}.{key} cannot be changed through this API (the plan page and the "
                                "worklist cannot change it either)", f"{resource_type}.{key}")


def _update_body(request, resource_type: str, resource_id: str) -> tuple[dict, int]:
    expected = if_match_version(request)
    body = read_json_body(request, resource_type)
    if body.get("id") != resource_id:
        raise bad_request(f"{resource_type}.id must be the id in the URL ({resource_id})", f"{resource_type}.id")
    return body, expected


def _parse_date(value, expression: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{expression} must be a date (YYYY-MM-DD)", expression, "value") from None


def _versioned(request, resource: dict, resource_type: str, version: int, status: int = 200):
    return fhir_response(resource, status, version_headers(base_url(request), resource_type, resource["id"], version))


def _vid(vid: str) -> int:
    version = parse_version(vid)
    if version is None:
        raise not_found()
    return version


# --- CarePlan ---------------------------------------------------------------------------------------------

def _plans(user, now):
    from samforlop.careplan.models import Plan, PlanVersion

    condition = _condition(user, now, "patient_id")
    if condition is None:
        return Plan.objects.none()
    latest = PlanVersion.objects.filter(plan=OuterRef("pk"), number=OuterRef("version")).values("at")[:1]
    return Plan.objects.filter(condition).annotate(version_at=Subquery(latest))


def _current_care_plan(plan) -> dict:
    """`plan` with goals, measures and comments (with authors) prefetched."""
    return care_plan_resource(plan, version=plan.version, at=plan.version_at or plan.created_at,
                              goals=[(g.pk, g.text) for g in plan.goals.all()],
                              measures=[(m.pk, m.title) for m in plan.measures.all()],
                              comments=plan.comments.all())


def _plan_with_related(plans):
    return plans.prefetch_related("goals", "measures", "comments__author")


def _get_plan(request, resource_id, what, now):
    from samforlop.careplan.models import Plan

    user = request.fhir_user
    pk = resource_uuid(resource_id)
    plan = _plan_with_related(_plans(user, now)).filter(pk=pk).first() if pk else None
    if plan is None:
        existing = Plan.objects.filter(pk=pk).values_list("patient_id", flat=True).first() if pk else None
        raise _refused(user, what, now, patient_id=existing, requested_id=pk)
    log_search(user, what, now, [plan.patient_id])
    return plan


@fhir_view(("GET", "PUT"))
def care_plan_instance(request, resource_id):
    now = clock.now()
    if request.method == "PUT":
        return _care_plan_update(request, resource_id, now)
    plan = _get_plan(request, resource_id, "fhir_care_plan", now)
    return _versioned(request, _current_care_plan(plan), "CarePlan", plan.version)


@fhir_view(("GET",))
def care_plan_version(request, resource_id, vid):
    """vread: the current version from the rows, an older one from its snapshot."""
    now = clock.now()
    version = _vid(vid)
    plan = _get_plan(request, resource_id, "fhir_care_plan", now)
    if version == plan.version:
        return _versioned(request, _current_care_plan(plan), "CarePlan", version)
    row = plan.versions.filter(number=version).first()
    if row is None:
        raise not_found("CarePlan", f"{resource_id}/_history/{vid}")
    snapshot = row.snapshot
    resource = care_plan_resource(plan, version=version, at=row.at,
                                  goals=[(g["id"], g["text"]) for g in snapshot.get("goals", [])],
                                  measures=[(m["id"], m["title"]) for m in snapshot.get("measures", [])])
    return _versioned(request, resource, "CarePlan", version)


def _care_plan_update(request, resource_id, now):
    """The patient's app agrees to the current version: the agreement extension names it."""
    from samforlop.careplan import actions

    body, expected = _update_body(request, "CarePlan", resource_id)
    user = request.fhir_user
    plan = _get_plan(request, resource_id, "fhir_care_plan_update", now)
    current = _current_care_plan(plan)
    agreement = f"{EXT}/careplan-patient-agreement"
    _refuse_other_changes("CarePlan", current, body, set(), {agreement})
    agreed = [e for e in body.get("extension") or [] if e.get("url") == agreement]
    parts = {p.get("url"): p.get("valueUnsignedInt", p.get("valueInteger")) for p in (agreed[0].get("extension") or [])
             } if len(agreed) == 1 else {}
    if not isinstance(parts.get("version"), int):
        raise business_rule("Only the patient's agreement can be updated: give the extension "
                            f"{agreement} with version = the current version", "CarePlan.extension")
    if user.patient_id != plan.patient_id:
        raise FhirError(403, "forbidden", "Only the patient agrees to their plan", "CarePlan.extension")
    check_version(expected, plan.version, "CarePlan")
    if parts["version"] != plan.version:
        raise business_rule(f"The agreement must name the current version ({plan.version})", "CarePlan.extension")
    try:
        with _english():
            actions.agree_to_plan(patient=plan.patient, version=expected, actor=user, now=now)
    except actions.PlanConflict as error:
        raise conflict(412, " ".join(error.messages), "If-Match") from None
    except ValidationError as error:
        raise _operation_refusal(error, {}, "CarePlan") from None
    plan = _plan_with_related(_plans(user, now)).get(pk=plan.pk)
    return _versioned(request, _current_care_plan(plan), "CarePlan", plan.version)


PATIENT_SEARCH = {"patient", "_count", "_offset"}


@fhir_view(("GET",))
def care_plan_search(request):
    params = search_params(request, PATIENT_SEARCH)
    count, offset = paging(params)
    now, user = clock.now(), request.fhir_user
    plans = _plans(user, now)
    patient_id = None
    if params.get("patient"):
        patient_id = parse_reference(params["patient"], "patient", "Patient")
        plans = plans.filter(patient_id=patient_id)
    total = plans.count()
    page = list(_plan_with_related(plans).order_by("created_at", "pk")[offset:offset + count]) if count else []
    log_search(user, "fhir_care_plan_search", now, [p.patient_id for p in page], patient_id,
               category=PLAN_CATEGORY)
    entries = [_current_care_plan(p) for p in page]
    return fhir_response(bundle(request, "CarePlan", params, entries, total, count, offset))


# --- Goal --------------------------------------------------------------------------------------------------

def _goals(user, now):
    from samforlop.careplan.models import Goal

    condition = _condition(user, now, "plan__patient_id")
    return Goal.objects.none() if condition is None else Goal.objects.filter(condition)


def _get_goal(request, resource_id, what, now):
    from samforlop.careplan.models import Goal

    user = request.fhir_user
    pk = int(resource_id) if resource_id.isascii() and resource_id.isdigit() and len(resource_id) < 19 else None
    goal = _goals(user, now).select_related("plan").filter(pk=pk).first() if pk else None
    if goal is None:
        existing = Goal.objects.filter(pk=pk).values_list("plan__patient_id", flat=True).first() if pk else None
        raise _refused(user, what, now, patient_id=existing)
    log_search(user, what, now, [goal.plan.patient_id])
    return goal


@fhir_view(("GET", "PUT"))
def goal_instance(request, resource_id):
    now = clock.now()
    if request.method == "PUT":
        return _goal_update(request, resource_id, now)
    goal = _get_goal(request, resource_id, "fhir_goal", now)
    return _versioned(request, _goal_for(request.fhir_user, goal), "Goal", goal.revision)


def _goal_for(user, goal) -> dict:
    from samforlop.patients.models import needs_consent

    return goal_resource(goal, goal.plan.patient_id, clinical=not needs_consent(user))


@fhir_view(("GET",))
def goal_version(request, resource_id, vid):
    """Only the current version is kept as a goal (the plan's snapshots keep the older texts)."""
    now = clock.now()
    version = _vid(vid)
    goal = _get_goal(request, resource_id, "fhir_goal", now)
    if version != goal.revision:
        raise not_found("Goal", f"{resource_id}/_history/{vid}")
    return _versioned(request, _goal_for(request.fhir_user, goal), "Goal", goal.revision)


GOAL_FIELDS = {"text": "Goal.description.text", "reached_means": "Goal.target.detailString",
               "review_on": f"Goal.extension('{EXT}/goal-review-date')", "status": "Goal.lifecycleStatus"}


def _goal_update(request, resource_id, now):
    """PUT Goal/<id>: what the plan page's goal form changes, through `update_goal`."""
    from samforlop.careplan import actions
    from samforlop.patients.models import needs_consent

    body, expected = _update_body(request, "Goal", resource_id)
    user = request.fhir_user
    goal = _get_goal(request, resource_id, "fhir_goal_update", now)
    if user.organisation_id is None:
        raise FhirError(403, "forbidden", "Goals are changed by the care team (the plan page), not by the patient's "
                                          "app")
    if needs_consent(user):
        raise FhirError(403, "forbidden", "Goals are written by health personnel and the patient, not with consent")
    review = f"{EXT}/goal-review-date"
    _refuse_other_changes("Goal", goal_resource(goal, goal.plan.patient_id), body,
                          {"description", "target", "lifecycleStatus", "achievementStatus"}, {review})
    description = body.get("description")
    if not isinstance(description, dict) or set(description) - {"text"}:
        raise bad_request("Goal.description must be {text: the goal in the patient's own words}",
                          "Goal.description", "value")
    target = body.get("target") or []
    if not isinstance(target, list) or len(target) > 1 or any(
            not isinstance(t, dict) or set(t) - {"measure", "detailString"} for t in target):
        raise bad_request("Goal.target holds at most one target: detailString = what 'reached' means",
                          "Goal.target", "value")
    lifecycle = body.get("lifecycleStatus")
    if lifecycle not in GOAL_STATUS_FROM_FHIR:
        raise business_rule(f"Goal.lifecycleStatus must be one of {', '.join(GOAL_STATUS_FROM_FHIR)}",
                            "Goal.lifecycleStatus")
    reviews = [e for e in body.get("extension") or [] if e.get("url") == review]
    check_version(expected, goal.revision, "Goal")
    try:
        with _english():
            goal = actions.update_goal(
                goal=goal, revision=expected, text=str(description.get("text") or ""),
                reached_means=str(target[0].get("detailString") or "") if target else "",
                review_on=_parse_date(reviews[0].get("valueDate"), GOAL_FIELDS["review_on"]) if reviews else None,
                status=GOAL_STATUS_FROM_FHIR[lifecycle], actor=user, now=now)
    except actions.PlanConflict as error:
        raise conflict(412, " ".join(error.messages), "If-Match") from None
    except ValidationError as error:
        raise _operation_refusal(error, GOAL_FIELDS, "Goal") from None
    return _versioned(request, goal_resource(goal, goal.plan.patient_id), "Goal", goal.revision)


@fhir_view(("GET",))
def goal_search(request):
    from samforlop.careplan.models import Goal

    params = search_params(request, PATIENT_SEARCH)
    count, offset = paging(params)
    now, user = clock.now(), request.fhir_user
    goals = Goal.objects.all()
    patient_id = None
    if params.get("patient"):
        patient_id = parse_reference(params["patient"], "patient", "Patient")
        goals = goals.filter(plan__patient_id=patient_id)
    total = _count_visible(goals, user, now, "plan__patient_id")
    page = list(_visible(goals, user, now, "plan__patient_id").select_related("plan")
                .order_by("pk")[offset:offset + count]) if count and total else []
    log_search(user, "fhir_goal_search", now, [g.plan.patient_id for g in page], patient_id,
               category=PLAN_CATEGORY)
    entries = [_goal_for(user, g) for g in page]
    return fhir_response(bundle(request, "Goal", params, entries, total, count, offset))


# --- Task: staff tasks and measures --------------------------------------------------------------------------

def _get_task(request, resource_id, what, now):
    """The staff task or measure with this id, if the caller may see it: (kind, row)."""
    from samforlop.careplan.models import Measure

    user = request.fhir_user
    pk = resource_uuid(resource_id)
    if pk is not None:
        task = _staff_tasks(user, now).select_related("organisation").filter(pk=pk).first()
        if task is not None:
            log_search(user, what, now, [task.patient_id])
            return "task", task
        measure = _measures(user, now).select_related("plan", "organisation", "person").filter(pk=pk).first()
        if measure is not None:
            log_search(user, what, now, [measure.plan.patient_id])
            return "measure", measure
    existing = None
    if pk is not None:
        existing = (Task.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
                    or Measure.objects.filter(pk=pk).values_list("plan__patient_id", flat=True).first())
    raise _refused(user, what, now, patient_id=existing, requested_id=pk)


def _task_resource(kind, row) -> tuple[dict, int]:
    return (staff_task_resource(row) if kind == "task" else measure_task_resource(row)), row.revision


@fhir_view(("GET", "PUT"))
def task_instance(request, resource_id):
    now = clock.now()
    if request.method == "PUT":
        return _task_update(request, resource_id, now)
    resource, version = _task_resource(*_get_task(request, resource_id, "fhir_task", now))
    return _versioned(request, resource, "Task", version)


@fhir_view(("GET",))
def task_version(request, resource_id, vid):
    """Only the current version is kept (an older one is 404)."""
    now = clock.now()
    wanted = _vid(vid)
    resource, version = _task_resource(*_get_task(request, resource_id, "fhir_task", now))
    if wanted != version:
        raise not_found("Task", f"{resource_id}/_history/{vid}")
    return _versioned(request, resource, "Task", version)


def _task_update(request, resource_id, now):
    body, expected = _update_body(request, "Task", resource_id)
    kind, row = _get_task(request, resource_id, "fhir_task_update", now)
    if kind == "task":
        return _answer_staff_task(request, row, body, expected, now)
    return _change_measure(request, row, body, expected, now)


def _outputs(body) -> dict[str, object]:
    """Task.output as {type code: value}: 'answer' (valueString), 'appointment-date' (valueDate)."""
    found = {}
    outputs = body.get("output") or []
    if not isinstance(outputs, list):
        raise bad_request("Task.output must be a list", "Task.output", "structure")
    for output in outputs:
        codes = [c.get("code") for c in ((output or {}).get("type") or {}).get("coding") or []
                 if c.get("system") == f"{CS}/task-output"] if isinstance(output, dict) else []
        if len(codes) != 1 or codes[0] not in (OUTPUT_ANSWER, OUTPUT_APPOINTMENT) or codes[0] in found:
            raise bad_request(f"Task.output: each output's type is one of {CS}/task-output answer, appointment-date "
                              "(each at most once)", "Task.output", "value")
        if codes[0] == OUTPUT_ANSWER:
            if not isinstance(output.get("valueString"), str):
                raise bad_request("Task.output 'answer' needs valueString", "Task.output", "value")
            found[OUTPUT_ANSWER] = output["valueString"]
        else:
            found[OUTPUT_APPOINTMENT] = _parse_date(output.get("valueDate"), "Task.output")
            if found[OUTPUT_APPOINTMENT] is None:
                raise bad_request("Task.output 'appointment-date' needs valueDate", "Task.output", "value")
    return found


def _answer_staff_task(request, task, body, expected, now):
    """A staff task is completed with its answer, as on the task page (`answer_task`)."""
    from samforlop.tasks import actions

    user = request.fhir_user
    current = staff_task_resource(task)
    _refuse_other_changes("Task", current, body, {"status", "businessStatus", "output", "lastModified",
                                                  "executionPeriod"})
    outputs = _outputs(body)
    if body.get("status") == current["status"] and _without_display(body.get("output") or None) == \
            _without_display(current.get("output")):
        check_version(expected, task.revision, "Task")
        return _versioned(request, current, "Task", task.revision)  # nothing changed
    if body.get("status") != "completed":
        raise business_rule("A staff task can only be completed (status completed, with output 'answer')",
                            "Task.status")
    check_version(expected, task.revision, "Task")
    try:
        with _english():
            task = actions.answer_task(task=task, answer=outputs.get(OUTPUT_ANSWER, ""),
                                       appointment_on=outputs.get(OUTPUT_APPOINTMENT), actor=user, now=now,
                                       revision=expected)
    except actions.TaskConflict as error:
        raise conflict(412, " ".join(error.messages), "If-Match") from None
    except ValidationError as error:
        raise _operation_refusal(error, {"answer": "Task.output", "appointment_on": "Task.output"}, "Task") from None
    task = type(task).objects.select_related("organisation").get(pk=task.pk)
    return _versioned(request, staff_task_resource(task), "Task", task.revision)


MEASURE_FIELDS = {"status": "Task.status", "stop_reason": "Task.statusReason", "start_on": "Task.restriction.period.start",
                  "due_on": "Task.restriction.period.end"}


def _change_measure(request, measure, body, expected, now):
    """A measure's status and dates, as the plan page's measure form (`update_measure`)."""
    from samforlop.careplan import actions

    user = request.fhir_user
    if user.organisation_id is None:
        raise FhirError(403, "forbidden", "Measures are changed by the care team (the plan page), not by the "
                                          "patient's app")
    current = measure_task_resource(measure)
    _refuse_other_changes("Task", current, body, {"status", "businessStatus", "statusReason", "restriction"})
    restriction = body.get("restriction") or {}
    if not isinstance(restriction, dict) or set(restriction) - {"period"} or \
            not isinstance(restriction.get("period") or {}, dict) or set(restriction.get("period") or {}) - {"start", "end"}:
        raise business_rule("Only restriction.period (start, end) can be changed", "Task.restriction")
    period = restriction.get("period") or {}
    status = body.get("status")
    if status not in MEASURE_STATUS_FROM_FHIR:
        raise business_rule(f"A measure's status is one of {', '.join(MEASURE_STATUS_FROM_FHIR)}", "Task.status")
    reason = body.get("statusReason") or {}
    if not isinstance(reason, dict) or set(reason) - {"text"}:
        raise bad_request("Task.statusReason must be {text: why the measure was stopped}", "Task.statusReason", "value")
    start_on = _parse_date(period.get("start"), MEASURE_FIELDS["start_on"])
    due_on = _parse_date(period.get("end"), MEASURE_FIELDS["due_on"])
    check_version(expected, measure.revision, "Task")
    try:
        with _english():
            measure = actions.update_measure(measure=measure, revision=expected,
                                             status=MEASURE_STATUS_FROM_FHIR[status],
                                             stop_reason=str(reason.get("text") or ""), start_on=start_on,
                                             due_on=due_on, actor=user, now=now)
    except actions.PlanConflict as error:
        raise conflict(412, " ".join(error.messages), "If-Match") from None
    except ValidationError as error:
        raise _operation_refusal(error, MEASURE_FIELDS, "Task") from None
    measure = type(measure).objects.select_related("plan", "organisation", "person").get(pk=measure.pk)
    return _versioned(request, measure_task_resource(measure), "Task", measure.revision)


TASK_SEARCH = {"owner", "status", "patient", "_count", "_offset"}
DATE_PREFIXES = {"eq": "", "ge": "__gte", "gt": "__gt", "le": "__lte", "lt": "__lt"}


def _periods(request) -> list[tuple[str, dt.date]]:
    """`period` may be repeated (a range is two of them, ANDed): [(lookup suffix, date)]."""
    out = []
    for value in request.GET.getlist("period"):
        value = value.strip()
        prefix, rest = (value[:2], value[2:]) if value[:2].isalpha() else ("eq", value)
        if prefix not in DATE_PREFIXES or "," in value:
            raise bad_request(f"period: '{value}' — give one date with a prefix eq, ge, gt, le or lt "
                              "(repeat period for a range)", "period", "value")
        date = _parse_date(rest, "period")
        if date is None:
            raise bad_request("period needs a date (YYYY-MM-DD)", "period", "value")
        out.append((DATE_PREFIXES[prefix], date))
    return out


def _task_search_params(request) -> tuple[dict, list]:
    """Strict parameters (each once, none unknown), except `period`, which may repeat."""
    others = QueryDict(mutable=True)
    for name in request.GET:
        if name != "period":
            others.setlist(name, request.GET.getlist(name))
    params = search_params(types.SimpleNamespace(GET=others), TASK_SEARCH)
    return params, _periods(request)


def _merged_page(queries, offset: int, count: int) -> list[tuple[str, object]]:
    """One page over two tables in (due date, id) order, undated last: the first offset+count
    keys of each (in index order), merged; then only the page's rows are loaded, by id (the keys
    came through the guard)."""
    from samforlop.careplan.models import Measure

    keys = []
    for kind, rows in queries:
        # A staff task always has a due date: plain ORDER BY, which the index gives without a sort.
        due = "due_on" if kind == "task" else F("due_on").asc(nulls_last=True)
        keys += [(on is None, on or dt.date.min, pk, kind) for pk, on in
                 rows.order_by(due, "pk").values_list("pk", "due_on")[:offset + count]]
    page = sorted(keys)[offset:offset + count]
    loaded = {}
    for kind, model, related in (("task", Task, ("organisation",)), ("measure", Measure, ("plan", "organisation", "person"))):
        wanted = [pk for _n, _d, pk, k in page if k == kind]
        if wanted:
            loaded.update({row.pk: row for row in model.objects.select_related(*related).filter(pk__in=wanted)})
    return [(kind, loaded[pk]) for _n, _d, pk, kind in page]


@fhir_view(("GET",))
def task_search(request):
    """GET /fhir/Task?owner=&status=&patient=&period=ge..&period=le..&_count=&_offset= — staff tasks
    of the caller's clinic and measures of patients whose plan the caller may see, counted and
    listed; one access-log row per patient listed."""
    from samforlop.careplan.models import Measure

    params, periods = _task_search_params(request)
    count, offset = paging(params)
    now, user = clock.now(), request.fhir_user
    # Staff tasks: only the caller's clinic's, as on the worklist.
    tasks = Task.objects.filter(organisation_id=user.organisation_id) if user.organisation_id else Task.objects.none()
    measures = Measure.objects.all()
    patient_id = None
    if params.get("patient"):
        patient_id = parse_reference(params["patient"], "patient", "Patient")
        tasks, measures = tasks.filter(patient_id=patient_id), measures.filter(plan__patient_id=patient_id)
    if params.get("owner"):
        owner = params["owner"]
        if owner.startswith("Practitioner/"):
            pk = owner.split("/", 1)[1]  # Practitioner ids are user ids
            if not (pk.isascii() and pk.isdigit()) or len(pk) > 18:
                raise bad_request("owner: Practitioner/<id> needs a practitioner id", "owner", "value")
            tasks, measures = tasks.none(), measures.filter(person_id=int(pk))
        else:
            organisation_id = parse_reference(owner, "owner", "Organization")
            tasks = tasks.filter(organisation_id=organisation_id)
            measures = measures.filter(organisation_id=organisation_id, person__isnull=True)
    if params.get("status"):
        statuses = [s.strip() for s in params["status"].split(",")]
        if any(s not in TASK_STATUSES for s in statuses):
            raise bad_request(f"status must be among {', '.join(TASK_STATUSES)}", "status", "value")
        tasks = tasks.filter(status__in=[d for d, f in STAFF_TASK_STATUS.items() if f in statuses])
        measures = measures.filter(status__in=[d for d, f in MEASURE_STATUS.items() if f in statuses])
    for suffix, date in periods:
        tasks, measures = tasks.filter(**{f"due_on{suffix}": date}), measures.filter(**{f"due_on{suffix}": date})
    total = (_visible_tasks(tasks, user, now, for_count=True).count()
             + _count_visible(measures, user, now, "plan__patient_id"))
    page = _merged_page([("task", _visible_tasks(tasks, user, now)),
                         ("measure", _visible(measures, user, now, "plan__patient_id"))],
                        offset, count) if count and total else []
    log_search(user, "fhir_task_search", now,
               [row.patient_id if kind == "task" else row.plan.patient_id for kind, row in page], patient_id,
               category=PLAN_CATEGORY)
    entries = [staff_task_resource(row) if kind == "task" else measure_task_resource(row) for kind, row in page]
    result = bundle(request, "Task", params, entries, total, count, offset)
    if periods:  # the links carry the repeated period too (bundle() takes one value a name)
        raw = urlencode([("period", value) for value in request.GET.getlist("period")])
        for link in result["link"]:
            link["url"] += "&" + raw
    return fhir_response(result)


def task_search_query_plans(clinic, user, now, d1: dt.date, d2: dt.date) -> list[str]:
    """The database's plans for the hot search (a clinic's staff tasks due between d1 and d2):
    the count and the first page, as `task_search` runs them (for the index test and the bench)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext


    window = Task.objects.filter(organisation_id=clinic.pk, due_on__gte=d1, due_on__lte=d2)
    with CaptureQueriesContext(connection) as captured:
        _visible_tasks(window, user, now, for_count=True).count()
        _merged_page([("task", _visible_tasks(window, user, now))], 0, 50)
    plans = []
    with connection.cursor() as cursor:
        # The count and the page's keys (not the caller's organisation, if it was not loaded yet).
        for query in [q for q in captured.captured_queries if 'FROM "tasks_task"' in q["sql"]][:2]:
            explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
            cursor.execute(explain + query["sql"])
            plans.append(" | ".join(str(row[-1] if connection.vendor == "sqlite" else row[0]).strip()
                                    for row in cursor.fetchall()))
    return plans


urlpatterns = [
    path("CarePlan", care_plan_search, name="care_plan_search"),
    path("CarePlan/<str:resource_id>", care_plan_instance, name="care_plan"),
    path("CarePlan/<str:resource_id>/_history/<str:vid>", care_plan_version, name="care_plan_version"),
    path("Goal", goal_search, name="goal_search"),
    path("Goal/<str:resource_id>", goal_instance, name="goal"),
    path("Goal/<str:resource_id>/_history/<str:vid>", goal_version, name="goal_version"),
    path("Task", task_search, name="task_search"),
    path("Task/<str:resource_id>", task_instance, name="task"),
    path("Task/<str:resource_id>/_history/<str:vid>", task_version, name="task_version"),
]
