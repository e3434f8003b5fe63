"""The pathway-time report: shares, medians and percentiles exactly right on hand-built pathways;
drill-down lists only patients the user may see; the registry export is byte-identical on a re-run."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from samforlop.accounts.models import User
from samforlop.pathways import actions
from samforlop.patients.actions import end_care_team_membership
from samforlop.patients.models import CareTeamMember
from samforlop.reports import pathway_times
from tests.conftest import new_patient, register, start

D = dt.date
NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def leader(personas):
    return User.objects.create(username="leader", organisation=personas.clinic, role="leader", first_name="Lea")


def waited(personas, days, assessed_on, family):
    patient = new_patient(family=family)
    pathway = start(personas, assessed_on - dt.timedelta(days=days), patient=patient)
    register(personas, pathway, "assessment_start", assessed_on)
    return pathway


@pytest.fixture
def hand_built(personas):
    """October: 10, 84, 84 (ties), 85, 120 days; one voided; one not included. November: 30, 40."""
    for days, family in [(10, "A"), (84, "B"), (84, "C"), (85, "D"), (120, "E")]:
        waited(personas, days, D(2026, 10, 15), family)
    voided = waited(personas, 5, D(2026, 10, 20), "Voided")
    event = voided.events.get(key="assessment_start")
    actions.correct_event(pathway=voided, voids=event, reason="Feilregistrert", actor=None, now=NOW)
    not_included = start(personas, D(2026, 10, 1), patient=new_patient(family="NotIncluded"))
    register(personas, not_included, "pathway_end", D(2026, 10, 2), outcome="not_included")
    for days, family in [(30, "F"), (40, "G")]:
        waited(personas, days, D(2026, 11, 10), family)


def first_limit(personas, granularity="month"):
    report = pathway_times.build(clinic_ids=[personas.clinic.pk], type="smerte", date_from=D(2026, 1, 1),
                                 date_to=D(2026, 11, 30), granularity=granularity, today=D(2026, 11, 23))
    return report, report.limits[0]


def test_shares_medians_and_percentiles_are_exact(personas, hand_built):
    report, limit = first_limit(personas)
    october, november = limit.cells
    assert (october.period, october.count, october.within) == ("2026-10", 5, 3)  # 84 is within, 85 is not
    assert october.share == 0.6 and october.median_days == 84 and october.p80_days == 85
    assert (november.count, november.within, november.median_days, november.p80_days) == (2, 2, 35, 40)
    assert november.trend == 40.0  # percentage points up from October
    assert (limit.total.count, limit.total.within) == (7, 5)
    # The voided and the not-included pathways are not measured; the voided one is running again.
    assert report.running_breached + report.running_at_risk >= 0
    _report, by_quarter = first_limit(personas, "quarter")
    assert [(c.period, c.count) for c in by_quarter.cells] == [("2026-Q4", 7)]


def test_the_report_page_shows_plots_and_table(personas, hand_built, leader, login):
    html = login(leader).get("/reports/", {"date_from": "2026-01-01", "date_to": "2026-11-30", "granularity": "month",
                                           "scope": "clinic", "type": "smerte"}).content.decode()
    assert "<svg" in html and 'data-period="2026-10"' in html
    import re
    # SVG numbers are never localized (Norwegian writes a decimal comma).
    assert re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="[\d.]+"', html)
    assert not re.findall(r'(?:x|y|width|height)="\d+,\d', html)
    assert '<td data-figure="median">84</td>' in html and '<td data-figure="p80">85</td>' in html


def test_only_leaders_and_coordinators_see_reports(personas, login):
    assert login(personas.clinic_physician).get("/reports/").status_code == 403
    assert login(personas.gp).get("/reports/").status_code == 403


def test_the_drill_down_lists_only_patients_the_user_may_see(personas, hand_built, leader, login):
    from samforlop.patients.models import Patient

    hidden = Patient.objects.get(family_name="B")
    for member in CareTeamMember.objects.filter(patient=hidden, organisation=personas.clinic):
        end_care_team_membership(member=member, valid_to=D(2026, 11, 1), actor=None, now=NOW)
    html = login(leader).get("/reports/drilldown/", {
        "date_from": "2026-01-01", "date_to": "2026-11-30", "granularity": "month", "scope": "clinic",
        "type": "smerte", "limit": "referral_to_assessment", "period": "2026-10"}).content.decode()
    assert "A Testesen" not in html  # names are "Kari <family>"
    assert "Kari A" in html and "Kari C" in html
    assert "Kari B" not in html and 'data-hidden="1"' in html


def test_the_registry_export_is_byte_identical_on_a_re_run(personas, hand_built, tmp_path):
    paths = [tmp_path / "one.csv", tmp_path / "two.csv"]
    for path in paths:
        call_command("export_registry", "--from", "2026-01-01", "--to", "2026-12-31", "--output", str(path),
                     stdout=io.StringIO())
    first = paths[0].read_bytes()
    assert first == paths[1].read_bytes()
    from samforlop.audit.models import AccessLog

    assert AccessLog.objects.filter(what="registry_export_command").exists()
    text = first.decode()
    assert text.startswith("pathway_id,pathway_type_code,event,event_code,outcome_code,date,clinic_orgnr,patient_national_id")
    assert ",SM30," in text and ",SM94," in text  # assessment start, and the not-included outcome
    voided = [line for line in text.splitlines() if "2026-10-20" in line]
    assert voided == []  # the voided assessment start is not reported
    json_out = io.StringIO()
    call_command("export_registry", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json", stdout=json_out)
    assert '"event_code": "SM30"' in json_out.getvalue()


def test_the_registry_export_from_the_page_is_for_leaders_only(personas, hand_built, leader, login):
    params = {"date_from": "2026-01-01", "date_to": "2026-11-30", "granularity": "month", "scope": "clinic",
              "type": "smerte"}
    assert login(personas.clinic_nurse).get("/reports/registry/", params).status_code == 403
    response = login(leader).get("/reports/registry/", params)
    assert response.status_code == 200 and b"patient_national_id" in response.content
    from samforlop.audit.models import AccessLog, AuditEntry

    assert AuditEntry.objects.filter(action="registry_exported").exists()
    assert AccessLog.objects.filter(user=leader, what="registry_export").exists()


def test_the_research_export_has_no_identity_number_no_name_and_no_cell_under_5(personas, hand_built, tmp_path, monkeypatch):
    import csv as csv_module

    from samforlop.patients.models import Patient

    monkeypatch.setenv("SAMFORLOP_RESEARCH_KEY", "a-key-kept-outside-the-database")
    call_command("export_research", "--from", "2020-01-01", "--to", "2026-12-31", "--output", str(tmp_path),
                 stdout=io.StringIO())
    text = (tmp_path / "data.csv").read_text()
    assert "patient_key" in (tmp_path / "README.txt").read_text()
    for patient in Patient.objects.all():
        assert patient.national_id not in text and patient.family_name not in text.replace("patient_key", "")
    rows = list(csv_module.DictReader(io.StringIO(text)))
    assert len(rows) == pathway_count()
    cells = {}
    for row in rows:
        if row["age_band"] != "*":
            cells.setdefault((row["age_band"], row["county"]), set()).add(row["patient_key"])
    assert all(len(keys) >= 5 for keys in cells.values())


def pathway_count():
    from samforlop.pathways.models import Pathway

    return Pathway.objects.count()


def test_suppression_blanks_small_combinations():
    from samforlop.reports.research import suppress_small_cells

    rows = [{"patient_key": f"p{i}", "age_band": "40-49", "county": "46"} for i in range(5)]
    rows += [{"patient_key": "q", "age_band": "80-89", "county": "03"}]
    out = suppress_small_cells(rows)
    assert [r["age_band"] for r in out] == ["40-49"] * 5 + ["*"]


def test_the_research_export_needs_a_key_outside_the_database(tmp_path, monkeypatch, db):
    from django.core.management import CommandError

    monkeypatch.delenv("SAMFORLOP_RESEARCH_KEY", raising=False)
    with pytest.raises(CommandError, match="SAMFORLOP_RESEARCH_KEY"):
        call_command("export_research", "--from", "2020-01-01", "--to", "2026-12-31", "--output", str(tmp_path))


@pytest.mark.parametrize("queue, inflow", [((10, 50, 90, 100), 3.0), ((), 5.0), (tuple(range(0, 200, 7)), 4.0)])
def test_more_assessment_slots_never_predict_a_worse_share(queue, inflow):
    from samforlop.reports.capacity import Inputs, simulate

    inputs = Inputs(queue_waited_days=queue, inflow_per_week=inflow, slots_per_week=3.0)
    shares = [simulate(inputs, slots, runs=30).share_within for slots in (1.0, 2.0, 3.0, 4.0, 6.0)]
    assert shares == sorted(shares)
    assert shares[-1] > shares[0]


def test_the_what_if_runs_from_the_clinics_own_data(personas, hand_built):
    from samforlop.reports.capacity import back_test, inputs_from_data, simulate

    inputs = inputs_from_data(personas.clinic, "smerte", D(2026, 11, 23))
    assert inputs.slots_per_week == pytest.approx(7 / 52)  # seven assessment starts in 12 months
    assert simulate(inputs, runs=10).runs == 10
    outcome, actual = back_test(personas.clinic, "smerte", D(2026, 11, 23), runs=10)
    assert actual == pytest.approx(5 / 7)


def test_the_report_page_shows_the_what_if(personas, hand_built, leader, login):
    html = login(leader).get("/reports/", {"date_from": "2026-01-01", "date_to": "2026-11-30", "granularity": "month",
                                           "scope": "clinic", "type": "smerte", "slots": "3"}).content.decode()
    assert "data-what-if" in html and 'data-scenario="changed"' in html


def test_median_and_percentile_from_histograms_equal_the_plain_ones():
    import statistics

    from hypothesis import given
    from hypothesis import strategies as st

    from samforlop.pathways.timeframes import percentile_nearest_rank
    from samforlop.reports.pathway_times import _median_from_histogram, _percentile_from_histogram

    @given(st.lists(st.integers(0, 400), min_size=1, max_size=200))
    def check(values):
        histogram = sorted({v: values.count(v) for v in values}.items())
        assert _median_from_histogram(histogram) == statistics.median(values)
        assert _percentile_from_histogram(histogram, 80) == percentile_nearest_rank(values, 80)

    check()


def test_the_report_query_reads_only_the_covering_index_on_sqlite(personas, hand_built):
    from django.db import connection
    from django.db.models import CharField, Count
    from django.db.models.functions import Cast, Substr

    from samforlop.pathways.models import PathwayTime

    if connection.vendor != "sqlite":
        pytest.skip("SQLite query plan")
    qs = (PathwayTime.objects.filter(clinic_id__in=[personas.clinic.pk], type="smerte", reached_on__gte=D(2026, 1, 1),
                                     reached_on__lte=D(2026, 12, 31))
          .annotate(month=Substr(Cast("reached_on", output_field=CharField()), 1, 7))
          .values_list("limit", "month", "elapsed_days").annotate(n=Count("elapsed_days")).order_by())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        sql, params = qs.query.sql_with_params()
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " | ".join(row[-1] for row in cursor.fetchall())
    assert "COVERING INDEX pathway_time_report" in plan, plan
