"""Properties of the event log, over random sequences of registrations and corrections."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samforlop.pathways import actions
from samforlop.pathways import state as pathway_state
from samforlop.pathways.definitions import get_definition
from samforlop.pathways.models import Pathway, PathwayEvent
from tests.conftest import start

TODAY = dt.date(2026, 11, 23)
FIRST = dt.date(2026, 1, 1)
KEYS = list(get_definition("smerte").milestones)
OUTCOMES = list(get_definition("smerte").outcomes)

operation = st.one_of(
    st.tuples(st.just("register"), st.sampled_from(KEYS), st.integers(0, 400),
              st.sampled_from([""] + OUTCOMES)),
    st.tuples(st.just("void"), st.integers(0, 20), st.none(), st.none()),
    st.tuples(st.just("redate"), st.integers(0, 20), st.integers(0, 400), st.none()),
)


class Event:
    def __init__(self, pk, key, date, outcome="", voids_id=None):
        self.pk, self.key, self.date, self.outcome, self.voids_id = pk, key, date, outcome, voids_id


def stored(pathway):
    return Pathway.objects.filter(pk=pathway.pk).values(*Pathway.DERIVED_FIELDS).get()


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, max_size=12))
def test_stored_state_always_equals_the_state_derived_from_the_log(personas, ops):
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)), transaction.atomic():
        now = dt.datetime.now(dt.UTC)
        pathway = start(personas, FIRST)
        for kind, a, b, outcome in ops:
            before_state, before_count = stored(pathway), PathwayEvent.objects.count()
            events = list(PathwayEvent.objects.filter(pathway=pathway).order_by("pk"))
            try:
                if kind == "register":
                    actions.register_milestone(pathway=pathway, key=a, date=FIRST + dt.timedelta(days=b),
                                               outcome=outcome, actor=None, now=now)
                else:
                    target = events[a % len(events)]
                    actions.correct_event(pathway=pathway, voids=target, reason="property", actor=None, now=now,
                                          key=target.key if kind == "redate" and target.key != "void" else "void",
                                          date=FIRST + dt.timedelta(days=b) if kind == "redate" else None,
                                          outcome=target.outcome)
            except actions.PathwayError:
                # Refused: nothing stored, nothing changed.
                assert PathwayEvent.objects.count() == before_count
                assert stored(pathway) == before_state
                continue
            events = list(PathwayEvent.objects.filter(pathway=pathway).order_by("pk"))
            effective = pathway_state.effective_events(events)
            assert pathway_state.sequence_errors(pathway.definition, effective, TODAY) == []
            derived = pathway_state.derive(pathway.definition, effective, TODAY, 14)
            row = stored(pathway)
            assert (row["status"], row["next_milestone"] or None, row["next_deadline"]) == (
                derived.status, derived.next_milestone, derived.next_deadline)
        transaction.set_rollback(True)


@given(st.integers(0, 300), st.integers(0, 300))
def test_limit_state_is_met_exactly_when_elapsed_days_are_at_most_7n(start_offset, elapsed):
    definition = get_definition("smerte")
    begin = FIRST + dt.timedelta(days=start_offset)
    log = [Event(1, "pathway_start", begin), Event(2, "assessment_start", begin + dt.timedelta(days=elapsed))]
    derived = pathway_state.derive(definition, log, max(TODAY, log[1].date), 14)
    first = derived.limits[0]
    assert first.elapsed_days == elapsed
    assert first.state == ("met" if elapsed <= 84 else "breached")
    assert derived.next_deadline == log[1].date + dt.timedelta(days=84)


@given(st.lists(st.tuples(st.sampled_from(KEYS + ["void"]), st.integers(0, 10)), max_size=15))
def test_a_voided_event_never_counts_unless_its_void_is_voided(raw):
    events, voided_by = [], {}
    for pk, (key, target) in enumerate(raw, start=1):
        target_pk = target % pk if key == "void" else 0
        if target_pk and target_pk not in voided_by:  # an event is corrected at most once
            voided_by[target_pk] = pk
        else:
            target_pk = None
        events.append(Event(pk, key, FIRST, voids_id=target_pk))

    def counts(pk):
        voider = voided_by.get(pk)
        return voider is None or not counts(voider)

    effective = pathway_state.effective_events(events)
    assert {e.pk for e in effective} == {e.pk for e in events if e.key != "void" and counts(e.pk)}
