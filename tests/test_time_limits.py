"""The three time limits of the pain pathway, computed exactly (calendar dates, Europe/Oslo)."""

import datetime as dt

import pytest
import time_machine

from samforlop.pathways.models import Pathway
from tests.conftest import register, start

D = dt.date
START = D(2026, 1, 5)


def limits(pathway, today):
    return {ls.limit.key: ls for ls in Pathway.objects.get(pk=pathway.pk).derive(today).limits}


@pytest.mark.parametrize("days, expected", [(84, "met"), (85, "breached"), (0, "met")])
def test_referral_to_assessment_limit_is_met_up_to_day_84(personas, days, expected):
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)):
        pathway = start(personas, START)
        register(personas, pathway, "assessment_start", START + dt.timedelta(days=days))
        state = limits(pathway, D(2026, 6, 1))["referral_to_assessment"]
    assert state.state == expected
    assert state.elapsed_days == days


@pytest.mark.parametrize("days, expected", [(84, "met"), (85, "breached")])
def test_assessment_time_limit_is_12_weeks(personas, days, expected):
    with time_machine.travel(dt.datetime(2026, 8, 1, 12, tzinfo=dt.UTC)):
        pathway = start(personas, START)
        register(personas, pathway, "assessment_start", START + dt.timedelta(days=10))
        register(personas, pathway, "summarizing_meeting", START + dt.timedelta(days=10 + days))
        state = limits(pathway, D(2026, 8, 1))["assessment_time"]
    assert (state.state, state.elapsed_days) == (expected, days)


@pytest.mark.parametrize("days, expected", [(182, "met"), (183, "breached")])
def test_summarizing_to_followup_limit_is_26_weeks_and_needs_the_followup_outcome(personas, days, expected):
    with time_machine.travel(dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)):
        pathway = start(personas, START)
        register(personas, pathway, "assessment_start", D(2026, 1, 20))
        register(personas, pathway, "summarizing_meeting", D(2026, 2, 20))
        register(personas, pathway, "pathway_end", D(2026, 2, 20) + dt.timedelta(days=days),
                 outcome="followup_meeting_held")
        state = limits(pathway, D(2027, 3, 1))["summarizing_to_followup"]
    assert (state.state, state.elapsed_days) == (expected, days)


def test_ending_another_way_does_not_meet_the_followup_limit(personas):
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)):
        pathway = start(personas, START)
        register(personas, pathway, "assessment_start", D(2026, 1, 20))
        register(personas, pathway, "summarizing_meeting", D(2026, 2, 20))
        register(personas, pathway, "pathway_end", D(2026, 3, 1), outcome="transferred")
        state = limits(pathway, D(2026, 6, 1))["summarizing_to_followup"]
    assert state.state == "not_measured"


@pytest.mark.parametrize("today, expected, days_left", [
    (START + dt.timedelta(days=69), "running", 15),
    (START + dt.timedelta(days=70), "at_risk", 14),
    (START + dt.timedelta(days=84), "at_risk", 0),
    (START + dt.timedelta(days=85), "breached", -1),
])
def test_running_limit_is_at_risk_with_14_days_or_less_left(personas, today, expected, days_left):
    with time_machine.travel(dt.datetime(2026, 1, 6, 12, tzinfo=dt.UTC)):
        pathway = start(personas, START)
    derived = Pathway.objects.get(pk=pathway.pk).derive(today)
    state = {ls.limit.key: ls for ls in derived.limits}
    assert state["referral_to_assessment"].state == expected
    assert state["referral_to_assessment"].days_left == days_left
    assert state["assessment_time"].state == "not_started"
    assert derived.next_milestone == "assessment_start"
    assert derived.next_deadline == START + dt.timedelta(days=84)
    assert derived.days_left(today) == days_left


def test_derived_columns_are_stored_with_the_event(personas):
    pathway = start(personas, D(2026, 1, 5))
    stored = Pathway.objects.get(pk=pathway.pk)
    assert (stored.status, stored.phase, stored.next_milestone, stored.next_deadline) == (
        "active", "referral_and_start", "assessment_start", D(2026, 3, 30))
    register(personas, pathway, "assessment_start", D(2026, 2, 1))
    stored.refresh_from_db()
    assert (stored.phase, stored.next_milestone, stored.next_deadline) == (
        "mapping_and_assessment", "summarizing_meeting", D(2026, 4, 26))


def test_limit_across_the_daylight_saving_change_counts_calendar_days(personas):
    # Summer time starts 29 March 2026 (a 23-hour day). 12 weeks from 5 January is 30 March,
    # on the far side of the change: still exactly 84 days.
    with time_machine.travel(dt.datetime(2026, 4, 15, 12, tzinfo=dt.UTC)):
        pathway = start(personas, START)
        register(personas, pathway, "assessment_start", D(2026, 3, 30))
        assert limits(pathway, D(2026, 4, 15))["referral_to_assessment"].state == "met"


def test_days_left_uses_the_oslo_date_not_the_utc_date(personas, login):
    with time_machine.travel(dt.datetime(2026, 1, 6, 12, tzinfo=dt.UTC)):
        pathway = start(personas, START)
    # 22:30 UTC on 29 March is 00:30 on 30 March in Oslo (after the change to summer time):
    # the deadline day itself, 0 days left.
    with time_machine.travel(dt.datetime(2026, 3, 29, 22, 30, tzinfo=dt.UTC)):
        response = login(personas.clinic_physician).get(f"/patients/{personas.patient.pk}/")
        assert Pathway.objects.get(pk=pathway.pk).derive().days_left(dt.date(2026, 3, 30)) == 0
    assert response.status_code == 200
    assert 'data-limit="referral_to_assessment" data-state="at_risk"' in response.content.decode()
    # One hour earlier it is still 29 March in Oslo (summer time, UTC+2).
    with time_machine.travel(dt.datetime(2026, 3, 29, 21, 30, tzinfo=dt.UTC)):
        from samforlop.core import clock
        assert clock.today() == D(2026, 3, 29)
    with time_machine.travel(dt.datetime(2026, 3, 29, 22, 30, tzinfo=dt.UTC)):
        from samforlop.core import clock
        assert clock.today() == D(2026, 3, 30)
