"""The individual plan: goals and measures, versions, concurrent edits, the patient's agreement,
the print view, and "my measures"."""

import datetime as dt
import uuid

import pytest
import time_machine

from samforlop.accounts.models import User
from samforlop.careplan import actions
from samforlop.careplan.models import Measure, PlanVersion
from samforlop.patients.actions import add_care_team_member
from samforlop.patients.models import CareTeamMember

D = dt.date
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def measure(personas, owner=None, organisation=None, **kw):
    return actions.add_measure(patient=personas.patient, title=kw.pop("title", "Fysioterapi i gruppe"),
                               organisation=organisation or personas.physio_service,
                               person=owner if owner is not None else personas.physiotherapist,
                               due_on=kw.pop("due_on", D(2026, 12, 1)), actor=personas.clinic_nurse, now=NOW,
                               submission_id=uuid.uuid4(), **kw)


def test_the_physiotherapist_sees_their_measure_in_my_measures(personas, login):
    m = measure(personas)
    html = login(personas.physiotherapist).get("/measures/").content.decode()
    assert f'data-measure="{m.pk}"' in html and personas.patient.full_name in html
    assert f'data-measure="{m.pk}"' not in login(personas.gp).get("/measures/").content.decode()
    assert f'data-measure="{m.pk}"' not in login(personas.outsider).get("/measures/").content.decode()


def test_my_measures_puts_overdue_and_due_soon_first(personas, login):
    later = measure(personas, title="Senere", due_on=D(2027, 3, 1))
    overdue = measure(personas, title="Forfalt", due_on=D(2026, 11, 1))
    undated = measure(personas, title="Uten dato", due_on=None)
    rows = login(personas.physiotherapist).get("/measures/").context["mine"]
    assert [m.pk for m in rows] == [overdue.pk, later.pk, undated.pk]
    assert rows[0].due_state == "breached"


def test_a_measure_owner_must_be_on_the_care_team(personas, english):
    with pytest.raises(actions.PlanError) as e:
        measure(personas, owner=personas.nav_officer, organisation=personas.nav_office)
    assert "not on the patient's care team" in str(e.value.message_dict["organisation"])
    add_care_team_member(patient=personas.patient, organisation=personas.nav_office, role=CareTeamMember.Role.NAV,
                         valid_from=D(2026, 1, 1), now=NOW)
    assert measure(personas, owner=personas.nav_officer, organisation=personas.nav_office).person == personas.nav_officer


def test_concurrent_edits_do_not_lose_either_change_silently(personas, login, english):
    m = measure(personas)
    first, second = login(personas.physiotherapist), None
    url = f"/patients/{personas.patient.pk}/plan/measure_edit/"
    form = {"measure": str(m.pk), "revision": "1", "due_on": "2026-12-01", "start_on": ""}
    assert first.post(url, {**form, "status": "in_progress"}).status_code == 302
    from django.test import Client

    second = Client()
    second.force_login(personas.clinic_nurse)
    second.cookies["django_language"] = "en"
    response = second.post(url, {**form, "status": "done"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Someone else changed this measure after you opened it" in html
    assert "Ola Fysio saved a change" in html
    m.refresh_from_db()
    assert m.status == "in_progress"  # the first change stands; the second editor was told


def test_version_history_names_who_changed_what(personas, login):
    actions.add_goal(patient=personas.patient, text="Gå til butikken selv", actor=personas.clinic_nurse, now=NOW,
                     submission_id=uuid.uuid4())
    m = measure(personas)
    actions.update_measure(measure=m, revision=1, status="stopped", stop_reason="Flyttet", actor=personas.physiotherapist,
                           now=NOW)
    versions = list(PlanVersion.objects.order_by("number").values_list("number", "by__username", "what"))
    assert [(n, who) for n, who, _ in versions] == [(1, "nurse"), (2, "nurse"), (3, "physio")]
    assert "Gå til butikken selv" in versions[0][2] and "Fysioterapi i gruppe" in versions[1][2]
    html = login(personas.gp).get(f"/patients/{personas.patient.pk}/plan/").content.decode()
    assert "Ola Fysio" in html and 'data-version="3"' in html
    assert PlanVersion.objects.get(number=3).snapshot["measures"][0]["status"] == "stopped"


def test_a_stopped_measure_needs_a_reason(personas, english):
    m = measure(personas)
    with pytest.raises(actions.PlanError) as e:
        actions.update_measure(measure=m, revision=1, status="stopped", actor=personas.physiotherapist, now=NOW)
    assert "Say why" in str(e.value.message_dict["stop_reason"])


def test_the_patient_reads_comments_on_and_agrees_to_the_plan(personas, login):
    actions.add_goal(patient=personas.patient, text="Sykle til jobben", actor=personas.clinic_nurse, now=NOW,
                     submission_id=uuid.uuid4())
    me = User.objects.create(username="kari", patient=personas.patient)
    client = login(me)
    assert "Sykle til jobben" in client.get("/my/plan/").content.decode()
    client.post("/my/plan/", {"action": "comment", "text": "Jeg vil heller gå", "submission_id": str(uuid.uuid4())})
    client.post("/my/plan/", {"action": "agree", "version": "1"})
    plan = personas.patient.plan
    plan.refresh_from_db()
    assert plan.patient_agrees_to_current and plan.comments.get().text == "Jeg vil heller gå"
    measure(personas)  # the plan changes: the agreement no longer covers it
    plan.refresh_from_db()
    assert not plan.patient_agrees_to_current
    assert client.post("/my/plan/", {"action": "agree", "version": "1"}).status_code == 400


def test_the_printed_plan_has_goals_measures_and_contact_persons(personas, login):
    actions.add_goal(patient=personas.patient, text="Sykle til jobben", reached_means="Tre dager i uka",
                     actor=personas.clinic_nurse, now=NOW, submission_id=uuid.uuid4())
    measure(personas)
    html = login(personas.physiotherapist).get(f"/patients/{personas.patient.pk}/plan/print/").content.decode()
    assert "Sykle til jobben" in html and "Tre dager i uka" in html
    assert "Fysioterapi i gruppe" in html and "Ola Fysio" in html
    assert "Mona Sykepleier" in html and "Anne Fastlege" in html  # contact persons
    assert html.count('class="plan-section"') == 3
    assert "<form" not in html  # a clean document


def test_the_plan_lives_on_after_the_pathway_ends(personas):
    from tests.conftest import register, start

    pathway = start(personas, D(2026, 9, 1))
    m = measure(personas)
    register(personas, pathway, "pathway_end", D(2026, 11, 1), outcome="other_reasons")
    assert Measure.objects.get(pk=m.pk).status == "planned"
    assert personas.patient.plan.measures.count() == 1
