"""Issue 19, point 4: user organisations (peer contacts, self-help groups) are not health personnel.
On a care team they see only what the patient consents to share with them — the same consent as
for NAV and relatives — and they never write clinical data."""

import pytest
import time_machine
from django.urls import reverse

from samforlop.patients.models import Category, needs_consent
from tests.guard_world import NOW, TODAY, build_world, sid
from tests.test_view_categories import Asker


@pytest.fixture
def world(personas):
    with time_machine.travel(NOW, tick=False):
        yield build_world(personas)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def share_plan(w):
    from samforlop.patients.actions import grant_consent

    grant_consent(patient=w.patient, categories=[Category.PLAN_AND_MEETINGS], valid_from=TODAY,
                  organisation=w.user_org, actor=w.p.me, now=NOW)


def test_a_user_organisation_needs_consent_like_nav(world):
    assert needs_consent(world.user_org_user)
    assert needs_consent(world.nav_work) and not needs_consent(world.personas.physiotherapist)


def test_without_consent_a_user_organisation_on_the_care_team_gets_404_on_the_plan(world):
    w = world
    page = Asker(user=w.user_org_user)
    for name in ("careplan:plan", "careplan:print", "patients:detail", "checkins:patient", "work:patient"):
        assert page("GET", reverse(name, args=[w.patient.pk]))[0].status_code == 404, name
    api = Asker(token=w.tokens["user_org"])
    assert api("GET", f"/fhir/CarePlan/{w.p.plan.pk}")[0].status_code == 404
    assert api("GET", f"/fhir/Goal/{w.p.goal.pk}")[0].status_code == 404
    found = api("GET", f"/fhir/CarePlan?patient={w.patient.pk}")[0].json()
    assert found["total"] == 0 and not found.get("entry")


def test_with_consent_to_the_plan_it_reads_the_plan_without_its_clinical_parts(world):
    w = world
    share_plan(w)
    page = Asker(user=w.user_org_user)
    response = page("GET", reverse("careplan:plan", args=[w.patient.pk]))[0]
    assert response.status_code == 200
    html = response.content.decode()
    assert "Gå tur med hunden" in html  # the goal, in the patient's words
    assert 'name="needs"' not in html and "goal_edit" not in html  # neither the goals' needs nor their forms
    assert f'value="{w.p.measure.pk}"' not in html  # nor a form for the physiotherapist's measure
    assert page("GET", reverse("patients:detail", args=[w.patient.pk]))[0].status_code == 200  # the overview
    for name in ("checkins:patient", "work:patient", "offers:for_patient"):  # other categories, clinical pages
        assert page("GET", reverse(name, args=[w.patient.pk]))[0].status_code == 404, name

    api = Asker(token=w.tokens["user_org"])
    plan = api("GET", f"/fhir/CarePlan/{w.p.plan.pk}")[0]
    assert plan.status_code == 200 and plan.json()["id"] == str(w.p.plan.pk)
    goal = api("GET", f"/fhir/Goal/{w.p.goal.pk}")[0].json()
    assert goal["description"]["text"] == "Gå tur med hunden" and "category" not in goal  # no needs
    clinic = Asker(token=w.tokens["clinic"])
    assert clinic("GET", f"/fhir/Goal/{w.p.goal.pk}")[0].json()["category"]  # health personnel see them


def test_it_writes_no_referrals_and_no_clinical_parts_of_the_plan(world):
    w = world
    share_plan(w)
    page = Asker(user=w.user_org_user)
    assert page("GET", reverse("referrals:new", args=[w.patient.pk]))[0].status_code == 404
    assert page("GET", reverse("referrals:ask_consultation", args=[w.patient.pk]))[0].status_code == 404
    goal = page("POST", reverse("careplan:change", args=[w.patient.pk, "goal"]),
                {"text": "Bli med i gruppa", "needs": ["peer_support"], "submission_id": sid()})[0]
    assert goal.status_code == 403
    comment = page("POST", reverse("careplan:change", args=[w.patient.pk, "comment"]),
                   {"text": "Velkommen til gruppa", "submission_id": sid()})[0]
    assert comment.status_code == 302  # commenting is what consent to the plan allows


def test_no_emergency_access_for_a_user_organisation_whatever_the_role(world):
    from django.core.exceptions import ValidationError

    from samforlop.accounts.models import User
    from samforlop.patients.actions import grant_emergency_access
    from tests.conftest import make_user

    physician = make_user("peer-doctor", world.user_org, User.Role.PHYSICIAN)
    with pytest.raises(ValidationError):
        grant_emergency_access(patient=world.q.patient, reason="Trenger å se journalen nå", actor=physician, now=NOW)


def test_the_patient_shares_with_a_user_organisation_on_their_care_team_on_my_sharing(world):
    w = world
    me = Asker(user=w.p.me)
    page = me("GET", reverse("portal:sharing"))[0].content.decode()
    assert w.user_org.name in page
    response = me("POST", reverse("portal:sharing"), {
        "grantee": str(w.user_org.pk), "categories": [Category.PLAN_AND_MEETINGS], "valid_from": TODAY})[0]
    assert response.status_code == 302
    # (the Asker undoes each request; as a named operation it is kept)
    share_plan(w)
    assert Asker(user=w.user_org_user)("GET", reverse("careplan:plan", args=[w.patient.pk]))[0].status_code == 200
