"""Issue 17, point 2: every id taken from a form or a query string is parsed by one helper
(samforlop/core/ids.py): a malformed one ("abc", "", "-1", a number too large for the database)
answers 400, a well-formed one of a row that is not there or not the caller's (another patient's)
answers 404 — never 500, and nothing is stored.

`ID_FIELDS` is every form field that carries an id, with the page it is posted to and who posts
it. The table is checked against the code: every id the views hand to the helper, every id-like
field of a form class, and every id a template puts in a form must be in it."""

from __future__ import annotations

import importlib
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
import time_machine
from django import forms
from django.conf import settings
from django.urls import reverse

from samforlop.core.forms import SubmissionIdField
from tests.guard_world import NOW, TODAY, build_world, sid
from tests.test_view_categories import Asker, changed_tables, snapshot

HUGE = "99999999999999999999"
MALFORMED = ["abc", "", "-1", HUGE, "12abc", "٣"]

HELPER = "helper"  # parsed by samforlop.core.ids: malformed 400, another patient's row 404
FORM = "form"  # a form's choice of rows (ModelChoiceField, ...): 400 naming the field, whatever is wrong
NUMBER = "number"  # a number, not an id (ids.parse_int): malformed 400


@dataclass
class IdField:
    url: str  # URL name
    field: str  # the form (or query-string) field
    kind: str
    who: Callable  # world -> the user who posts it
    kwargs: Callable = lambda w: {}  # world -> URL parameters
    body: Callable = lambda w: {}  # world -> the rest of a plausible body
    other: Callable | None = None  # world -> an id of another patient's row (or not the poster's)
    form: str = ""  # the form class the field belongs to, for FORM fields
    method: str = "POST"
    empty: int = 400  # the answer to an empty value


def patient_id(w):
    return {"patient_id": w.patient.pk}


def me(w):
    return w.p.me


def physician(w):
    return w.personas.clinic_physician


def coordinator(w):
    return w.personas.municipal_coordinator


def _leader(w):
    from samforlop.accounts.models import User
    from tests.conftest import make_user

    return User.objects.filter(username="leader").first() or make_user("leader", w.personas.clinic, User.Role.LEADER)


def _referral_body(w):
    from tests.test_view_categories import _referral_body as body

    return body(w)


ID_FIELDS = [
    # The individual plan.
    IdField("careplan:change", "goal", HELPER, physician, lambda w: {**patient_id(w), "what": "goal_edit"},
            lambda w: {"revision": w.p.goal.revision, "text": "Endret", "status": "active"}, lambda w: w.q.goal.pk),
    IdField("careplan:change", "measure", HELPER, physician, lambda w: {**patient_id(w), "what": "measure_edit"},
            lambda w: {"revision": w.p.measure.revision, "status": "in_progress"}, lambda w: w.q.measure.pk),
    *[IdField("careplan:change", field, FORM, physician, lambda w: {**patient_id(w), "what": "measure"},
              lambda w: {"title": "Tiltak", "organisation": w.personas.physio_service.pk,
                         "person": w.personas.physiotherapist.pk, "goal": w.p.goal.pk, "submission_id": sid()},
              other, form="MeasureForm", empty=empty)
      for field, other, empty in [("organisation", lambda w: w.personas.other_clinic.pk, 400),
                                  ("person", lambda w: w.personas.outsider.pk, 302),  # optional: none chosen
                                  ("goal", lambda w: w.q.goal.pk, 302)]],
    # Meetings.
    IdField("meetings:answer", "participant", HELPER, me, lambda w: {"meeting_id": w.p.meeting.pk},
            lambda w: {"answer": "accept"}, lambda w: w.q.participant.pk),
    IdField("meetings:hold", "attended", FORM, physician, lambda w: {"meeting_id": w.p.meeting.pk},
            lambda w: {"held_on": TODAY, "minutes": "Referat"}, lambda w: w.q.participant.pk, form="HoldForm"),
    *[IdField("meetings:decision_measure", field, FORM, physician, lambda w: {"decision_id": w.p.decision.pk},
              lambda w: {"title": "Trening", "organisation": w.personas.physio_service.pk,
                         "person": w.personas.physiotherapist.pk, "submission_id": sid()}, other,
              form="DecisionMeasureForm", empty=empty)
      for field, other, empty in [("organisation", lambda w: w.personas.other_clinic.pk, 400),
                                  ("person", lambda w: w.personas.outsider.pk, 302)]],
    IdField("meetings:schedule", "team_members", FORM, physician,
            lambda w: {"pathway_id": w.p.pathway.pk, "kind": "follow_up"},
            lambda w: {"starts_at": "2026-12-01T10:00", "duration_minutes": 60, "place": "Rom 1", "agenda": "Status",
                       "submission_id": sid()}, lambda w: w.personas.outsider.pk, form="ScheduleForm"),
    # Pathways.
    IdField("pathways:correct_event", "event", FORM, physician, lambda w: {"pathway_id": w.p.pathway.pk},
            lambda w: {"new_date": "", "reason": "Feil", "submission_id": sid()}, lambda w: w.q.event.external_id,
            form="CorrectionForm"),
    # Work.
    *[IdField("work:change", field, FORM, physician, lambda w: {**patient_id(w), "what": "coordinator"},
              lambda w: {"organisation": w.personas.physio_service.pk, "person": w.personas.physiotherapist.pk,
                         "every_weeks": 4, "submission_id": sid()}, other, form="CoordinatorForm")
      for field, other in [("organisation", lambda w: w.personas.other_clinic.pk),
                           ("person", lambda w: w.personas.outsider.pk)]],
    # Costs (staff's page and the patient's).
    IdField("costs:patient", "co_payment", HELPER, physician, patient_id, lambda w: {"action": "void", "reason": "Feil"},
            lambda w: w.q.co_payment.pk, form="VoidForm"),
    IdField("costs:mine", "co_payment", HELPER, me, body=lambda w: {"action": "void", "reason": "Feil"},
            other=lambda w: w.q.co_payment.pk, form="VoidForm"),
    IdField("costs:mine", "measure", FORM, me,
            body=lambda w: {"action": "register", "paid_on": TODAY, "amount_nok": 200, "what": "Fysio",
                            "submission_id": sid()}, other=lambda w: w.q.measure.pk, form="CoPaymentForm",
            empty=302),
    # The collaboration arena.
    IdField("outreach:arena_consents", "consent", HELPER, coordinator, lambda w: {"arena_id": w.arena.pk},
            lambda w: {"action": "withdraw"}, lambda w: w.q.consent_elsewhere.pk),
    IdField("outreach:my_arena", "arena", HELPER, me, body=lambda w: {"action": "consent"},
            other=lambda w: w.q.arena_elsewhere.pk),
    IdField("outreach:arena_meeting", "patient", FORM, coordinator, lambda w: {"meeting_id": w.arena_meeting.pk},
            lambda w: {"action": "case", "what": "Noe", "submission_id": sid()}, lambda w: w.q.patient.pk,
            form="CaseForm"),
    *[IdField("outreach:arena_meeting", field, FORM, coordinator, lambda w: {"meeting_id": w.arena_meeting.pk},
              lambda w: {"action": "decision", "patient": w.patient.pk, "text": "Avklare", "due_on": TODAY,
                         "organisation": w.personas.gp_office.pk, "submission_id": sid()}, other, form="DecisionForm")
      for field, other in [("patient", lambda w: w.q.patient.pk),
                           ("organisation", lambda w: w.personas.other_clinic.pk)]],
    IdField("outreach:arena", "participants", FORM, coordinator, lambda w: {"arena_id": w.arena.pk},
            lambda w: {"action": "edit", "name": "Arena", "every_weeks": 4, "place": "Rådhuset",
                       "submission_id": sid()}, lambda w: uuid.uuid4(), form="ArenaForm"),
    IdField("outreach:arenas", "participants", FORM, coordinator,
            body=lambda w: {"name": "Ny arena", "every_weeks": 4, "place": "Rådhuset", "submission_id": sid()},
            other=lambda w: uuid.uuid4(), form="ArenaForm"),
    # The leader's review of emergency accesses (another clinic's is not theirs).
    IdField("reports:emergency", "access", HELPER, _leader, other=lambda w: w.emergency_access.pk),
    # The patient's own pages.
    IdField("portal:sharing", "withdraw", HELPER, me, other=lambda w: w.q.sharing_consent.pk),
    IdField("portal:sharing", "grantee", FORM, me, body=lambda w: {"categories": ["work"], "valid_from": TODAY},
            other=lambda w: w.personas.other_clinic.pk, form="SharingConsentForm"),
    IdField("portal:relatives", "withdraw", HELPER, me, other=lambda w: w.q.relative_consent.pk),
    IdField("portal:privacy", "lift", HELPER, me, other=lambda w: w.q.block.pk),
    IdField("portal:privacy", "person", HELPER, me, other=lambda w: w.personas.outsider.pk, empty=302),
    IdField("portal:privacy", "organisation", HELPER, me, other=lambda w: w.personas.other_clinic.pk, empty=302),
    IdField("portal:training", "measure", HELPER, me,
            body=lambda w: {"done_on": TODAY, "what": "Gikk", "how_it_felt": "Bra", "pain_before": 3, "pain_after": 2,
                            "submission_id": sid()}, other=lambda w: w.q.training_measure.pk),
    IdField("portal:offers", "recommendation", HELPER, me, body=lambda w: {"status": "interested"},
            other=lambda w: w.q.recommendation.pk),
    IdField("portal:plan", "version", NUMBER, me, body=lambda w: {"action": "agree"}),
    IdField("messaging:write", "contact_person", FORM, me, body=lambda w: {"text": "Hei", "submission_id": sid()},
            other=lambda w: w.personas.outsider.pk, form="WriteForm"),
    # Referrals.
    IdField("referrals:new", "consultation", HELPER, lambda w: w.personas.gp, patient_id,
            other=lambda w: w.q.consultation.pk, method="GET"),
    IdField("referrals:new", "clinic", FORM, lambda w: w.personas.gp, patient_id, _referral_body,
            lambda w: w.personas.gp_office.pk, form="ReferralForm"),
    IdField("referrals:ask_consultation", "clinic", FORM, lambda w: w.personas.gp, patient_id,
            lambda w: {"question": "Henvise?", "submission_id": sid()}, lambda w: w.personas.gp_office.pk,
            form="ConsultationForm"),
    IdField("referrals:decide", "contact_person", FORM, physician, lambda w: {"referral_id": w.p.referral.pk},
            lambda w: {"decision": "include"}, lambda w: w.personas.gp.pk, form="DecisionForm"),
]


@pytest.fixture
def world(personas):
    from samforlop.outreach import actions as outreach
    from tests.conftest import make_org

    with time_machine.travel(NOW, tick=False):
        w = build_world(personas)
        # Another patient's consent to another arena, and an arena of another municipality.
        elsewhere = make_org("municipal_service", "Koordinerende enhet Annensted", 91_001_000, municipality="0301")
        elsewhere.service = "coordinating_unit"
        elsewhere.save()
        from tests.conftest import make_user

        their_coordinator = make_user("coordinator-elsewhere", elsewhere, "coordinator")
        w.q.arena_elsewhere = outreach.create_arena(organisation=elsewhere, name="Arena Annensted", every_weeks=4,
                                                    participants=[personas.other_clinic], actor=their_coordinator, now=NOW,
                                                    submission_id=sid())
        second = outreach.create_arena(organisation=personas.coordinating_unit, name="Arena to", every_weeks=4,
                                       participants=[personas.gp_office], actor=personas.municipal_coordinator, now=NOW,
                                       submission_id=sid())
        w.q.consent_elsewhere = outreach.give_arena_consent(patient=w.q.patient, arena=second, how="portal",
                                                            actor=w.q.me, now=NOW)
        yield w


def _post(asker, entry, w, value):
    url = reverse(entry.url, kwargs={k: str(v) for k, v in entry.kwargs(w).items()})
    if entry.method == "GET":
        return asker("GET", f"{url}?{entry.field}={value}", inspect=snapshot)
    return asker("POST", url, {**entry.body(w), entry.field: value}, inspect=snapshot)


def _label(entry):
    return f"{entry.method} {entry.url} {entry.field}"


def test_malformed_and_foreign_ids_answer_400_or_404_never_500_and_store_nothing(world):
    w = world
    problems = []
    with time_machine.travel(NOW, tick=False):
        askers = {}
        for entry in ID_FIELDS:
            user = entry.who(w)
            if user.pk not in askers:
                askers[user.pk] = Asker(user=user)
        baseline = snapshot()
        for entry in ID_FIELDS:
            asker = askers[entry.who(w).pk]
            cases = [(value, entry.empty if value == "" else 400) for value in MALFORMED]
            if entry.other is not None:
                cases.append((str(entry.other(w)), 404 if entry.kind == HELPER else 400))
            for value, expected in cases:
                response, after = _post(asker, entry, w, value)
                if response.status_code != expected:
                    problems.append(f"{_label(entry)}={value!r}: {response.status_code}, expected {expected}")
                if expected in (400, 404) and after != baseline:  # (an optional field left empty is a save)
                    problems.append(f"{_label(entry)}={value!r}: stored something in {changed_tables(baseline, after)}")
    assert not problems, "\n".join(problems)


def test_the_400_page_is_plain_and_norwegian_and_never_shows_the_value(world, client):
    w = world
    with time_machine.travel(NOW, tick=False):
        response, _ = Asker(user=w.p.me)("POST", reverse("portal:sharing"), {"withdraw": "<b>abc-kari</b>"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ugyldig forespørsel" in html and "abc-kari" not in html


# --- The table is the code's: nothing that carries an id is missing from it ------------------------

VIEW_SOURCES = sorted(Path(settings.BASE_DIR, "samforlop").glob("*/*.py"))
# Form and query-string values read as they are: none of them is an id.
NOT_IDS = {"action", "language", "note", "answer", "page", "months", "slots", "limit", "period", "format", "next", "username",
           "state", "code", "error", "iss", "identifier", "year", "_format", "version",
           "_count"}  # (_count: FHIR paging, fhir.api.number_param)


def test_every_id_the_views_parse_is_in_the_table():
    """Every `ids.…(request, "field")` in the views is a field of ID_FIELDS (by name), and no view
    reads an id from a form or a query string without the helper."""
    parsed, raw = set(), set()
    for path in VIEW_SOURCES:
        text = path.read_text(encoding="utf-8")
        here = set(re.findall(r'ids\.(?:posted_object|posted_id|query_id)\(\s*request,\s*"(\w+)"', text))
        here |= set(re.findall(r'ids\.object_or_404\([^)]*?request\.(?:GET|POST)\["(\w+)"\]', text, re.S))
        here |= set(re.findall(r'ids\.parse_int\(request\.(?:GET|POST)\.get\("(\w+)"\)', text))
        parsed |= here
        for line in text.splitlines():
            if "ids." in line:
                continue
            # (which form was sent may be told by the field's presence; its value is parsed with ids)
            raw |= set(re.findall(r'request\.(?:POST|GET)(?:\.get\(|\.getlist\(|\[)"(\w+)"', line)) - here
    fields = {e.field for e in ID_FIELDS}
    assert parsed - fields == set(), f"add these parsed ids to ID_FIELDS in tests/test_ids.py: {parsed - fields}"
    unparsed = raw - NOT_IDS - {e.field for e in ID_FIELDS if e.kind == NUMBER}
    assert unparsed == set(), (f"read from a form or query string without samforlop.core.ids: {unparsed} "
                               "(parse ids with ids.posted_object / posted_id / query_id; if it is not an id, "
                               "add it to NOT_IDS)")


def _form_classes():
    for path in sorted(Path(settings.BASE_DIR, "samforlop").glob("*/forms.py")):
        module = importlib.import_module(f"samforlop.{path.parent.name}.forms")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                yield value


# Fields whose choices are ids though their type does not say so (filled in __init__).
ID_CHOICE_FIELDS = {("HoldForm", "attended"), ("SharingConsentForm", "grantee"), ("CorrectionForm", "event")}


def test_every_form_field_that_carries_an_id_is_in_the_table():
    carrying = set()
    for form in _form_classes():
        for name, field in form.base_fields.items():
            if isinstance(field, (forms.ModelChoiceField, forms.ModelMultipleChoiceField)) or (
                    isinstance(field, forms.UUIDField) and not isinstance(field, SubmissionIdField)):
                carrying.add((form.__name__, name))
    carrying |= ID_CHOICE_FIELDS
    covered = {(e.form, e.field) for e in ID_FIELDS if e.form}
    missing = carrying - covered
    assert not missing, ("These form fields carry an id: add each to ID_FIELDS in tests/test_ids.py (the page it "
                         f"is posted to, who posts it, form=<the form class>): {sorted(missing)}")


def test_every_id_a_template_puts_in_a_form_is_in_the_table():
    """Hidden inputs, buttons and selects whose value is a row's pk."""
    names = set()
    for path in Path(settings.BASE_DIR, "samforlop").glob("**/templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        names |= set(re.findall(r'name="(\w+)"[^>]*value="\{\{\s*[\w.]*\.pk\s*\}\}"', text))
        for select in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', text, re.S):
            if re.search(r'value="\{\{\s*[\w.]*\.pk\s*\}\}"', select[1]):
                names.add(select[0])
    missing = names - {e.field for e in ID_FIELDS}
    assert not missing, f"templates post these ids: add each to ID_FIELDS in tests/test_ids.py: {sorted(missing)}"
