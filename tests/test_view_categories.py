"""Issue 17, point 1: every view says which sharing category of the patient's data it belongs to,
and the guard holds it for everyone the patient has not opened that category to.

`VIEW_CATEGORIES` is the list of every URL pattern and its category; the README's "Who sees
what" section shows the same table (a test keeps the two equal). A new URL pattern fails
`test_every_url_pattern_names_its_category` until it is added here.

The walk (`test_the_walk_*`) takes every URL pattern with an id in it (from the URL resolver, so
a new view is walked automatically), fills in ids of one patient's rows (tests/guard_world.py) and
asks, as each persona, GET and POST (a plausible body, a CSRF token) — and PUT/DELETE on the FHIR
endpoints that take them:
- a persona the table does not open the view to gets 404, exactly as for ids that do not exist
  (or, when the view's audience is another kind of user — a staff page for a relative, the
  patient's own pages for staff — the same redirect or 401 that any id gets), and nothing is stored
  (every table compared, but the access log);
- a persona the table opens it to (NAV with consent to share *work* on the work views and the
  OVERVIEW pages) is let in;
- the first question the view asks the guard names the table's category (so the table is what
  the code does);
- someone who may (the clinic, the GP, the patient) is let in with the same ids and bodies, so the
  404s are about the persona, not about a wrong id or a wrong body.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from samforlop.patients import models as patient_models
from samforlop.patients.models import HEALTH_PERSONNEL_ONLY, OVERVIEW, Category
from samforlop.tasks.models import TASK_SOURCES_BY_CATEGORY
from tests.guard_world import NOW, TODAY, World, build_world, give_relative, sid

# --- The table: every URL pattern and what it belongs to -----------------------------------------

PLAN = Category.PLAN_AND_MEETINGS.value
CHECKINS = Category.CHECKINS.value
REFERRAL = Category.REFERRAL_AND_ASSESSMENT.value
WORK = Category.WORK.value
HP = HEALTH_PERSONNEL_ONLY
# Scopes that are not a sharing category (no consent opens them to anyone else):
OWN = "own"  # the logged-in patient's own pages (/my/...): their own data only
TASK = "task_source"  # a task: the category of what raised it (tasks.models.TASK_SOURCES_BY_CATEGORY)
ARENA = "arena_consent"  # the collaboration arena: its services, for patients who consented to that arena
ADDRESSED = "addressed"  # messages: to or from the reader
ORGANISATION = "organisation"  # the organisation's own rows: referrals sent to or written by it, its exports
AUDIT = "audit"  # the access log: the patient's own, and the organisation's auditors (reporting role)
NONE = "no_patient_data"  # public pages, log-in, the offer catalogue and its editors, organisations

GUARD_SCOPES = {PLAN, CHECKINS, REFERRAL, WORK, HP, OVERVIEW}

VIEW_CATEGORIES: dict[str, str] = {
    # Log-in, health check, language: no patient data.
    "/": NONE, "healthz": NONE, "set_language": NONE,
    "accounts:login": NONE, "accounts:logout": NONE, "accounts:demo_login": NONE,
    "accounts:oidc_start": NONE, "accounts:oidc_callback": NONE,
    # The patient's basic page (any consent in force; each section by its own category) and lists.
    "patients:list": OVERVIEW, "patients:search": OVERVIEW, "patients:detail": OVERVIEW,
    "patients:identity_number": OVERVIEW,
    "patients:emergency_access": HP,
    "patients:start_pathway": HP,
    "pathways:worklist": OVERVIEW, "pathways:follow_up_list": HP,
    "pathways:register_milestone": HP, "pathways:correct_event": HP,
    "messaging:inbox": ADDRESSED, "messaging:detail": ADDRESSED, "messaging:write": OWN, "messaging:dev_mailbox": NONE,
    # Referrals: read with consent (never the clinical notes); written and decided by health personnel.
    "referrals:inbox": ORGANISATION, "referrals:new": HP, "referrals:detail": REFERRAL, "referrals:edit": HP,
    "referrals:decide": HP, "referrals:letter": REFERRAL, "referrals:ask_consultation": HP,
    "referrals:consultation": HP,
    "assessments:assessment": REFERRAL,
    # Meetings: read and answered with consent to plan and meetings; scheduled and held by the clinic.
    "meetings:schedule": HP, "meetings:detail": PLAN, "meetings:answer": PLAN, "meetings:hold": HP,
    "meetings:ics": PLAN, "meetings:decision_measure": HP,
    # The individual plan (with consent: comment and own measures; goals and others' measures: health personnel).
    "careplan:plan": PLAN, "careplan:print": PLAN, "careplan:change": PLAN, "careplan:my_measures": PLAN,
    "checkins:patient": CHECKINS, "checkins:reply": CHECKINS,
    "tasks:detail": TASK,
    # Offers: the catalogue is public; matching for a patient uses the diagnosis group and the goals' needs.
    "offers:catalogue": NONE, "offers:mine": NONE, "offers:new": NONE, "offers:export": NONE, "offers:edit": NONE,
    "offers:verify": NONE, "offers:detail": NONE, "offers:api": NONE,
    "offers:for_patient": HP, "offers:recommend": HP,
    "reports:report": HP, "reports:drilldown": HP, "reports:registry": HP, "reports:emergency": ORGANISATION,
    # FHIR: as the pages they mirror.
    "fhir:token": NONE, "fhir:metadata": NONE, "fhir:/fhir/^(?P<rest>.*)$": NONE,
    "fhir:patient_type": NONE, "fhir:patient_search": OVERVIEW, "fhir:patient": OVERVIEW,
    "fhir:organization": NONE, "fhir:episode_search": OVERVIEW, "fhir:episode": OVERVIEW,
    "fhir:healthcare_service_search": NONE, "fhir:healthcare_service": NONE,
    "fhir:service_request_type": REFERRAL, "fhir:service_request": REFERRAL,
    "fhir:questionnaire_search": NONE, "fhir:questionnaire": NONE,
    "fhir:questionnaire_response_type": CHECKINS, "fhir:questionnaire_response": CHECKINS,
    "fhir:care_plan_search": PLAN, "fhir:care_plan": PLAN, "fhir:care_plan_version": PLAN,
    "fhir:goal_search": PLAN, "fhir:goal": PLAN, "fhir:goal_version": PLAN,
    "fhir:task_search": TASK, "fhir:task": TASK, "fhir:task_version": TASK,
    "fhir:practitioner": NONE, "fhir:practitioner_role_search": NONE, "fhir:practitioner_role": NONE,
    "fhir:care_team_search": PLAN, "fhir:care_team": PLAN,
    "fhir:appointment_search": PLAN, "fhir:appointment": PLAN,
    "fhir:consent_type": OVERVIEW, "fhir:consent": OVERVIEW,
    "fhir:audit_event_search": AUDIT, "fhir:audit_event": AUDIT,
    "fhir:group": HP, "fhir:group_export": HP,
    "fhir:bulk_export_status": ORGANISATION, "fhir:bulk_export_file": ORGANISATION,
    # Work and economy.
    "work:patient": WORK, "work:letter": WORK, "work:letter_print": WORK, "work:change": WORK,
    "work:mine": OWN, "work:my_letter": OWN, "work:my_letter_print": OWN,
    "costs:mine": OWN, "costs:patient": PLAN,
    "outreach:list": PLAN, "outreach:patient": PLAN,
    "outreach:arenas": ARENA, "outreach:arena": ARENA, "outreach:arena_consents": ARENA,
    "outreach:arena_meeting": ARENA, "outreach:my_arena": OWN,
    # The patient's own pages, and what a relative reads (any consent; each section by its category).
    "portal:home": OWN, "portal:letter": REFERRAL, "portal:plan": OWN, "portal:relatives": OWN,
    "portal:privacy": OWN, "portal:sharing": OWN, "portal:shared": OVERVIEW, "portal:shared_patient": OVERVIEW,
    "portal:checkins": OWN, "portal:checkin": OWN, "portal:checkin_done": OWN, "portal:appointment": OWN,
    "portal:training": OWN, "portal:offers": OWN, "portal:clinic": NONE,
}

# Management commands that read or write patient data run as the operator (no user; audited) and
# read it as health personnel would: the category their output belongs to.
COMMAND_CATEGORIES = {
    "export_events": HP, "import_events": HP, "pathway_state": HP, "export_registry": HP, "export_research": HP,
    "send_reminders": NONE, "send_messages": NONE, "run_bulk_exports": HP, "verify_audit": AUDIT,
    "create_fhir_client": NONE, "demo": NONE, "analyze_db": NONE,
}

SCOPE_WORDS = {
    PLAN: "plan and meetings (consent)", CHECKINS: "check-ins (consent)", REFERRAL: "referral and assessment (consent)",
    WORK: "work and economy (consent)", HP: "health personnel only", OVERVIEW: "overview (any consent)",
    OWN: "the patient's own", TASK: "the task's source category", ARENA: "collaboration arena consent",
    ADDRESSED: "addressed to or written by the reader", ORGANISATION: "the organisation's own",
    AUDIT: "access log (the patient, auditors)", NONE: "no patient data",
}

# Who besides health personnel and the patient each persona's consent opens, as the world sets it up.
PERSONAS = ["nav_none", "nav_work", "relative", "user_org", "outsider", "other_patient"]
OPENS = {"nav_work": {WORK, OVERVIEW}}
WORLD_TASK_CATEGORY = next(c for c, sources in TASK_SOURCES_BY_CATEGORY.items() if "return_to_work" in sources)


def opened(persona: str, scope: str) -> bool:
    """Whether the table lets `persona` in (the relative never: their consent is set per view to
    everything but the view's category)."""
    if scope == TASK:  # the world's task is a return-to-work task of NAV (work consent)'s office
        return persona == "nav_work" and WORLD_TASK_CATEGORY in OPENS["nav_work"]
    return scope in OPENS.get(persona, set())


def relative_consent_for(scope: str) -> list[str]:
    """Everything but the view's own category: shows that another category does not open it (an
    OVERVIEW page: no consent at all, since any consent opens it)."""
    if scope == OVERVIEW:
        return []
    return [c for c in Category.values if c != scope]


# --- The URL patterns ------------------------------------------------------------------------------

def url_patterns():
    """(key, route, parameter names) of every URL pattern; the key is `namespace:name`, or the
    route for a pattern without a name."""
    found = []

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), namespace + (f"{p.namespace}:" if p.namespace else ""))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                key = namespace + p.name if p.name else (namespace + "/" + route if route else "/")
                found.append((key, route, list(p.pattern.regex.groupindex)))
    walk(get_resolver().url_patterns)
    return found


def markdown_table() -> str:
    """The README's list of views and their categories (section "Who sees what")."""
    routes = {key: route for key, route, _params in url_patterns()}
    lines = ["| view (URL name) | path | category |", "|---|---|---|"]
    for key in sorted(VIEW_CATEGORIES, key=lambda k: (routes.get(k, k), k)):
        route = "/" + routes.get(key, "").replace("^(?P<rest>.*)$", "…")
        lines.append(f"| `{key}` | `{route}` | {SCOPE_WORDS[VIEW_CATEGORIES[key]]} |")
    return "\n".join(lines)


def test_every_url_pattern_names_its_category():
    keys = [key for key, _route, _params in url_patterns()]
    missing = [key for key in keys if key not in VIEW_CATEGORIES]
    stale = sorted(set(VIEW_CATEGORIES) - set(keys))
    assert not missing, (
        "These URL patterns are not in VIEW_CATEGORIES (tests/test_view_categories.py). Add each with the "
        "sharing category its guard call names (Category.X, HEALTH_PERSONNEL_ONLY or OVERVIEW, or one of "
        "OWN/TASK/ARENA/ADDRESSED/ORGANISATION/AUDIT/NONE), give it a body in POST_BODIES if it takes a POST, "
        "and update the README table (see test_the_readme_lists_every_view_and_its_category):\n"
        + "\n".join(f'    "{key}": <category>,' for key in missing))
    assert not stale, f"VIEW_CATEGORIES names URL patterns that no longer exist: {stale}"
    assert set(SCOPE_WORDS) >= set(VIEW_CATEGORIES.values())


def test_the_readme_lists_every_view_and_its_category():
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    table = markdown_table()
    assert table in readme, ("The README's 'Who sees what' table is out of date; replace it with:\n\n" + table)


def test_every_management_command_that_touches_patient_data_names_its_category():
    from django.core.management import get_commands

    ours = sorted(name for name, app in get_commands().items() if app.startswith("samforlop"))
    missing = [name for name in ours if name not in COMMAND_CATEGORIES]
    assert not missing, f"Add these commands to COMMAND_CATEGORIES with the category of what they read: {missing}"


# --- Filling in the ids ----------------------------------------------------------------------------

# FHIR endpoints: the id in the URL (of the world's patient), and the methods besides GET.
FHIR_IDS = {
    "fhir:patient": lambda w: w.patient.pk, "fhir:episode": lambda w: w.p.pathway.pk,
    "fhir:service_request": lambda w: w.p.referral.pk, "fhir:questionnaire_response": lambda w: w.p.checkin.pk,
    "fhir:care_plan": lambda w: w.p.plan.pk, "fhir:care_plan_version": lambda w: w.p.plan.pk,
    "fhir:goal": lambda w: w.p.goal.pk, "fhir:goal_version": lambda w: w.p.goal.pk,
    "fhir:task": lambda w: w.p.task.pk, "fhir:task_version": lambda w: w.p.task.pk,
    "fhir:care_team": lambda w: w.patient.pk, "fhir:appointment": lambda w: w.p.meeting.pk,
    "fhir:consent": lambda w: w.p.sharing_consent.pk, "fhir:audit_event": lambda w: w.audit_event_id,
    "fhir:group": lambda w: w.personas.clinic.pk, "fhir:group_export": lambda w: w.personas.clinic.pk,
}
FHIR_VERSIONS = {"fhir:care_plan_version": lambda w: w.p.plan.version,
                 "fhir:goal_version": lambda w: w.p.goal.revision, "fhir:task_version": lambda w: w.p.task.revision}
FHIR_UPDATES = {"fhir:care_plan", "fhir:goal", "fhir:task"}
FHIR_DELETES = {"fhir:bulk_export_status"}
INT_IDS = {"decision_id"}
FAKE_INT = 987_654_321


def url_kwargs(key: str, params: list[str], w: World, *, fake: bool, variant: dict | None = None) -> dict:
    """The URL's parameters for the world's patient; with `fake`, every id replaced by one of
    nothing (the answer every persona must not be able to tell apart)."""
    p = w.p
    ids = {
        "patient_id": p.patient.pk, "pathway_id": p.pathway.pk, "referral_id": p.referral.pk,
        "consultation_id": p.consultation.pk, "decision_id": p.decision.pk, "session_id": p.session.pk,
        "task_id": p.task.pk, "checkin_id": p.checkin.pk, "message_id": p.message.pk, "arena_id": w.arena.pk,
        "offer_id": w.offer.pk, "clinic_id": w.personas.clinic.pk, "job_id": w.bulk_job.pk,
        "file_id": w.bulk_file.pk,
        "meeting_id": w.arena_meeting.pk if key == "outreach:arena_meeting" else p.meeting.pk,
        "letter_id": p.letter.pk if key == "portal:letter" else p.employer_letter.pk,
    }
    if key in FHIR_IDS:
        ids["resource_id"] = FHIR_IDS[key](w)
    values = {"kind": "follow_up", "questionnaire_key": "pain_intensity", "provider": "helseid",
              "vid": FHIR_VERSIONS[key](w) if key in FHIR_VERSIONS else 1, **(variant or {})}
    kwargs = {}
    for name in params:
        if name in ids:
            real = ids[name]
            kwargs[name] = (FAKE_INT if name in INT_IDS or isinstance(real, int) else uuid.uuid4()) if fake else real
        elif name in values:
            kwargs[name] = values[name]
        else:
            raise AssertionError(f"{key}: the walk does not know how to fill <{name}>; add it to url_kwargs")
    return {k: str(v) for k, v in kwargs.items()}


ID_PARAMS = {"patient_id", "pathway_id", "referral_id", "consultation_id", "decision_id", "session_id", "task_id",
             "checkin_id", "message_id", "arena_id", "meeting_id", "letter_id", "job_id", "file_id", "resource_id"}


def walked(fhir: bool):
    """The URL patterns with an id of patient data in them (FHIR ones, or the pages)."""
    out = []
    for key, _route, params in url_patterns():
        if VIEW_CATEGORIES.get(key) in (None, NONE) or not set(params) & ID_PARAMS:
            continue
        if key.startswith("fhir:") == fhir:
            out.append((key, params))
    return out


# --- Plausible POST bodies ------------------------------------------------------------------------

def _referral_body(w):
    from tests.test_referrals import COMPLETE

    return {"clinic": w.personas.clinic.pk, "submission_id": sid(), "action": "submit",
            "treatments-TOTAL_FORMS": "3", "treatments-INITIAL_FORMS": "0", "treatments-MIN_NUM_FORMS": "0",
            "treatments-MAX_NUM_FORMS": "1000", **COMPLETE}


def _in_a_week():
    return (TODAY + dt.timedelta(days=7)).isoformat()


# URL name -> function(world) -> [(extra URL parameters, body)]: what the page's forms post.
POST_BODIES = {
    "patients:identity_number": lambda w: [({}, {})],
    "patients:start_pathway": lambda w: [({}, {"type": "smerte", "date": TODAY, "submission_id": sid()})],
    "pathways:register_milestone": lambda w: [({}, {"key": "mapping_consultation", "date": TODAY,
                                                    "submission_id": sid()})],
    "pathways:correct_event": lambda w: [({}, {"event": w.p.event.external_id, "new_date": "", "reason": "Feil dato",
                                               "submission_id": sid()})],
    "referrals:new": lambda w: [({}, _referral_body(w))],
    "referrals:edit": lambda w: [({}, _referral_body(w))],
    "referrals:decide": lambda w: [({}, {"decision": "include", "contact_person": w.personas.clinic_nurse.pk})],
    "referrals:ask_consultation": lambda w: [({}, {"clinic": w.personas.clinic.pk, "question": "Henvise?",
                                                   "submission_id": sid()})],
    "referrals:consultation": lambda w: [({}, {"answer_kind": "advice", "answer": "Prøv fysioterapi"})],
    "assessments:assessment": lambda w: [({}, {"action": "start", "date": TODAY, "submission_id": sid()}),
                                         ({}, {"section": "physical", "text": "Går kortere", "submission_id": sid()})],
    "meetings:schedule": lambda w: [({}, {"starts_at": f"{_in_a_week()}T10:00", "duration_minutes": 60,
                                          "place": "Møterom 1", "agenda": "Status", "invite_defaults": "on",
                                          "submission_id": sid()})],
    "meetings:answer": lambda w: [({}, {"participant": w.p.nav_participant.pk, "answer": "accept"})],
    "meetings:hold": lambda w: [({}, {"held_on": TODAY, "attended": [w.p.participant.pk], "minutes": "Referat"})],
    "meetings:decision_measure": lambda w: [({}, {"title": "Trening", "organisation": w.personas.physio_service.pk,
                                                  "person": w.personas.physiotherapist.pk, "submission_id": sid()})],
    "careplan:change": lambda w: [
        ({"what": "goal"}, {"text": "Jobbe 50 %", "needs": ["work"], "submission_id": sid()}),
        ({"what": "goal_edit"}, {"goal": w.p.goal.pk, "revision": w.p.goal.revision, "text": "Endret",
                                 "status": "active"}),
        ({"what": "measure"}, {"title": "Samtale", "organisation": w.personas.physio_service.pk,
                               "submission_id": sid()}),
        ({"what": "measure_edit"}, {"measure": w.p.measure.pk, "revision": w.p.measure.revision,
                                    "status": "in_progress"}),
        ({"what": "comment"}, {"text": "En kommentar", "submission_id": sid()}),
    ],
    "checkins:patient": lambda w: [({}, {"action": "enrol"}),
                                   ({}, {"questionnaire": "work_ability", "interval_months": 3,
                                         "first_due_on": TODAY})],
    "checkins:reply": lambda w: [({}, {"reply": "Godt jobbet"})],
    "tasks:detail": lambda w: [({}, {"answer": "Ringt, avtalt oppfølging"})],
    "offers:for_patient": lambda w: [({}, {"action": "peer_information", "note": "Fortalt om likepersoner"}),
                                     ({}, {"diagnosis_group": "psoriasis"})],
    "offers:recommend": lambda w: [({}, {"note": "Anbefalt", "submission_id": sid()})],
    "work:change": lambda w: [
        ({"what": "situation"}, {"status": "sick_leave", "sick_leave_percent": 50, "valid_from": TODAY,
                                 "submission_id": sid()}),
        ({"what": "coordinator"}, {"organisation": w.personas.physio_service.pk,
                                   "person": w.personas.physiotherapist.pk, "every_weeks": 4, "submission_id": sid()}),
        ({"what": "agreement"}, {"agreed_on": TODAY, "employer_name": "Firma AS", "submission_id": sid()}),
        ({"what": "task"}, {"kind": "follow_up_work", "reason": "Følg opp", "due_on": _in_a_week(),
                            "submission_id": sid()}),
        ({"what": "letter"}, {"submission_id": sid()}),
    ],
    "work:letter": lambda w: [({}, {"revision": w.p.employer_letter.revision, "employer_name": "Firma AS",
                                    "general_text": "Tilrettelegging hjelper"})],
    "work:my_letter": lambda w: [({}, {"action": "withdraw"}),
                                 ({}, {"action": "approve", "revision": w.p.employer_letter.revision,
                                       "consent": "on"})],
    "costs:patient": lambda w: [({}, {"action": "register", "paid_on": TODAY, "amount_nok": 300, "what": "Fysio",
                                      "counts_toward_ceiling": "on", "submission_id": sid()}),
                                ({}, {"action": "void", "co_payment": w.p.co_payment.pk, "reason": "Feil"})],
    "outreach:patient": lambda w: [({}, {"method": "phone", "result": "reached_follow_up", "note": "Ringt",
                                         "months": 6, "submission_id": sid()})],
    "outreach:arena": lambda w: [({}, {"action": "schedule", "starts_at": f"{_in_a_week()}T12:00",
                                       "place": "Rådhuset", "submission_id": sid()})],
    "outreach:arena_consents": lambda w: [({}, {"action": "withdraw", "consent": w.p.arena_consent.pk}),
                                          ({}, {"action": "record", "national_id": w.patient.national_id})],
    "outreach:arena_meeting": lambda w: [({}, {"action": "decision", "patient": w.patient.pk, "text": "Avklare jobb",
                                               "organisation": w.personas.gp_office.pk, "due_on": _in_a_week(),
                                               "submission_id": sid()}),
                                         ({}, {"action": "hold", "held_on": TODAY, "minutes": "Referat"})],
    "messaging:detail": lambda w: [({}, {"text": "Svar til pasienten"})],
}


def control_user(key: str, w: World):
    """Someone the view is for, to show that the ids and bodies are right."""
    ps = w.personas
    return {
        "referrals:new": ps.gp, "referrals:edit": ps.gp, "referrals:ask_consultation": ps.gp,
        "outreach:patient": ps.municipal_coordinator, "outreach:arena": ps.municipal_coordinator,
        "outreach:arena_consents": ps.municipal_coordinator, "outreach:arena_meeting": ps.municipal_coordinator,
        "tasks:detail": w.nav_work, "messaging:detail": ps.gp, "checkins:reply": ps.physiotherapist,
        "portal:checkin_done": w.p.me, "work:my_letter": w.p.me, "work:my_letter_print": w.p.me,
    }.get(key, ps.clinic_physician)


def control_token(key: str, w: World) -> str:
    return w.tokens["nav_work" if key in ("fhir:task", "fhir:task_version") else "clinic"]


# --- Requests, each undone: the world is the same for every one ---------------------------------

class Spy:
    """The sharing categories the guard is asked for during a request (in order)."""

    def __init__(self, monkeypatch):
        self.asked = []
        original = patient_models._checked_scope

        def checked(category):
            self.asked.append(category)
            return original(category)
        monkeypatch.setattr(patient_models, "_checked_scope", checked)


EXCLUDED_TABLES = {"django_session"}


def tables() -> list[str]:
    from django.apps import apps

    from samforlop.audit.models import AuditEntry

    # The access log (and its chain head) grows on every read by design; the audit trail of
    # changes does not on a refused request, so it is compared with everything else.
    audit_tables = {m._meta.db_table for m in apps.get_app_config("audit").get_models()} - {AuditEntry._meta.db_table}
    return sorted(set(connection.introspection.table_names()) - audit_tables - EXCLUDED_TABLES)


def snapshot() -> dict:
    out = {}
    with connection.cursor() as cursor:
        for table in tables():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            out[table] = sorted(repr(row) for row in cursor.fetchall())
    return out


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(t for t in before if before[t] != after.get(t))


class Asker:
    """Requests as one user (session) or one system (bearer token), with the CSRF token a form
    would carry; each request runs in a savepoint that is rolled back."""

    def __init__(self, user=None, token=None):
        self.client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        self.secret = _get_new_csrf_string()
        self.client.cookies[settings.CSRF_COOKIE_NAME] = self.secret
        self.token = token
        if user is not None:
            self.client.force_login(user)

    def __call__(self, method: str, url: str, body=None, *, inspect=None, headers=None):
        extra = {"HTTP_X_CSRFTOKEN": self.secret, **(headers or {})}
        if self.token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        with transaction.atomic():
            if method == "GET":
                response = self.client.get(url, **extra)
            elif method == "POST":
                response = self.client.post(url, {**(body or {}), "csrfmiddlewaretoken": self.secret}, **extra)
            else:
                response = getattr(self.client, method.lower())(
                    url, json.dumps(body or {}), content_type="application/fhir+json", **extra)
            seen = inspect() if inspect else None
            transaction.set_rollback(True)
        return response, seen


def _same_answer(a, b) -> bool:
    return a.status_code == b.status_code and a.get("Location") == b.get("Location")


def _describe(response) -> str:
    where = f" → {response['Location']}" if response.get("Location") else ""
    return f"{response.status_code}{where}"


# --- The walk --------------------------------------------------------------------------------------

@pytest.fixture
def world(personas):
    with time_machine.travel(NOW, tick=False):
        yield build_world(personas)


def _requests(key: str, params: list[str], w: World):
    """(method, URL parameters, body, headers) to ask: GET, and each plausible POST (or the
    FHIR update/delete)."""
    variants = POST_BODIES[key](w) if key in POST_BODIES else [({}, {"submission_id": sid(), "text": "x"})]
    out = [("GET", variants[0][0], None)]
    if key.startswith("fhir:"):
        if key in FHIR_UPDATES:
            out.append(("PUT", {}, None))
        if key in FHIR_DELETES:
            out.append(("DELETE", {}, None))
    else:
        out += [("POST", extra, body) for extra, body in variants]
    return out


def _fhir_update_body(key, w, url):
    """The resource as the system that may change it reads it: what an update sends back."""
    response, _ = Asker(token=control_token(key, w))("GET", url)
    return (response.json() if response.status_code == 200 else {"resourceType": "Basic"}), response.get("ETag", "")


def walk(keys, w: World, monkeypatch) -> list[str]:
    problems = []
    spy = Spy(monkeypatch)
    askers = {}
    for persona in PERSONAS:
        user = w.persona(persona)
        askers[persona] = (Asker(user=user), Asker(token=w.tokens[persona]) if persona in w.tokens else Asker(user=user))
    controls = {}
    for key, _params in keys:  # logged in before the baseline (a log-in stores its time)
        who = control_token(key, w) if key.startswith("fhir:") else control_user(key, w)
        if who not in controls:
            controls[who] = Asker(token=who) if isinstance(who, str) else Asker(user=who)
    baseline = snapshot()
    for key, params in keys:
        scope = VIEW_CATEGORIES[key]
        fhir = key.startswith("fhir:")
        for method, extra, body in _requests(key, params, w):
            url = reverse(key, kwargs=url_kwargs(key, params, w, fake=False, variant=extra))
            fake_url = reverse(key, kwargs=url_kwargs(key, params, w, fake=True, variant=extra))
            headers = {}
            if method == "PUT":
                body, etag = _fhir_update_body(key, w, url)
                headers = {"HTTP_IF_MATCH": etag or 'W/"1"'}
            for persona in PERSONAS:
                asker = askers[persona][1 if fhir else 0]
                with transaction.atomic():
                    before = baseline
                    if persona == "relative" and relative_consent_for(scope):
                        give_relative(w, relative_consent_for(scope))
                        before = snapshot()
                    spy.asked.clear()
                    response, after = asker(method, url, body, inspect=snapshot, headers=headers)
                    asked = list(spy.asked)
                    fake, _ = asker(method, fake_url, body, headers=headers)
                    transaction.set_rollback(True)
                what = f"{method} {key} as {persona}"
                if response.status_code >= 500:
                    problems.append(f"{what}: {response.status_code} (a server error)")
                    continue
                if scope in GUARD_SCOPES and asked and asked[0] != scope:
                    problems.append(f"{what}: the view asks the guard for {asked[0]!r}, the table says {scope!r}")
                if opened(persona, scope):
                    if method == "GET" and response.status_code == 404 and fake.status_code == 404:
                        problems.append(f"{what}: 404, but the table opens {scope!r} to {persona}")
                    continue
                if response.status_code != 404 and not (_same_answer(response, fake) and response.status_code in
                                                        (302, 401, 405)):
                    problems.append(f"{what}: {_describe(response)} (the same id of nothing: {_describe(fake)}); "
                                    f"expected 404")
                if after != before:
                    problems.append(f"{what}: stored something in {changed_tables(before, after)}")
            # And someone who may: the same ids and bodies are let in.
            control = controls[control_token(key, w) if fhir else control_user(key, w)]
            spy.asked.clear()
            response, _ = control(method, url, body, headers=headers)
            if response.status_code == 404 or response.status_code >= 500:
                problems.append(f"{method} {key} as one who may (control): {_describe(response)} — fix the world, "
                                f"the ids or the body in tests/test_view_categories.py")
            elif scope in GUARD_SCOPES and spy.asked and spy.asked[0] != scope:
                problems.append(f"{method} {key} (control): the view asks the guard for {spy.asked[0]!r}, "
                                f"the table says {scope!r}")
            if method == "POST" and key not in POST_BODIES and response.status_code != 405:
                problems.append(f"{key} takes a POST: add a plausible body to POST_BODIES")
    return problems


def test_the_walk_over_every_page_with_an_id(world, monkeypatch):
    with time_machine.travel(NOW, tick=False):
        problems = walk(walked(fhir=False), world, monkeypatch)
    assert not problems, "\n".join(problems)


def test_the_walk_over_every_fhir_endpoint_with_an_id(world, monkeypatch):
    with time_machine.travel(NOW, tick=False):
        problems = walk(walked(fhir=True), world, monkeypatch)
    assert not problems, "\n".join(problems)


def test_the_walk_covers_the_ids_the_issue_names():
    """The ids of patient data the walk fills: every one of them is walked somewhere."""
    params = {p for _key, params in walked(False) + walked(True) for p in params}
    assert {"patient_id", "pathway_id", "meeting_id", "referral_id", "consultation_id", "letter_id", "decision_id",
            "task_id", "session_id", "checkin_id", "resource_id"} <= params


# --- Lists: the patient appears only to those the table opens the list to --------------------------

def listed():
    return [(key, route) for key, route, params in url_patterns()
            if not params and VIEW_CATEGORIES.get(key) not in (None, NONE) and not key.startswith("fhir:")]


def fhir_searches():
    """The FHIR search endpoints that take `patient` (from the CapabilityStatement's tables)."""
    from samforlop.fhir.capability import supported

    routes = {route: key for key, route, _params in url_patterns()}
    return [routes[f"fhir/{resource_type}"] for resource_type, spec in supported().items()
            if "search-type" in spec["interactions"] and any(name == "patient" for name, _k, _d in spec["search"])]


def test_lists_and_searches_show_the_patient_only_to_whom_the_table_opens_them(world):
    w = world
    assert len(fhir_searches()) >= 9
    problems = []
    with time_machine.travel(NOW, tick=False):
        marks = [str(w.patient.pk), w.patient.family_name]
        for persona in PERSONAS:
            user = w.persona(persona)
            asker = Asker(user=user)
            for key, route in listed():
                scope = VIEW_CATEGORIES[key]
                if opened(persona, scope):
                    continue
                with transaction.atomic():
                    give_relative(w, relative_consent_for(scope) if persona == "relative" else [])
                    response, _ = asker("GET", "/" + route)
                    transaction.set_rollback(True)
                text = response.content.decode(errors="replace")
                if response.status_code >= 500 or any(m in text for m in marks):
                    problems.append(f"GET {key} as {persona}: {response.status_code}, lists the patient")
            fhir = Asker(token=w.tokens[persona]) if persona in w.tokens else asker
            for key in fhir_searches():
                scope = VIEW_CATEGORIES[key]
                if opened(persona, scope):
                    continue
                response, _ = fhir("GET", f"{reverse(key)}?patient={w.patient.pk}")
                if response.status_code >= 500 or (response.status_code == 200 and response.json()["total"]):
                    problems.append(f"GET {key}?patient as {persona}: {response.status_code}, finds the patient")
    assert not problems, "\n".join(problems)


# --- What NAV and user organisations do with consent (issue 17 point 1, the clinical parts) ----------

def consent(w: World, organisation, *categories):
    from samforlop.patients.actions import grant_consent

    grant_consent(patient=w.patient, categories=list(categories), valid_from=TODAY, organisation=organisation,
                  actor=w.p.me, now=NOW)


def test_nav_with_work_consent_gets_404_on_the_offers_page_and_cannot_set_the_diagnosis_group(world):
    w = world
    with time_machine.travel(NOW, tick=False):
        nav = Asker(user=w.nav_work)
        url = reverse("offers:for_patient", args=[w.patient.pk])
        assert nav("GET", url)[0].status_code == 404
        response, _ = nav("POST", url, {"diagnosis_group": "psoriasis"})
        assert response.status_code == 404
        consent(w, w.nav_work_office, Category.PLAN_AND_MEETINGS)  # even with consent to the plan
        assert nav("GET", url)[0].status_code == 404
        assert nav("POST", url, {"diagnosis_group": "psoriasis"})[0].status_code == 404
        assert nav("POST", url, {"action": "peer_information", "note": "x"})[0].status_code == 404
        w.patient.refresh_from_db()
        assert w.patient.diagnosis_group == ""
        page = nav("GET", reverse("patients:detail", args=[w.patient.pk]))[0].content.decode()
        assert url not in page  # no link to it either


def test_nav_with_plan_consent_comments_and_keeps_its_own_measures_but_not_goals_or_others_measures(world):
    from samforlop.careplan.models import Goal, Measure, PlanComment

    w = world
    with time_machine.travel(NOW, tick=False):
        consent(w, w.nav_work_office, Category.PLAN_AND_MEETINGS)
        nav = Asker(user=w.nav_work)
        plan_url = reverse("careplan:plan", args=[w.patient.pk])
        page = nav("GET", plan_url)[0]
        assert page.status_code == 200
        html = page.content.decode()
        assert 'name="needs"' not in html and "goal_edit" not in html  # no goal forms
        assert f'value="{w.p.measure.pk}"' not in html  # not the physiotherapist's measure

        def change(what, body):
            with transaction.atomic():  # kept: each change is seen by the next
                return nav.client.post(reverse("careplan:change", args=[w.patient.pk, what]),
                                       {**body, "csrfmiddlewaretoken": nav.secret}, HTTP_X_CSRFTOKEN=nav.secret)

        assert change("goal", {"text": "Nytt mål", "needs": ["work"], "submission_id": sid()}).status_code == 403
        assert change("goal_edit", {"goal": w.p.goal.pk, "revision": w.p.goal.revision, "text": "Endret",
                                    "status": "active"}).status_code == 403
        assert change("measure_edit", {"measure": w.p.measure.pk, "revision": w.p.measure.revision,
                                       "status": "stopped", "stop_reason": "Nei"}).status_code == 403
        refused = change("measure", {"title": "Fysio", "organisation": w.personas.physio_service.pk,
                                     "submission_id": sid()})
        assert refused.status_code == 400  # another service's measure: not a choice
        assert Goal.objects.filter(plan__patient=w.patient).count() == 1
        assert Measure.objects.get(pk=w.p.measure.pk).status == "planned"

        assert change("comment", {"text": "Vi tar kontakt med arbeidsgiver", "submission_id": sid()}).status_code == 302
        assert PlanComment.objects.filter(author=w.nav_work).exists()
        assert change("measure", {"title": "Arbeidsrettet oppfølging", "organisation": w.nav_work_office.pk,
                                  "person": w.nav_work.pk, "submission_id": sid()}).status_code == 302
        own = Measure.objects.get(title="Arbeidsrettet oppfølging")
        assert change("measure_edit", {"measure": own.pk, "revision": own.revision,
                                       "status": "in_progress"}).status_code == 302


def test_the_named_operations_refuse_clinical_changes_by_nav_whatever_the_view(world):
    from django.core.exceptions import PermissionDenied

    from samforlop.careplan import actions as plan
    from samforlop.offers.actions import record_peer_information, update_matching_preferences

    w = world
    with time_machine.travel(NOW, tick=False):
        consent(w, w.nav_work_office, Category.PLAN_AND_MEETINGS)
        for attempt in (
            lambda: plan.add_goal(patient=w.patient, text="x", actor=w.nav_work, now=NOW, submission_id=sid()),
            lambda: plan.update_goal(goal=w.p.goal, revision=w.p.goal.revision, text="x", reached_means="",
                                     review_on=None, status="active", actor=w.nav_work, now=NOW),
            lambda: plan.update_measure(measure=w.p.measure, revision=w.p.measure.revision, status="done",
                                        actor=w.nav_work, now=NOW),
            lambda: plan.add_measure(patient=w.patient, title="x", organisation=w.personas.physio_service,
                                     actor=w.nav_work, now=NOW, submission_id=sid()),
            lambda: update_matching_preferences(patient=w.patient, diagnosis_group="psoriasis",
                                                prefers_no_referral=False, prefers_low_cost=False,
                                                needs_transport=False, actor=w.nav_work, now=NOW),
            lambda: record_peer_information(patient=w.patient, note="x", actor=w.nav_work, now=NOW),
            lambda: update_matching_preferences(patient=w.patient, diagnosis_group="psoriasis",
                                                prefers_no_referral=False, prefers_low_cost=False,
                                                needs_transport=False, actor=w.user_org_user, now=NOW),
        ):
            with pytest.raises(PermissionDenied):
                attempt()


def test_the_patient_page_shows_each_section_only_with_its_category(world):
    w = world
    with time_machine.travel(NOW, tick=False):
        nav = Asker(user=w.nav_work)  # consent: work only
        html = nav("GET", reverse("patients:detail", args=[w.patient.pk]))[0].content.decode()
        assert reverse("work:patient", args=[w.patient.pk]) in html
        for hidden in (reverse("careplan:plan", args=[w.patient.pk]), reverse("checkins:patient", args=[w.patient.pk]),
                       reverse("referrals:detail", args=[w.p.referral.pk]),
                       reverse("referrals:consultation", args=[w.p.consultation.pk]),
                       reverse("meetings:detail", args=[w.p.meeting.pk]),
                       reverse("assessments:assessment", args=[w.p.pathway.pk])):
            assert hidden not in html, hidden
        consent(w, w.nav_work_office, Category.REFERRAL_AND_ASSESSMENT, Category.PLAN_AND_MEETINGS)
        html = nav("GET", reverse("patients:detail", args=[w.patient.pk]))[0].content.decode()
        assert reverse("referrals:detail", args=[w.p.referral.pk]) in html
        assert reverse("meetings:detail", args=[w.p.meeting.pk]) in html
        # The consultation is the GP's clinical question: health personnel only, whatever is shared.
        assert reverse("referrals:consultation", args=[w.p.consultation.pk]) not in html
        assert nav("GET", reverse("referrals:consultation", args=[w.p.consultation.pk]))[0].status_code == 404
