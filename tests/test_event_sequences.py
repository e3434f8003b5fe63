"""Impossible sequences are refused with a clear message and store nothing."""

import datetime as dt

import pytest
import time_machine

from samforlop.pathways.actions import PathwayError
from samforlop.pathways.models import Pathway, PathwayEvent
from tests.conftest import register, start

D = dt.date


@pytest.fixture
def pinned(english):
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)):
        yield


def refused(personas, pathway, key, date, outcome="", match=""):
    before_events = PathwayEvent.objects.count()
    before = Pathway.objects.filter(pk=pathway.pk).values(*Pathway.DERIVED_FIELDS).get()
    with pytest.raises(PathwayError) as e:
        register(personas, pathway, key, date, outcome=outcome)
    assert PathwayEvent.objects.count() == before_events
    assert Pathway.objects.filter(pk=pathway.pk).values(*Pathway.DERIVED_FIELDS).get() == before
    text = " ".join(e.value.messages)
    assert match in text, text
    return text


def test_summarizing_meeting_before_assessment_start_is_refused(personas, pinned):
    pathway = start(personas, D(2026, 9, 1))
    refused(personas, pathway, "summarizing_meeting", D(2026, 10, 1),
            match="cannot be registered before Interdisciplinary assessment started")


def test_summarizing_meeting_dated_before_assessment_start_is_refused(personas, pinned):
    pathway = start(personas, D(2026, 9, 1))
    register(personas, pathway, "assessment_start", D(2026, 10, 1))
    refused(personas, pathway, "summarizing_meeting", D(2026, 9, 20), match="cannot be dated before")


def test_second_start_is_refused(personas, pinned):
    pathway = start(personas, D(2026, 9, 1))
    refused(personas, pathway, "pathway_start", D(2026, 9, 2), match="already registered")


def test_any_event_after_the_end_is_refused(personas, pinned):
    pathway = start(personas, D(2026, 9, 1))
    register(personas, pathway, "pathway_end", D(2026, 9, 10), outcome="other_reasons")
    refused(personas, pathway, "assessment_start", D(2026, 9, 5), match="nothing can be registered after the end")
    refused(personas, pathway, "mapping_consultation", D(2026, 9, 20), match="after the end")


def test_end_needs_a_known_outcome(personas, pinned):
    pathway = start(personas, D(2026, 9, 1))
    refused(personas, pathway, "pathway_end", D(2026, 9, 10), match="needs an outcome")


def test_followup_outcome_needs_a_summarizing_meeting(personas, pinned):
    pathway = start(personas, D(2026, 9, 1))
    refused(personas, pathway, "pathway_end", D(2026, 9, 10), outcome="followup_meeting_held",
            match="cannot be registered before Summarizing collaboration meeting")


def test_not_included_is_refused_after_assessment_has_started(personas, pinned):
    pathway = start(personas, D(2026, 9, 1))
    register(personas, pathway, "assessment_start", D(2026, 9, 10))
    refused(personas, pathway, "pathway_end", D(2026, 9, 20), outcome="not_included", match="cannot come after")


def test_event_before_the_start_is_refused(personas, pinned):
    pathway = start(personas, D(2026, 9, 1))
    refused(personas, pathway, "assessment_start", D(2026, 8, 1), match="cannot be dated before Pathway started")


def test_future_date_is_refused(personas, pinned):
    pathway = start(personas, D(2026, 9, 1))
    refused(personas, pathway, "assessment_start", D(2026, 11, 24), match="in the future")


def test_back_dated_mapping_consultation_is_accepted_before_assessment(personas, pinned):
    pathway = start(personas, D(2026, 9, 1))
    register(personas, pathway, "assessment_start", D(2026, 10, 1))
    register(personas, pathway, "mapping_consultation", D(2026, 9, 15))
    refused(personas, pathway, "mapping_consultation", D(2026, 9, 16), match="already registered")


def test_unknown_milestone_is_refused(personas, pinned):
    pathway = start(personas, D(2026, 9, 1))
    refused(personas, pathway, "coffee_break", D(2026, 9, 2), match="not a milestone")


def test_events_cannot_be_edited_or_deleted(personas, pinned):
    pathway = start(personas, D(2026, 9, 1))
    event = pathway.events.get()
    event.date = D(2026, 9, 2)
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_a_second_active_pathway_of_the_same_kind_at_the_clinic_is_refused(personas, pinned):
    start(personas, D(2026, 9, 1))
    with pytest.raises(PathwayError, match="already has an active pathway"):
        start(personas, D(2026, 10, 1))
    assert Pathway.objects.count() == 1
