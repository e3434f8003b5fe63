"""The clinic's worklist: active pathways by next deadline, badges, filters, paging, guarded."""

import datetime as dt

import pytest
import time_machine
from django.test.utils import CaptureQueriesContext
from django.db import connection

from samforlop.audit.models import AccessLog
from samforlop.patients.actions import add_care_team_member, end_care_team_membership
from samforlop.patients.models import OVERVIEW, CareTeamMember
from samforlop.accounts.models import Organisation
from samforlop.pathways import actions
from tests.conftest import make_org, new_patient, register, start

D = dt.date
TODAY = D(2026, 11, 23)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)):
        yield


def patient_on_team(personas, family, *, contact=None, clinic=True, gp=False):
    patient = new_patient(family=family, gp=personas.gp)
    if clinic:
        add_care_team_member(patient=patient, organisation=personas.clinic,
                             role=CareTeamMember.Role.SPECIALIST_CLINIC, person=contact,
                             is_contact_person=contact is not None, valid_from=D(2026, 1, 1),
                             now=dt.datetime.now(dt.UTC))
    if gp:
        add_care_team_member(patient=patient, organisation=personas.gp_office, role=CareTeamMember.Role.GP,
                             valid_from=D(2026, 1, 1), now=dt.datetime.now(dt.UTC))
    return patient


def rows(response):
    return [p.patient.family_name for p in response.context["rows"]]


@pytest.fixture
def three(personas):
    """Breached (started 100 days ago), at risk (75 days ago), running (10 days ago)."""
    breached = start(personas, TODAY - dt.timedelta(days=100), patient=patient_on_team(personas, "Breached"))
    at_risk = start(personas, TODAY - dt.timedelta(days=75),
                    patient=patient_on_team(personas, "AtRisk", contact=personas.clinic_nurse))
    running = start(personas, TODAY - dt.timedelta(days=10), patient=patient_on_team(personas, "Running"))
    ended = start(personas, TODAY - dt.timedelta(days=10), patient=patient_on_team(personas, "Ended"))
    register(personas, ended, "pathway_end", TODAY, outcome="not_included")
    return breached, at_risk, running


def test_worklist_orders_by_next_deadline_with_badges(personas, three, login, english):
    response = login(personas.clinic_physician).get("/worklist/")
    assert response.status_code == 200
    assert rows(response) == ["Breached", "AtRisk", "Running"]  # the ended pathway is not on it
    html = response.content.decode()
    assert "Breached by 16 days" in html
    assert "At risk: 9 days left" in html
    assert "74 days left" in html


@pytest.mark.parametrize("status, expected", [
    ("breached", ["Breached"]), ("at_risk", ["AtRisk"]), ("running", ["Running"]),
])
def test_worklist_filters_by_deadline_status(personas, three, login, status, expected):
    response = login(personas.clinic_physician).get("/worklist/", {"status": status})
    assert rows(response) == expected


def test_worklist_filters_by_phase_and_contact_person(personas, three, login):
    breached, _, _ = three
    register(personas, breached, "assessment_start", TODAY)
    client = login(personas.clinic_physician)
    assert rows(client.get("/worklist/", {"phase": "mapping_and_assessment"})) == ["Breached"]
    assert rows(client.get("/worklist/", {"contact": str(personas.clinic_nurse.pk)})) == ["AtRisk"]


def test_worklist_shows_only_patients_the_user_may_see(personas, three, login):
    # The other clinic sees none of these; a patient whose clinic membership ended drops off.
    assert rows(login(personas.outsider).get("/worklist/")) == []
    gone = start(personas, D(2026, 11, 1), patient=patient_on_team(personas, "Gone"))
    for member in CareTeamMember.objects.filter(patient=gone.patient):
        end_care_team_membership(member=member, valid_to=D(2026, 11, 22), actor=None, now=dt.datetime.now(dt.UTC))
    assert "Gone" not in rows(login(personas.clinic_physician).get("/worklist/"))


def test_worklist_reads_are_access_logged_per_patient(personas, three, login):
    login(personas.clinic_physician).get("/worklist/")
    logged = AccessLog.objects.filter(user=personas.clinic_physician, what="worklist")
    assert sorted(e.patient.family_name for e in logged) == ["AtRisk", "Breached", "Running"]


def test_worklist_pages(personas, login, settings):
    settings.WORKLIST_PAGE_SIZE = 2
    for i in range(5):
        start(personas, TODAY - dt.timedelta(days=i), patient=patient_on_team(personas, f"P{i}"))
    client = login(personas.clinic_physician)
    first = client.get("/worklist/")
    assert rows(first) == ["P4", "P3"] and first.context["has_next"] and not first.context["has_previous"]
    assert rows(client.get("/worklist/", {"page": 3})) == ["P0"]


def test_worklist_query_count_does_not_grow_with_rows(personas, login, settings):
    client = login(personas.clinic_physician)
    client.get("/healthz")  # the first request after log-in starts the session clock (one write)
    start(personas, TODAY, patient=patient_on_team(personas, "One"))
    with CaptureQueriesContext(connection) as one:
        client.get("/worklist/")
    for i in range(10):
        start(personas, TODAY, patient=patient_on_team(personas, f"More{i}", contact=personas.clinic_nurse))
    with CaptureQueriesContext(connection) as eleven:
        client.get("/worklist/")
    assert len(eleven) == len(one)


def test_worklist_uses_its_index_on_sqlite(personas):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite query plan")
    from samforlop.pathways.models import Pathway

    qs = (Pathway.objects.visible_to(personas.clinic_physician, TODAY, OVERVIEW)
          .filter(status="active", clinic=personas.clinic, next_deadline__isnull=False)
          .order_by("next_deadline", "pk")[:51])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        sql, params = qs.query.sql_with_params()
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " | ".join(row[-1] for row in cursor.fetchall())
    assert "pathway_worklist" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # the index gives the order: a page stops after its rows


def test_bad_filter_value_is_named_not_ignored(personas, three, login, english):
    response = login(personas.clinic_physician).get("/worklist/", {"status": "soon"})
    assert "Status: Select a valid choice. soon is not one of the available choices." in response.content.decode()


def test_worklist_query_count(personas, three, login, django_assert_num_queries):
    client = login(personas.clinic_physician)
    client.get("/healthz")  # the first request after log-in starts the session clock (one write)
    # session, user, the user's organisation, staff for the contact filter, one page of pathways
    # with their patients (and, as the page is not full, those without a deadline), the contact
    # persons, one access-log insert for the page with its chain head read and moved on; the open
    # tasks and the answered-in-time share
    with django_assert_num_queries(12):
        assert client.get("/worklist/").status_code == 200


def test_pathways_without_a_deadline_come_last_on_every_database(personas, login, settings):
    revma = make_org(Organisation.Kind.RHEUMATOLOGY, "Revmatologen", 91_000_500)
    settings.WORKLIST_PAGE_SIZE = 2
    for i, days_ago in enumerate([5, 50, 30]):
        start(personas, TODAY - dt.timedelta(days=days_ago), patient=patient_on_team(personas, f"Pain{i}", gp=True))
    for i in range(2):
        # The rheumatology stub has no time limits, so no deadline.
        actions.start_pathway(patient=patient_on_team(personas, f"Revma{i}", clinic=False, gp=True), clinic=revma,
                              type="revma", date=TODAY, actor=None, now=dt.datetime.now(dt.UTC))
    client = login(personas.gp)  # a GP sees pathways at every clinic
    pages = [rows(client.get("/worklist/", {"page": n})) for n in (1, 2, 3, 4)]
    assert pages[0] == ["Pain1", "Pain2"]
    assert pages[1][0] == "Pain0" and pages[1][1].startswith("Revma")
    assert len(pages[2]) == 1 and pages[2][0].startswith("Revma")
    assert pages[3] == []
