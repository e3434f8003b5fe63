"""Corrections are new events that void earlier ones; a voided event loses its effect."""

import datetime as dt

import pytest
import time_machine

from samforlop.pathways import actions
from samforlop.pathways.actions import PathwayError
from samforlop.pathways.models import Pathway, PathwayEvent
from tests.conftest import register, start

D = dt.date


@pytest.fixture(autouse=True)
def pinned(english):
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)):
        yield


def correct(personas, pathway, target, reason="Registered on the wrong patient", **kw):
    return actions.correct_event(pathway=pathway, voids=target, reason=reason, actor=personas.clinic_physician,
                                 now=dt.datetime.now(dt.UTC), **kw)


def test_voided_event_removes_its_effect(personas):
    pathway = start(personas, D(2026, 9, 1))
    assessment = register(personas, pathway, "assessment_start", D(2026, 10, 1))
    pathway.refresh_from_db()
    assert pathway.next_milestone == "summarizing_meeting"

    correct(personas, pathway, assessment)

    pathway.refresh_from_db()
    assert pathway.next_milestone == "assessment_start"
    assert pathway.next_deadline == D(2026, 9, 1) + dt.timedelta(days=84)
    assert pathway.phase == "referral_and_start"
    limits = {ls.limit.key: ls.state for ls in pathway.derive().limits}
    # The first limit runs again: day 83 of 84 on 23 November.
    assert limits["referral_to_assessment"] == "at_risk"
    assert PathwayEvent.objects.filter(pathway=pathway).count() == 3  # nothing deleted


def test_correction_with_a_new_date_replaces_the_old_one(personas):
    pathway = start(personas, D(2026, 9, 1))
    assessment = register(personas, pathway, "assessment_start", D(2026, 10, 1))
    correct(personas, pathway, assessment, key="assessment_start", date=D(2026, 9, 20), reason="Wrong date")
    derived = Pathway.objects.get(pk=pathway.pk).derive()
    assert derived.done["assessment_start"].date == D(2026, 9, 20)
    assert Pathway.objects.get(pk=pathway.pk).next_deadline == D(2026, 9, 20) + dt.timedelta(days=84)


def test_voiding_the_end_reopens_the_pathway(personas):
    pathway = start(personas, D(2026, 9, 1))
    end = register(personas, pathway, "pathway_end", D(2026, 9, 10), outcome="other_reasons")
    pathway.refresh_from_db()
    assert pathway.status == "ended" and pathway.next_deadline is None
    correct(personas, pathway, end, reason="The patient did not decline after all")
    pathway.refresh_from_db()
    assert pathway.status == "active"
    register(personas, pathway, "assessment_start", D(2026, 10, 1))


def test_correcting_a_date_after_the_end_is_allowed(personas):
    pathway = start(personas, D(2026, 9, 1))
    assessment = register(personas, pathway, "assessment_start", D(2026, 9, 10))
    register(personas, pathway, "pathway_end", D(2026, 9, 30), outcome="transferred")
    correct(personas, pathway, assessment, key="assessment_start", date=D(2026, 9, 12), reason="Typo")
    assert Pathway.objects.get(pk=pathway.pk).derive().done["assessment_start"].date == D(2026, 9, 12)


def test_voiding_a_void_restores_the_event(personas):
    pathway = start(personas, D(2026, 9, 1))
    assessment = register(personas, pathway, "assessment_start", D(2026, 10, 1))
    void = correct(personas, pathway, assessment)
    correct(personas, pathway, void, reason="The first correction was a mistake")
    pathway.refresh_from_db()
    assert pathway.next_milestone == "summarizing_meeting"


def test_void_that_would_leave_an_impossible_log_is_refused(personas):
    pathway = start(personas, D(2026, 9, 1))
    assessment = register(personas, pathway, "assessment_start", D(2026, 9, 10))
    register(personas, pathway, "summarizing_meeting", D(2026, 10, 10))
    with pytest.raises(PathwayError, match="cannot be registered before"):
        correct(personas, pathway, assessment)


def test_correction_needs_a_reason_and_cannot_be_repeated(personas):
    pathway = start(personas, D(2026, 9, 1))
    assessment = register(personas, pathway, "assessment_start", D(2026, 9, 10))
    with pytest.raises(PathwayError, match="needs a reason"):
        correct(personas, pathway, assessment, reason="  ")
    correct(personas, pathway, assessment)
    with pytest.raises(PathwayError, match="already been corrected"):
        correct(personas, pathway, assessment)


def test_reopening_is_refused_while_another_pathway_of_the_kind_is_active(personas):
    first = start(personas, D(2026, 3, 1))
    end = register(personas, first, "pathway_end", D(2026, 3, 10), outcome="other_reasons")
    start(personas, D(2026, 9, 1))
    with pytest.raises(PathwayError, match="already has an active pathway"):
        correct(personas, first, end)
    assert Pathway.objects.get(pk=first.pk).status == "ended"
